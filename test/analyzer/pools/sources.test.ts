import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatIssue } from '../../../common/parse/issue.js';
import { hostFiles } from '../../../common/keepalived/conf-files.js';
import { expandConfig } from '../../../common/keepalived/parse-conf.js';
import { parseIpvsadmSave } from '../../../analyzer/inputs/pools/ipvsadm-save.js';
import { poolsFromKeepalived } from '../../../analyzer/inputs/pools/keepalived.js';
import type { Pool } from '../../../analyzer/inputs/pools/model.js';
import { serviceSpec } from '../../../analyzer/inputs/pools/service-spec.js';
import { tempDir } from '../../support/process.js';

const root = new URL('../../../', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, root), 'utf8');
const dir = tempDir('pools-sources');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A pool in one line per server: `ADDR:PORT FORWARD wWEIGHT`. */
const servers = (pool: Pool | undefined) =>
  pool?.servers?.map((s) => {
    const host = s.addr.family === 6 ? `[${s.addr.text}]` : s.addr.text;
    return `${host}:${s.port ?? '*'} ${s.forward ?? '?'} w${s.weight ?? '?'}`;
  });

/**
 * `ipvsadm -Ln` as the same kernel printed it: service → scheduler and persistence words, and its
 * destinations as `ADDR:PORT FORWARD wWEIGHT`, in the listing's order.
 */
function listing(text: string): Map<string, { head: string; dests: string[] }> {
  const out = new Map<string, { head: string; dests: string[] }>();
  let current: { head: string; dests: string[] } | undefined;
  const forward: Record<string, string> = { Masq: 'masq', Route: 'route', Tunnel: 'tunnel', Local: 'local' };
  for (const line of text.split('\n')) {
    const svc = /^(TCP|UDP|SCTP|FWM)\s+(\S+)\s+(.*?)\s*$/.exec(line);
    if (svc) {
      const [, proto = '', where = '', rest = ''] = svc;
      const ipv6 = proto === 'FWM' && rest.startsWith('IPv6');
      const name = proto === 'FWM' ? `fwm${ipv6 ? '6' : ''}:${where}` : `${proto.toLowerCase()}:${where}`;
      current = { head: rest.replace(/^IPv6 /, ''), dests: [] };
      out.set(name, current);
      continue;
    }
    const dest = /^\s+->\s+(\S+)\s+(\w+)\s+(\d+)/.exec(line);
    if (dest && current) current.dests.push(`${dest[1]} ${forward[dest[2] ?? ''] ?? '?'} w${dest[3]}`);
  }
  return out;
}

/** What `ipvsadm -Ln` prints after the scheduler: `persistent 20`, `mask 64`, ... */
function head(pool: Pool): string {
  const words: string[] = [pool.scheduler ?? '?'];
  if (pool.persistenceSeconds) {
    words.push(`persistent ${pool.persistenceSeconds}`);
    const key = pool.services[0];
    const full = key?.kind === 'fwmark' ? key.family === 6 : key?.addr.family === 6;
    const mask = pool.persistenceNetmask;
    if (full ? mask !== 128 : mask !== 0xffffffff) {
      words.push(`mask ${full ? mask : [24, 16, 8, 0].map((s) => ((mask ?? 0) >>> s) & 255).join('.')}`);
    }
  }
  return words.join(' ');
}

describe('pools from ipvsadm -S -n', () => {
  it('rebuild every service of the lab kernel as its own listing shows it', () => {
    const { value, issues } = parseIpvsadmSave(
      read('fixtures/traces/lab-6.1/ipvsadm-S-n.txt'),
      'ipvsadm-S-n.txt',
    );
    expect(issues).toEqual([]);
    const kernel = listing(read('fixtures/traces/lab-6.1/ipvsadm-Ln--nosort.txt'));
    expect(value).toHaveLength(kernel.size);
    for (const pool of value) {
      const spec = serviceSpec(pool.services[0] ?? { kind: 'fwmark', mark: 0, family: 4 });
      const listed = kernel.get(spec);
      // Scheduler flags and one-packet scheduling are not part of a pool's configured state.
      const shown = listed?.head.replace(/ \(.*\)| ops$/g, '');
      expect({ spec, head: head(pool) }).toEqual({ spec, head: shown });
      // -S lists servers in the order they were added; the kernel puts each new one first.
      const mine = (servers(pool) ?? []).map((s) => s.replace(/:\* /, ':0 '));
      expect({ spec, dests: [...mine].sort() }).toEqual({ spec, dests: [...(listed?.dests ?? [])].sort() });
    }
    const mark6 = value.find((p) => p.name === 'fwm6:6');
    expect(mark6).toMatchObject({
      origin: 'ipvsadm-S-n.txt:126',
      sources: ['ipvsadm-save'],
      scheduler: 'rr',
    });
    expect(servers(mark6)).toEqual(['[2001:db8:3::2]:* masq w1']);
    expect(value.map((p) => p.name)).toContain('[2001:db8:f::10]:443');
  });

  it('reads the bundled MySQL pool (a DR director) with its persistence', () => {
    const { value, issues } = parseIpvsadmSave(read('fixtures/procfs/mysql/ipvsadm/ipvsadm-S-n.txt'), 'save');
    expect(issues).toEqual([]);
    expect(value).toHaveLength(1);
    expect(value[0]).toMatchObject({
      name: '172.16.1.18:3306',
      origin: 'save:1',
      scheduler: 'wrr',
      persistenceSeconds: 20,
      persistenceNetmask: 0xffffffff,
    });
    expect(servers(value[0])).toEqual(['172.16.1.7:3306 route w1', '172.16.1.51:3306 route w1']);
  });

  it('applies a restore script in order and reports what ipvsadm would refuse, by line', () => {
    const text = [
      '# restore script', //                                             1
      'ipvsadm -A -t 192.0.2.10:80 -s wrr', //                            2
      '/sbin/ipvsadm -a -t 192.0.2.10:80 -r 198.18.1.2:80 -m -w 3', //  3
      '-a -t 192.0.2.10:80 -r 198.18.2.2 -m -w 2', //                    4
      '-e -t 192.0.2.10:80 -r 198.18.2.2:80 -m -w 5 -x 100 -y 50', //    5
      '-E -t 192.0.2.10:80 -s sh -p 60', //                              6
      '-a -t 192.0.2.99:80 -r 198.18.1.2:80', //                          7
      '-A -t 192.0.2.10:80', //                                           8
      '-A -t lvs.example.com:http -s rr', //                              9
      '-A -u 192.0.2.40:53 -s rr -o', //                                 10
      '-a -u 192.0.2.40:53 -r 198.18.1.2:53 -w 1', //                    11
      '-d -u 192.0.2.40:53 -r 198.18.1.2:53', //                         12
      '-A -t 192.0.2.20:80 -s bogus', //                                 13
      '-a -t 192.0.2.10:80 -r 198.18.1.2:80 -m', //                      14
      '--set 900 120 300', //                                            15
      '-A -f 5 -s rr', //                                                16
      '-D -f 5', //                                                      17
    ].join('\n');
    const { value, issues } = parseIpvsadmSave(text, 'restore.sh');
    expect(issues.map((i) => formatIssue(i))).toEqual([
      'restore.sh:7: -a: Service not defined',
      'restore.sh:8: -A: Service already exists',
      'restore.sh:9: -t: "lvs.example.com" is not a dotted-quad IPv4 address (host and port names are not resolved: use ipvsadm -S -n)',
      'restore.sh:13: -s: unknown scheduler "bogus" (known: rr wrr lc wlc sed nq fo ovf lblc lblcr dh sh mh twos)',
      'restore.sh:14: -a: Destination already exists',
    ]);
    expect(value.map((p) => [p.name, p.scheduler, p.persistenceSeconds])).toEqual([
      ['192.0.2.10:80', 'sh', 60],
      ['192.0.2.40:53', 'rr', 0],
    ]);
    expect(servers(value[0])).toEqual(['198.18.1.2:80 masq w3', '198.18.2.2:80 masq w5']);
    expect(value[0]?.servers?.[1]).toMatchObject({
      upperThreshold: 100,
      lowerThreshold: 50,
      origin: 'restore.sh:5',
    });
    expect(value[1]?.servers).toEqual([]);
  });
});

describe('pools from keepalived.conf', () => {
  const conf = [
    'virtual_server_group mysql {', //          1
    '  172.16.1.18 3306', //                    2
    '  172.16.1.19 3306', //                    3
    '}', //                                     4
    'virtual_server group mysql {', //          5
    '  lb_algo wrr', //                         6
    '  lb_kind DR', //                          7
    '  protocol TCP', //                        8
    '  persistence_timeout 20', //              9
    '  real_server 172.16.1.7 3306 {', //      10
    '    weight 3', //                         11
    '  }', //                                  12
    '  real_server 172.16.1.51 {', //          13
    '  }', //                                  14
    '}', //                                    15
    'virtual_server 192.0.2.10 80 {', //       16
    '  lb_algo rr', //                         17
    '  lb_kind NAT', //                        18
    '  protocol TCP', //                       19
    '  real_server 198.18.1.2 8080 {', //      20
    '    weight 2', //                         21
    '  }', //                                  22
    '}', //                                    23
    'virtual_server fwmark 7 {', //            24
    '  lb_algo sh', //                         25
    '  lb_kind DR', //                         26
    '  persistence_timeout 50', //             27
    '  persistence_granularity 255.255.255.0', // 28
    '  real_server 198.18.2.77 0 {', //       29
    '    weight 5', //                         30
    '  }', //                                  31
    '}', //                                    32
    'virtual_server 192.0.2.11 80 {', //       33
    '  lb_algo rr', //                         34
    '  protocol TCP', //                       35
    '  real_server 198.18.1.2 80 {', //        36
    '    weight x', //                         37
    '  }', //                                  38
    '}', //                                    39
  ].join('\n');

  it('one pool per virtual_server: named by its group or address, servers with configured weights', () => {
    const file = path.join(dir, 'keepalived.conf');
    writeFileSync(file, conf);
    const { value, issues } = poolsFromKeepalived(expandConfig(file, hostFiles, 'lb1').lines);
    expect(issues.map((i) => formatIssue(i).replace(dir, 'DIR'))).toEqual([
      'DIR/keepalived.conf:37: real_server weight: virtual_server 192.0.2.11 80: "x" is outside 0-2147483647',
      'DIR/keepalived.conf:33: lb_kind: virtual_server 192.0.2.11 80: no forwarding method set - keepalived defaults to NAT',
    ]);
    expect(value.map((p) => [p.name, p.origin.replace(dir, 'DIR'), p.services.map(serviceSpec)])).toEqual([
      ['mysql', 'DIR/keepalived.conf:5', ['tcp:172.16.1.18:3306', 'tcp:172.16.1.19:3306']],
      ['192.0.2.10:80', 'DIR/keepalived.conf:16', ['tcp:192.0.2.10:80']],
      ['fwm:7', 'DIR/keepalived.conf:24', ['fwm:7']],
      ['192.0.2.11:80', 'DIR/keepalived.conf:33', ['tcp:192.0.2.11:80']],
    ]);
    // A group's real server without a port is matched by address; DR takes the service's port.
    expect(servers(value[0])).toEqual(['172.16.1.7:3306 route w3', '172.16.1.51:* route w1']);
    expect(value[0]).toMatchObject({
      sources: ['keepalived'],
      scheduler: 'wrr',
      forward: 'route',
      persistenceSeconds: 20,
      persistenceNetmask: 0xffffffff,
    });
    expect(value[0]?.servers?.[0]?.origin.replace(dir, 'DIR')).toBe('DIR/keepalived.conf:10');
    expect(servers(value[1])).toEqual(['198.18.1.2:8080 masq w2']);
    expect(servers(value[2])).toEqual(['198.18.2.77:* route w5']);
    expect(value[2]).toMatchObject({ persistenceSeconds: 50, persistenceNetmask: 0xffffff00 });
    expect(value[2]?.aliases).toEqual([]);
    expect(servers(value[3])).toEqual(['198.18.1.2:80 masq w1']);
  });
});
