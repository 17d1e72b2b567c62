/**
 * Label forms → compute forms for the history readers: which queried service a series' labels
 * (Prometheus labels, InfluxDB tags) belong to, which real server, and the selectors that ask a
 * store for exactly the pool's services (PromQL label matchers, InfluxQL tag conditions).
 *
 * A label the store does not have reads as "": Prometheus drops empty-valued labels at ingestion
 * and lvscope's InfluxDB sink leaves empty tags out, so `local_mark` of a TCP service and
 * `local_address` of an FWM service are absent in both.
 */
import {
  FWM_LABEL,
  type ServiceKey,
  addressLabel,
  protocolOfLabel,
  serviceId,
  serviceLabels,
} from '../../../common/ipvs/vocabulary.js';
import { type IpAddr, parseIp } from '../../../common/net/ip.js';

export type Labels = Readonly<Record<string, string | undefined>>;

/**
 * The service identity (serviceId) of a series' service labels, in the canonical label forms, or
 * undefined when they do not name a service (a missing label, an unknown protocol, a bad address).
 */
export function serviceIdOfLabels(labels: Labels): string | undefined {
  const key = serviceKeyOfLabels(labels);
  return key && serviceId(key);
}

/** The inverse of serviceLabels (the family is not in the labels: marks are read as IPv4). */
export function serviceKeyOfLabels(labels: Labels): ServiceKey | undefined {
  const proto = labels.proto ?? '';
  if (proto === FWM_LABEL) {
    const mark = labels.local_mark ?? '';
    if (!/^[0-9a-fA-F]{1,8}$/.test(mark)) return undefined;
    return { kind: 'fwmark', mark: parseInt(mark, 16), family: 4 };
  }
  const protocol = protocolOfLabel(proto);
  const addr = parseIp(labels.local_address ?? '');
  const port = Number(labels.local_port ?? '');
  if (!protocol || !addr || !Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  return { kind: 'addr', proto: protocol, addr, port };
}

/** Each service once, in the order first met. */
export function distinctServices(keys: Iterable<ServiceKey | undefined>): ServiceKey[] {
  const byId = new Map<string, ServiceKey>();
  for (const key of keys) if (key && !byId.has(serviceId(key))) byId.set(serviceId(key), key);
  return [...byId.values()];
}

/** A real server's address and port from `remote_address` / `remote_port`, or undefined. */
export function destinationOfLabels(
  labels: Labels,
): { readonly id: string; readonly addr: IpAddr; readonly port: number } | undefined {
  const addr = parseIp(labels.remote_address ?? '');
  const port = Number(labels.remote_port ?? '');
  if (!addr || !Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  return { id: `${addressLabel(addr)} ${port}`, addr, port };
}

/** RE2 metacharacters escaped, for an exact alternative inside a PromQL regex matcher. */
function regexQuote(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** A PromQL double-quoted string literal. */
export function promString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** `name="v"` for one value, `name=~"a|b"` for several (exact alternatives, "" included). */
export function promMatcher(name: string, values: readonly string[]): string {
  const unique = [...new Set(values)].sort();
  if (unique.length === 1) return `${name}=${promString(unique[0] ?? '')}`;
  return `${name}=~${promString(unique.map(regexQuote).join('|'))}`;
}

/**
 * Label matchers selecting the services' series: one matcher per service label with the values of
 * every service. With several services this is their cross product (a superset); the readers keep
 * only series whose labels name one of the services (serviceIdOfLabels).
 */
export function promServiceMatchers(services: readonly ServiceKey[]): string[] {
  const columns: [string[], string[], string[], string[]] = [[], [], [], []];
  for (const key of services)
    serviceLabels(key).forEach((value, i) => columns[i as 0 | 1 | 2 | 3].push(value));
  return ['proto', 'local_address', 'local_port', 'local_mark'].map((name, i) =>
    promMatcher(name, columns[i as 0 | 1 | 2 | 3]),
  );
}

/** An InfluxQL identifier ("name"). */
export function influxIdent(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** An InfluxQL string literal ('value'). */
export function influxString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * An InfluxQL condition selecting exactly the services' series: `(proto = 'TCP' AND local_address
 * = '…' AND local_port = '…' AND local_mark = '') OR (…)`; `= ''` matches a series without the tag.
 */
export function influxServiceCondition(services: readonly ServiceKey[]): string {
  const names = ['proto', 'local_address', 'local_port', 'local_mark'];
  const one = (key: ServiceKey): string =>
    `(${serviceLabels(key)
      .map((value, i) => `${influxIdent(names[i] ?? '')} = ${influxString(value)}`)
      .join(' AND ')})`;
  return `(${services.map(one).join(' OR ')})`;
}

/** `(tag = 'a' OR tag = 'b')`. */
export function influxAnyOf(tag: string, values: readonly string[]): string {
  return `(${[...new Set(values)].map((value) => `${influxIdent(tag)} = ${influxString(value)}`).join(' OR ')})`;
}

/** `10.1.0.1/24` → the address (keepalived prints VIPs with a prefix length in some dumps). */
export function vipOfLabel(text: string): IpAddr | undefined {
  const slash = text.indexOf('/');
  return parseIp(slash >= 0 ? text.slice(0, slash) : text);
}
