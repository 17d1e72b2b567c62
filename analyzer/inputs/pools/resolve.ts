/**
 * `--pool NAME` → one pool. The rules, in order (the first that applies decides):
 * 1. a pool named NAME, or with NAME as an alias (mergePools);
 * 2. NAME written as a service (`tcp:ADDR:PORT`, `fwm:N`, ...): the pool of exactly that service,
 *    else a pool of just that service;
 * 3. NAME written as an address (`ADDR:PORT`, `[ADDR]:PORT`): the one service at that address
 *    and port among the pools' and the history's services;
 * 4. NAME a well-known service name (`mysql`): the services on its port among the pools' and
 *    the history's services: the pool whose services are exactly those, else the one service;
 * 5. otherwise an error that lists the pools there are and the services the history has.
 * Several candidates at any step are an error that lists them: two pools named alike, or a TCP
 * and a UDP service at one address, or two VIPs on port 3306, are different things to analyse,
 * and picking one would analyse something the operator did not mean. The error says how to
 * select one (by a pools-file name or the service itself).
 */
import { type ServiceKey, serviceText } from '../../../common/ipvs/vocabulary.js';
import { parseEndpoint } from '../../../common/net/ip.js';
import type { Pool } from './model.js';
import { serviceSetId } from './merge.js';
import { parseServiceSpec, servicePool, serviceSpec } from './service-spec.js';

/**
 * Well-known names and their ports. The ports, and the names mysql, postgresql, http, https,
 * redis, memcache and domain, are IANA's (Service Name and Transport Protocol Port Number
 * Registry); postgres, memcached and dns are the spellings people type. Only the protocols these
 * services are really balanced on count: memcached and DNS answer on UDP and TCP, the others on
 * TCP (IANA registers most names for UDP as well).
 */
export const WELL_KNOWN_PORTS: Readonly<
  Record<string, { readonly port: number; readonly protos: readonly string[] }>
> = {
  mysql: { port: 3306, protos: ['tcp'] },
  postgresql: { port: 5432, protos: ['tcp'] },
  postgres: { port: 5432, protos: ['tcp'] },
  http: { port: 80, protos: ['tcp'] },
  https: { port: 443, protos: ['tcp'] },
  redis: { port: 6379, protos: ['tcp'] },
  memcache: { port: 11211, protos: ['tcp', 'udp'] },
  memcached: { port: 11211, protos: ['tcp', 'udp'] },
  domain: { port: 53, protos: ['udp', 'tcp'] },
  dns: { port: 53, protos: ['udp', 'tcp'] },
};

export type PoolResolution =
  | {
      readonly ok: true;
      readonly pool: Pool;
      /** How NAME led to the pool, for the output's evidence. */
      readonly how: string;
    }
  | {
      readonly ok: false;
      readonly reason: 'unknown' | 'ambiguous' | 'invalid';
      /** The whole explanation, with what exists or what matched (one line per item). */
      readonly message: string;
    };

/** `mysql (pools.yml:3): tcp:172.16.1.18:3306`, as the errors list pools. */
export function poolSummary(pool: Pool): string {
  const aliases = pool.aliases.length > 0 ? ` alias ${pool.aliases.join(', ')}` : '';
  return `${pool.name}${aliases} (${pool.origin}): ${pool.services.map(serviceSpec).join(' ')}`;
}

function ambiguous(what: string, items: readonly string[], hint: string): PoolResolution {
  return {
    ok: false,
    reason: 'ambiguous',
    message: [`${what}:`, ...items.map((item) => `  ${item}`), hint].join('\n'),
  };
}

/** Every distinct service of the pools and the history, pools' first. */
function knownServices(pools: readonly Pool[], seen: readonly ServiceKey[]): ServiceKey[] {
  const out = new Map<string, ServiceKey>();
  for (const key of [...pools.flatMap((p) => p.services), ...seen]) out.set(serviceSpec(key), key);
  return [...out.values()];
}

/** A service and the pools it belongs to, for the ambiguity errors. */
function serviceLine(key: ServiceKey, pools: readonly Pool[]): string {
  const spec = serviceSpec(key);
  const owners = pools.filter((p) => p.services.some((s) => serviceSpec(s) === spec)).map((p) => p.name);
  return owners.length > 0 ? `${spec} (pool ${owners.join(', ')})` : `${spec} (seen in the history)`;
}

/** The pool whose services are exactly `services`, the one service's own pool, or an ambiguity. */
function poolOfServices(
  name: string,
  services: readonly ServiceKey[],
  pools: readonly Pool[],
  how: string,
  anonymous: (key: ServiceKey) => Pool,
): PoolResolution {
  const id = serviceSetId({ services });
  const exact = pools.filter((p) => serviceSetId(p) === id);
  if (exact.length === 1 && exact[0])
    return { ok: true, pool: exact[0], how: `${how}: pool ${exact[0].name}` };
  if (exact.length > 1) {
    return ambiguous(
      `--pool ${name}: ${exact.length} pools have exactly these services`,
      exact.map(poolSummary),
      'Select one of them by name.',
    );
  }
  const [only] = services;
  if (services.length === 1 && only) return { ok: true, pool: anonymous(only), how };
  return ambiguous(
    `--pool ${name}: ${services.length} services match (${how})`,
    services.map((s) => serviceLine(s, pools)),
    'Select one with --pool PROTO:ADDR:PORT, or name the set in a pools file.',
  );
}

/**
 * Resolves `--pool NAME` among the loaded pools (loadPools) and, when given, the services a
 * history recorded; see the rules above.
 */
export function resolvePool(
  name: string,
  pools: readonly Pool[],
  seen: readonly ServiceKey[] = [],
): PoolResolution {
  const named = pools.filter((p) => p.name === name || p.aliases.includes(name));
  if (named.length === 1 && named[0]) {
    return { ok: true, pool: named[0], how: `the pool named ${name} (${named[0].origin})` };
  }
  if (named.length > 1) {
    return ambiguous(
      `--pool ${name}: ${named.length} pools are named so`,
      named.map(poolSummary),
      'Give them different names in a pools file, or select one service with --pool PROTO:ADDR:PORT.',
    );
  }

  if (/^(tcp|udp|sctp|fwm6?):/.test(name)) {
    const key = parseServiceSpec(name);
    if (typeof key === 'string') return { ok: false, reason: 'invalid', message: `--pool: ${key}` };
    const spec = serviceSpec(key);
    return poolOfServices(name, [key], pools, `the service ${spec}`, (k) => servicePool(k, `--pool ${name}`));
  }

  const endpoint = parseEndpoint(name);
  if (typeof endpoint !== 'string') {
    const at = knownServices(pools, seen).filter(
      (k) => k.kind === 'addr' && k.addr.text === endpoint.addr.text && k.port === endpoint.port,
    );
    if (at.length > 0) {
      return poolOfServices(name, at, pools, `the service at ${name}`, (k) =>
        servicePool(k, `--pool ${name}`, serviceText(k)),
      );
    }
  }

  const wellKnown = WELL_KNOWN_PORTS[name.toLowerCase()];
  if (wellKnown) {
    const { port, protos } = wellKnown;
    const on = knownServices(pools, seen).filter(
      (k) => k.kind === 'addr' && k.port === port && protos.includes(k.proto),
    );
    const portText = `port ${port}/${protos.join('+')}`;
    if (on.length > 0) {
      const how = `no pool is named ${name}; ${name} is ${portText}, and ${on.length === 1 ? 'this is the service' : 'these are the services'} on it`;
      return poolOfServices(name, on, pools, how, (k) =>
        servicePool(k, `--pool ${name} (${portText})`, name),
      );
    }
  }

  const lines = [`--pool ${name}: no such pool.`];
  if (wellKnown) lines.push(`${name} is port ${wellKnown.port}, and no service known here is on it.`);
  if (pools.length > 0) lines.push('Pools:', ...pools.map((p) => `  ${poolSummary(p)}`));
  else lines.push('No pools are defined (--pools FILE, --keepalived.config FILE, --ipvsadm-save FILE).');
  const seenOnly = seen.filter(
    (k) => !pools.some((p) => p.services.some((s) => serviceSpec(s) === serviceSpec(k))),
  );
  if (seenOnly.length > 0) {
    lines.push('Services in the history (select one with --pool PROTO:ADDR:PORT or fwm:MARK):');
    lines.push(...knownServices([], seenOnly).map((k) => `  ${serviceSpec(k)}`));
  } else if (seen.length === 0 && pools.length === 0) {
    lines.push('Select a service directly with --pool PROTO:ADDR:PORT or fwm:MARK.');
  }
  return { ok: false, reason: 'unknown', message: lines.join('\n') };
}
