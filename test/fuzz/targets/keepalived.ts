/**
 * keepalived: the JSON, text data, text stats and checker dumps, notify FIFO lines, `ip -j addr`
 * and keepalived.conf (expanded from memory, then read for VIPs and virtual servers).
 */
import { virtualServersFromConfig } from '../../../common/keepalived/conf-virtual-servers.js';
import { parseCheckData } from '../../../common/keepalived/parse-check-data.js';
import { type ConfFiles, expandConfig, vipsFromConfig } from '../../../common/keepalived/parse-conf.js';
import { parseDataDump } from '../../../common/keepalived/parse-data.js';
import { FifoTracker } from '../../../common/keepalived/parse-fifo.js';
import { parseIpAddrJson } from '../../../common/keepalived/parse-ip-addr.js';
import { parseJsonDump } from '../../../common/keepalived/parse-json.js';
import { parseStatsDump } from '../../../common/keepalived/parse-stats.js';
import { type FuzzTarget, fixtures } from '../harness.js';

const vrrp = (name: string) => `fixtures/keepalived/2.2.7-vrrp/${name}`;
const pub = (name: string) => `fixtures/keepalived/public/${name}`;
const utf8 = (input: Buffer) => input.toString('utf8');

const IP_ADDR_SEED = Buffer.from(
  JSON.stringify([
    { ifindex: 1, ifname: 'lo', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
    {
      ifindex: 2,
      ifname: 'eth0',
      addr_info: [
        { family: 'inet', local: '192.0.2.10', prefixlen: 24 },
        { family: 'inet', local: '192.0.2.100', prefixlen: 32 },
        { family: 'inet6', local: '2001:db8::10', prefixlen: 64 },
      ],
    },
  ]),
);

/** The configuration as the only file, with one include of a second in-memory file. */
function confFiles(main: string): ConfFiles {
  const tree = new Map([
    ['/etc/keepalived/keepalived.conf', main],
    [
      '/etc/keepalived/conf.d/a.conf',
      'virtual_server 192.0.2.1 80 {\n real_server 10.0.0.1 80 { weight 1 }\n}\n',
    ],
  ]);
  return {
    read(file) {
      const text = tree.get(file);
      if (text === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return text;
    },
    list: (dir) => (dir === '/etc/keepalived/conf.d' ? ['a.conf'] : []),
  };
}

export const keepalivedTargets: FuzzTarget[] = [
  {
    name: 'keepalived json',
    seeds: fixtures([
      vrrp('steady-a-master.json'),
      vrrp('trackfail-a-fault.json'),
      'fixtures/keepalived/derived/json-v2-steady-a-master.json',
      pub('nser77_keepalived-wrapper_keepalived.json'),
    ]),
    run: (input) => parseJsonDump(utf8(input), 'keepalived.json'),
  },
  {
    name: 'keepalived data',
    seeds: fixtures([
      vrrp('steady-a-master.data'),
      vrrp('trackfail-a-fault.data'),
      pub('mehdy_keepalived-exporter_v1.3.5_keepalived.data'),
      pub('mehdy_keepalived-exporter_v2.0.10_keepalived.data'),
      pub('mehdy_keepalived-exporter_v2.2.7_keepalived.data'),
    ]),
    run: (input) => parseDataDump(utf8(input), 'keepalived.data'),
  },
  {
    name: 'keepalived stats',
    seeds: fixtures([
      vrrp('steady-a-master.stats'),
      vrrp('trackfail-a-fault.stats'),
      pub('mehdy_keepalived-exporter_v1.3.5_keepalived.stats'),
    ]),
    run: (input) => parseStatsDump(utf8(input), 'keepalived.stats'),
  },
  {
    name: 'keepalived check data',
    seeds: fixtures(['fixtures/keepalived/2.2.7-checker/keepalived_check.data']),
    run: (input) => parseCheckData(utf8(input), 'keepalived_check.data'),
  },
  {
    name: 'keepalived fifo',
    seeds: fixtures([vrrp('fifo-a.txt'), vrrp('fifo-b.txt')]),
    run: (input) => {
      const tracker = new FifoTracker(64);
      let at = 0;
      for (const line of utf8(input).split('\n')) tracker.apply(line, (at += 1000));
      return { snapshot: tracker.snapshot(true), unparsed: tracker.unparsedLines };
    },
  },
  {
    name: 'ip -j addr',
    seeds: [IP_ADDR_SEED],
    run: (input) => parseIpAddrJson(utf8(input), 'ip -j addr'),
  },
  {
    name: 'keepalived.conf',
    seeds: [
      ...fixtures([vrrp('keepalived-a.conf')]),
      Buffer.from(
        [
          '$VIP=192.0.2.100',
          'include conf.d/*.conf',
          '@lb1 global_defs { router_id lb1 }',
          'vrrp_instance VI_1 {',
          '  interface eth0',
          '  virtual_router_id 51',
          '  virtual_ipaddress {',
          '    ${VIP}/32 dev eth0',
          '  }',
          '}',
          '~SEQ(i,1,3) virtual_server 192.0.2.$i 80 { lb_algo wrr }',
          '',
        ].join('\n'),
      ),
    ],
    // A few lines may ask ~SEQ for 65,535 repetitions each: the expansion stops at 100,000 lines,
    // about 20 µs each here to expand and read.
    maxMs: () => 5000,
    run: (input) => {
      const expanded = expandConfig('/etc/keepalived/keepalived.conf', confFiles(utf8(input)), 'lb1');
      return {
        expanded,
        vips: vipsFromConfig(expanded.lines),
        servers: virtualServersFromConfig(expanded.lines),
      };
    },
  },
];
