import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ip } from '../helpers.js';
import type { ServiceKey } from '../../../common/ipvs/vocabulary.js';
import { formatIssue } from '../../../common/parse/issue.js';
import { hostFiles } from '../../../common/keepalived/conf-files.js';
import { hostPoolFiles, loadPools } from '../../../analyzer/inputs/pools/load.js';
import { mergePools } from '../../../analyzer/inputs/pools/merge.js';
import type { Pool } from '../../../analyzer/inputs/pools/model.js';
import { type PoolResolution, resolvePool } from '../../../analyzer/inputs/pools/resolve.js';
import { parseServiceSpec, servicePool, serviceSpec } from '../../../analyzer/inputs/pools/service-spec.js';
import { tempDir } from '../../support/process.js';

const root = new URL('../../../', import.meta.url);
const dir = tempDir('pools-load');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function key(spec: string): ServiceKey {
  const parsed = parseServiceSpec(spec);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

/** A pool from a source, for the merge and resolution rules. */
function pool(
  name: string,
  specs: string[],
  source: Pool['sources'][number],
  extra: Partial<Pool> = {},
): Pool {
  const origin = `${source}:${name}`;
  return {
    name,
    aliases: [],
    services: specs.map(key),
    origin,
    origins: [origin],
    sources: [source],
    ...extra,
  };
}

function ok(resolution: PoolResolution): { pool: Pool; how: string } {
  if (!resolution.ok) throw new Error(resolution.message);
  return resolution;
}

function failure(resolution: PoolResolution): { reason: string; message: string } {
  if (resolution.ok) throw new Error(`resolved to ${resolution.pool.name}`);
  return resolution;
}

const keepalivedConf = [
  'virtual_server 172.16.1.18 3306 {', //  1
  '  lb_algo wrr', //                      2
  '  lb_kind DR', //                       3
  '  protocol TCP', //                     4
  '  persistence_timeout 20', //           5
  '  real_server 172.16.1.7 3306 {', //    6
  '    weight 3', //                       7
  '  }', //                                8
  '  real_server 172.16.1.51 3306 {', //   9
  '  }', //                               10
  '}', //                                 11
  'virtual_server_group web {', //        12
  '  192.0.2.10 80', //                   13
  '  192.0.2.10 443', //                  14
  '}', //                                 15
  'virtual_server group web {', //        16
  '  lb_algo rr', //                      17
  '  lb_kind NAT', //                     18
  '  protocol TCP', //                    19
  '  real_server 198.18.1.2 80 {', //     20
  '  }', //                               21
  '}', //                                 22
].join('\n');

describe('loadPools', () => {
  it('reads every source and merges the descriptions of one pool', () => {
    const kconf = path.join(dir, 'keepalived.conf');
    writeFileSync(kconf, keepalivedConf);
    const save = path.join(dir, 'save.txt');
    // The kernel now: a failed check zeroed 172.16.1.51 (inhibit_on_failure).
    writeFileSync(
      save,
      [
        '-A -t 172.16.1.18:3306 -s wrr -p 20',
        '-a -t 172.16.1.18:3306 -r 172.16.1.7:3306 -g -w 3',
        '-a -t 172.16.1.18:3306 -r 172.16.1.51:3306 -g -w 0',
        '-A -u 192.0.2.40:53 -s rr',
        '-a -u 192.0.2.40:53 -r 198.18.1.2:53 -m -w 1',
      ].join('\n'),
    );
    const example = new URL('analyzer/pools.example.yml', root).pathname;
    const { value, issues } = loadPools({
      poolsFile: example,
      keepalivedConfig: kconf,
      keepalivedConfigId: 'lb1',
      ipvsadmSave: save,
      poolSpecs: ['udp:192.0.2.40:53', 'fwm6:6', 'tcp:192.0.2.1'],
    });
    expect(issues.map((i) => formatIssue(i))).toEqual([
      'command line: --pool: "tcp:192.0.2.1": "192.0.2.1" has no port',
    ]);
    expect(value.map((p) => [p.name, p.aliases, p.sources, p.services.map(serviceSpec)])).toEqual([
      ['mysql', ['172.16.1.18:3306'], ['pools-file', 'keepalived', 'ipvsadm-save'], ['tcp:172.16.1.18:3306']],
      ['web', [], ['pools-file', 'keepalived'], ['tcp:192.0.2.10:80', 'tcp:192.0.2.10:443']],
      ['web6', [], ['pools-file'], ['tcp:[2001:db8:f::10]:80']],
      ['shop', [], ['pools-file'], ['fwm:1']],
      ['192.0.2.40:53', ['udp:192.0.2.40:53'], ['ipvsadm-save', 'flag'], ['udp:192.0.2.40:53']],
      ['fwm6:6', [], ['flag'], ['fwm6:6']],
    ]);
    const mysql = value[0];
    expect(mysql?.origins).toEqual([`${example}:8`, `${kconf}:1`, `${save}:1`]);
    expect(mysql).toMatchObject({
      origin: `${example}:8`,
      responseBytesPerConn: 180000,
      scheduler: 'wrr',
      forward: 'route',
      persistenceSeconds: 20,
      persistenceNetmask: 0xffffffff,
    });
    // Configured weights from keepalived.conf (not the kernel's 0), capacities from the pools file.
    expect(mysql?.servers).toEqual([
      {
        addr: ip('172.16.1.7'),
        port: 3306,
        weight: 3,
        forward: 'route',
        upperThreshold: 0,
        lowerThreshold: 0,
        capacity: { relative: 2, workers: 300 },
        origin: `${kconf}:6`,
      },
      {
        addr: ip('172.16.1.51'),
        port: 3306,
        weight: 1,
        forward: 'route',
        upperThreshold: 0,
        lowerThreshold: 0,
        capacity: { relative: 1, workers: 150 },
        origin: `${kconf}:9`,
      },
    ]);
    // A server only the pools file knows is kept, after the configured ones.
    expect(value[1]?.servers?.map((s) => [s.addr.text, s.port, s.weight, s.capacity])).toEqual([
      ['198.18.1.2', 80, 1, { connsPerSecond: 4000 }],
      ['198.18.2.2', undefined, undefined, { connsPerSecond: 2500 }],
    ]);
  });

  it('reads ipvsadm -S from standard input, and reports a source it cannot read', () => {
    const files = { ...hostPoolFiles, stdin: () => '-A -f 3 -s sh\n-a -f 3 -r 10.0.0.1:0 -g -w 2\n' };
    const { value, issues } = loadPools(
      {
        ipvsadmSave: '-',
        poolsFile: path.join(dir, 'missing.yml'),
        keepalivedConfig: path.join(dir, 'no.conf'),
      },
      files,
    );
    expect(issues.map((i) => formatIssue(i).replace(dir, 'DIR'))).toEqual([
      'DIR/missing.yml: file: cannot read (ENOENT)',
      'DIR/no.conf: file: cannot read (ENOENT)',
    ]);
    expect(
      value.map((p) => [p.name, p.origin, p.servers?.map((s) => [s.addr.text, s.port, s.weight])]),
    ).toEqual([['fwm:3', 'stdin:1', [['10.0.0.1', undefined, 2]]]]);
    expect(files.conf).toBe(hostFiles);
  });
});

describe('mergePools', () => {
  it('keeps apart two pools of one source with the same services, and a set listed twice', () => {
    const merged = mergePools([
      [pool('a', ['fwm:1'], 'pools-file'), pool('b', ['fwm:1'], 'pools-file')],
      [pool('fwm:1', ['fwm:1'], 'keepalived')],
    ]);
    expect(merged.map((p) => [p.name, p.sources])).toEqual([
      ['a', ['pools-file']],
      ['b', ['pools-file']],
      ['fwm:1', ['keepalived']],
    ]);
  });

  it('merges by service set, not order, and fills configured state by precedence', () => {
    const merged = mergePools([
      [pool('web', ['tcp:192.0.2.10:443', 'tcp:192.0.2.10:80'], 'pools-file', { requestBytesPerConn: 900 })],
      [],
      [
        pool('192.0.2.10:80', ['tcp:192.0.2.10:80', 'tcp:192.0.2.10:443'], 'ipvsadm-save', {
          scheduler: 'sh',
          persistenceSeconds: 0,
        }),
      ],
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({
      name: 'web',
      aliases: ['192.0.2.10:80'],
      scheduler: 'sh',
      persistenceSeconds: 0,
      requestBytesPerConn: 900,
    });
    expect(merged[0]?.services.map(serviceSpec)).toEqual(['tcp:192.0.2.10:443', 'tcp:192.0.2.10:80']);
  });
});

describe('resolvePool', () => {
  const mysql = pool('mysql', ['tcp:172.16.1.18:3306'], 'pools-file', { aliases: ['172.16.1.18:3306'] });
  const web = pool('web', ['tcp:192.0.2.10:80', 'tcp:192.0.2.10:443'], 'keepalived');
  const dnsTcp = pool('192.0.2.40:53', ['tcp:192.0.2.40:53'], 'ipvsadm-save');
  const dnsUdp = pool('192.0.2.40:53', ['udp:192.0.2.40:53'], 'ipvsadm-save');
  const pools = [mysql, web, dnsTcp, dnsUdp];

  it('1: by name or alias', () => {
    expect(resolvePool('mysql', pools)).toEqual({
      ok: true,
      pool: mysql,
      how: 'the pool named mysql (pools-file:mysql)',
    });
    expect(ok(resolvePool('172.16.1.18:3306', pools)).pool).toBe(mysql);
    expect(ok(resolvePool('web', pools)).pool).toBe(web);
  });

  it('1: two pools named alike are reported with their origins and services, not picked', () => {
    const result = failure(resolvePool('192.0.2.40:53', pools));
    expect(result.reason).toBe('ambiguous');
    expect(result.message).toBe(
      [
        '--pool 192.0.2.40:53: 2 pools are named so:',
        '  192.0.2.40:53 (ipvsadm-save:192.0.2.40:53): tcp:192.0.2.40:53',
        '  192.0.2.40:53 (ipvsadm-save:192.0.2.40:53): udp:192.0.2.40:53',
        'Give them different names in a pools file, or select one service with --pool PROTO:ADDR:PORT.',
      ].join('\n'),
    );
  });

  it('2: a service: the pool of exactly that service, else a pool of just it', () => {
    expect(ok(resolvePool('udp:192.0.2.40:53', pools)).pool).toBe(dnsUdp);
    expect(ok(resolvePool('tcp:172.16.1.18:3306', pools)).pool).toBe(mysql);
    // Part of a larger pool: not that pool, which has more services.
    const alone = ok(resolvePool('tcp:192.0.2.10:443', pools));
    expect(alone.pool).toEqual(servicePool(key('tcp:192.0.2.10:443'), '--pool tcp:192.0.2.10:443'));
    expect(alone.pool.name).toBe('tcp:192.0.2.10:443');
    expect(failure(resolvePool('tcp:192.0.2.10', pools))).toEqual({
      ok: false,
      reason: 'invalid',
      message: '--pool: "tcp:192.0.2.10": "192.0.2.10" has no port',
    });
  });

  it('3: an address the pools do not name, among the services the history saw', () => {
    const seen = [key('tcp:10.0.0.5:6379'), key('tcp:10.0.0.6:53'), key('udp:10.0.0.6:53')];
    const redis = ok(resolvePool('10.0.0.5:6379', pools, seen));
    expect(redis.pool).toMatchObject({ name: '10.0.0.5:6379', origin: '--pool 10.0.0.5:6379' });
    expect(failure(resolvePool('10.0.0.6:53', pools, seen)).message).toBe(
      [
        '--pool 10.0.0.6:53: 2 services match (the service at 10.0.0.6:53):',
        '  tcp:10.0.0.6:53 (seen in the history)',
        '  udp:10.0.0.6:53 (seen in the history)',
        'Select one with --pool PROTO:ADDR:PORT, or name the set in a pools file.',
      ].join('\n'),
    );
  });

  it('4: a well-known name: the one service on its port, or the pool of exactly those services', () => {
    const seen = [key('tcp:172.16.1.30:5432'), key('udp:172.16.1.30:5432')];
    const pg = ok(resolvePool('postgres', [], seen));
    expect(pg.pool).toMatchObject({ name: 'postgres', origin: '--pool postgres (port 5432/tcp)' });
    expect(pg.pool.services.map(serviceSpec)).toEqual(['tcp:172.16.1.30:5432']);
    expect(pg.how).toBe(
      'no pool is named postgres; postgres is port 5432/tcp, and this is the service on it',
    );

    const only = [web, dnsTcp];
    expect(ok(resolvePool('http', only)).pool.services.map(serviceSpec)).toEqual(['tcp:192.0.2.10:80']);
    // DNS is balanced on UDP and TCP: two services on port 53 are two things, unless a pool
    // names the two together.
    expect(failure(resolvePool('dns', [dnsTcp, dnsUdp])).reason).toBe('ambiguous');
    const resolvers = pool('resolvers', ['udp:192.0.2.40:53', 'tcp:192.0.2.40:53'], 'pools-file');
    expect(ok(resolvePool('domain', [resolvers, dnsTcp, dnsUdp])).pool).toBe(resolvers);
  });

  it('4: several services on the port are reported with the pools they belong to', () => {
    const seen = [key('tcp:172.16.1.19:3306')];
    const result = failure(resolvePool('MySQL', [web, mysql], seen));
    expect(result.message).toBe(
      [
        '--pool MySQL: 2 services match (no pool is named MySQL; MySQL is port 3306/tcp, and these are the services on it):',
        '  tcp:172.16.1.18:3306 (pool mysql)',
        '  tcp:172.16.1.19:3306 (seen in the history)',
        'Select one with --pool PROTO:ADDR:PORT, or name the set in a pools file.',
      ].join('\n'),
    );
  });

  it('5: an unknown name lists the pools there are and the services only the history has', () => {
    const seen = [key('tcp:192.0.2.10:80'), key('fwm6:6')];
    const result = failure(resolvePool('mysql-ro', [mysql, web], seen));
    expect(result).toEqual({
      ok: false,
      reason: 'unknown',
      message: [
        '--pool mysql-ro: no such pool.',
        'Pools:',
        '  mysql alias 172.16.1.18:3306 (pools-file:mysql): tcp:172.16.1.18:3306',
        '  web (keepalived:web): tcp:192.0.2.10:80 tcp:192.0.2.10:443',
        'Services in the history (select one with --pool PROTO:ADDR:PORT or fwm:MARK):',
        '  fwm6:6',
      ].join('\n'),
    });
    expect(failure(resolvePool('redis', [])).message).toBe(
      [
        '--pool redis: no such pool.',
        'redis is port 6379, and no service known here is on it.',
        'No pools are defined (--pools FILE, --keepalived.config FILE, --ipvsadm-save FILE).',
        'Select a service directly with --pool PROTO:ADDR:PORT or fwm:MARK.',
      ].join('\n'),
    );
  });

  it('a pool name wins over the well-known port of the same name', () => {
    const http = pool('http', ['tcp:192.0.2.99:8080'], 'pools-file');
    expect(ok(resolvePool('http', [web, http])).pool).toBe(http);
  });

  it('resolves the bundled MySQL pool from its real ipvsadm -S by well-known name', () => {
    const save = readFileSync(new URL('fixtures/procfs/mysql/ipvsadm/ipvsadm-S-n.txt', root), 'utf8');
    const files = { ...hostPoolFiles, stdin: () => save };
    const { value } = loadPools({ ipvsadmSave: '-' }, files);
    const resolved = ok(resolvePool('mysql', value));
    expect(resolved.pool).toMatchObject({ name: '172.16.1.18:3306', origin: 'stdin:1', scheduler: 'wrr' });
    expect(resolved.how).toBe(
      'no pool is named mysql; mysql is port 3306/tcp, and this is the service on it: pool 172.16.1.18:3306',
    );
  });
});
