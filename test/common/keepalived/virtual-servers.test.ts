import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServiceKey } from '../../../common/ipvs/vocabulary.js';
import { hostFiles } from '../../../common/keepalived/conf-files.js';
import {
  type ConfVirtualServer,
  MAX_GROUP_ENTRY_ADDRESSES,
  virtualServersFromConfig,
} from '../../../common/keepalived/conf-virtual-servers.js';
import { parseCheckData } from '../../../common/keepalived/parse-check-data.js';
import { expandConfig } from '../../../common/keepalived/parse-conf.js';
import { installed, run, tempDir } from '../../support/process.js';

const repo = new URL('../../../', import.meta.url);
const dir = tempDir('keepalived-vs');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const haveKeepalived = installed('keepalived');

const spec = (k: ServiceKey) =>
  k.kind === 'fwmark' ? `fwm${k.family === 6 ? '6' : ''}:${k.mark}` : `${k.proto}:${k.addr.text}:${k.port}`;

/** The essentials of a virtual server, in one comparable line per item. */
function summary(vs: ConfVirtualServer) {
  return {
    label: vs.label,
    services: vs.services.map(spec),
    scheduler: vs.scheduler,
    forward: vs.forward,
    persistence: vs.persistenceSeconds,
    netmask: vs.persistenceNetmask,
    flags: vs.flags,
    servers: vs.realServers.map((rs) => `${rs.addr.text} ${rs.port} w${rs.weight} ${rs.forward}`),
  };
}

function parse(file: string, configId = 'lb1') {
  const expanded = expandConfig(file, hostFiles, configId);
  const parsed = virtualServersFromConfig(expanded.lines);
  return { ...parsed, issues: [...expanded.issues, ...parsed.issues] };
}

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** `keepalived -t` (config test): 0 when keepalived has nothing to say about the file. */
async function keepalivedTest(file: string, configId = 'lb1') {
  const result = await run('keepalived', ['-t', '-f', file, '-l', '-i', configId], { timeoutMs: 10_000 });
  const said = `${result.stdout}${result.stderr}`;
  const lines = [...said.matchAll(/Line (\d+)\)/g)].map((m) => Number(m[1]));
  return { code: result.code, said, lines };
}

describe('keepalived.conf virtual servers', () => {
  // The config keepalived 2.2.7 ran on a real IPVS kernel to capture fixtures/keepalived/2.2.7-checker.
  const script = readFileSync(new URL('test/keepalived/capture/checker-guest.sh', repo), 'utf8');
  const checkerConf = /<<'CONF'\n([\s\S]*?)\nCONF\n/.exec(script)?.[1] ?? '';

  it('reads the checker capture config as keepalived did (its DATA dump and the IPVS table it made)', () => {
    const file = write('checker.conf', checkerConf);
    const { value, issues } = parse(file);
    expect(issues).toEqual([]);
    expect(value.map(summary)).toEqual([
      {
        label: '192.0.2.10 80',
        services: ['tcp:192.0.2.10:80'],
        scheduler: 'wrr',
        forward: 'masq',
        persistence: 0,
        netmask: undefined,
        flags: [],
        servers: ['198.18.1.2 80 w3 masq', '198.18.2.2 80 w2 masq', '198.18.1.77 80 w1 masq'],
      },
      {
        label: 'fwmark 7',
        services: ['fwm:7'],
        scheduler: 'sh',
        forward: 'route',
        persistence: 50,
        netmask: 0xffffffff,
        flags: [],
        servers: ['198.18.2.77 0 w5 route'],
      },
      {
        label: '192.0.2.10 443',
        services: ['tcp:192.0.2.10:443'],
        scheduler: 'rr',
        forward: 'masq',
        persistence: 0,
        netmask: undefined,
        flags: [],
        servers: ['198.18.1.2 80 w1 masq'],
      },
    ]);
    expect(value[1]?.realServers[0]?.inhibitOnFailure).toBe(true);
    expect(value.map((vs) => `${vs.file === file} ${vs.line}`)).toEqual(['true 4', 'true 30', 'true 44']);

    // keepalived's own reading of the same file, from its checker's DATA dump.
    const dump = parseCheckData(
      readFileSync(new URL('fixtures/keepalived/2.2.7-checker/keepalived_check.data', repo), 'utf8'),
      'keepalived_check.data',
    ).value;
    expect(dump.map((vs) => [vs.service && spec(vs.service), vs.scheduler])).toEqual(
      value.map((vs) => [vs.services.map(spec)[0], vs.scheduler]),
    );
    expect(dump.map((vs) => vs.realServers.map((rs) => `${rs.addr.text} ${rs.port} w${rs.weight}`))).toEqual(
      value.map((vs) => vs.realServers.map((rs) => `${rs.addr.text} ${rs.port} w${rs.weight}`)),
    );

    // The IPVS table keepalived programmed: live servers with the configured weight and method,
    // the dead one removed (198.18.1.77) or kept at weight 0 (inhibit_on_failure).
    const ipvs = readFileSync(new URL('fixtures/keepalived/2.2.7-checker/ipvsadm-Ln.txt', repo), 'utf8');
    expect(ipvs).toContain('TCP  192.0.2.10:80 wrr\n  -> 198.18.1.2:80                Masq    3');
    expect(ipvs).toContain('  -> 198.18.2.2:80                Masq    2');
    expect(ipvs).toContain('FWM  7 sh persistent 50\n  -> 198.18.2.77:0                Route   0');
  });

  const full = [
    '$VIP=172.16.1.18',
    'virtual_server_group mysql {',
    '  $VIP 3306',
    '  172.16.1.19 3306',
    '}',
    'virtual_server_group web {',
    '  192.0.2.10-12 80',
    '  10.1.0.0/30 80',
    '  fwmark 3',
    '}',
    'virtual_server_group web6 {',
    '  2001:db8:f::10 443',
    '  2001:db8:f::20-21 443',
    '}',
    'virtual_server group mysql {',
    '  delay_loop 6',
    '  lb_algo wlc',
    '  lb_kind DR',
    '  protocol TCP',
    '  persistence_timeout 20',
    '  persistence_granularity 255.255.255.0',
    '  real_server 172.16.1.7 3306 {',
    '    weight 2',
    '    uthreshold 300',
    '    TCP_CHECK {',
    '      connect_timeout 3',
    '    }',
    '  }',
    '  ~SEQ(N, 51, 10, 61) real_server 172.16.1.${N} 3306 { weight 1 }',
    '}',
    'virtual_server group web {',
    '  lb_algo sh',
    '  sh-port',
    '  lb_kind NAT',
    '  protocol TCP',
    '  persistence_timeout',
    '  weight 4',
    '  real_server 198.18.1.2 80 {',
    '  }',
    '  @lb1 real_server 198.18.2.2 80 {',
    '  @lb1   weight 2',
    '  @lb1 }',
    '}',
    'virtual_server group web6 {',
    '  lb_algo mh',
    '  mh-fallback',
    '  lb_kind DR',
    '  protocol TCP',
    '  persistence_timeout 120',
    '  persistence_granularity 64',
    '  real_server 2001:db8:1::2 443 {',
    '  }',
    '}',
    'virtual_server 2001:db8:f::30 53 {',
    '  lvs_sched rr',
    '  lvs_method NAT',
    '  protocol UDP',
    '  ops',
    '  real_server 2001:db8:2::2 5353 {',
    '    weight 4',
    '  }',
    '}',
    'virtual_server fwmark 9 {',
    '  lb_algo wrr',
    '  lb_kind TUN',
    '  ip_family inet6',
    '  real_server 2001:db8:3::2 {',
    '    weight 7',
    '  }',
    '}',
    'include conf.d/*.conf',
  ].join('\n');
  const included = [
    'virtual_server 192.0.2.50 0 {',
    '  lb_algo rr',
    '  lb_kind DR',
    '  protocol SCTP',
    '  persistence_timeout 300',
    '  real_server 198.18.1.77 {',
    '    weight 0',
    '    lvs_method NAT',
    '  }',
    '  real_server 198.18.1.78 {',
    '    lthreshold 10',
    '  }',
    '}',
  ].join('\n');

  it('expands groups (ranges, prefixes, marks), IPv6, parameters, ~SEQ, @id lines and includes', () => {
    const file = write('full/keepalived.conf', full);
    const extra = write('full/conf.d/sctp.conf', included);
    const { value, issues } = parse(file);
    expect(issues).toEqual([]);
    expect(value.map(summary)).toEqual([
      {
        label: 'group mysql',
        services: ['tcp:172.16.1.18:3306', 'tcp:172.16.1.19:3306'],
        scheduler: 'wlc',
        forward: 'route',
        persistence: 20,
        netmask: 0xffffff00,
        flags: [],
        servers: ['172.16.1.7 3306 w2 route', '172.16.1.51 3306 w1 route', '172.16.1.61 3306 w1 route'],
      },
      {
        label: 'group web',
        services: [
          'tcp:192.0.2.10:80',
          'tcp:192.0.2.11:80',
          'tcp:192.0.2.12:80',
          'tcp:10.1.0.0:80',
          'tcp:10.1.0.1:80',
          'tcp:10.1.0.2:80',
          'tcp:10.1.0.3:80',
          'fwm:3',
        ],
        scheduler: 'sh',
        forward: 'masq',
        persistence: 360,
        netmask: 0xffffffff,
        flags: ['sh-port'],
        // The virtual server's `weight` is the default of its real servers.
        servers: ['198.18.1.2 80 w4 masq', '198.18.2.2 80 w2 masq'],
      },
      {
        label: 'group web6',
        services: ['tcp:2001:db8:f::10:443', 'tcp:2001:db8:f::20:443', 'tcp:2001:db8:f::21:443'],
        scheduler: 'mh',
        forward: 'route',
        persistence: 120,
        netmask: 64,
        flags: ['mh-fallback'],
        servers: ['2001:db8:1::2 443 w1 route'],
      },
      {
        label: '2001:db8:f::30 53',
        services: ['udp:2001:db8:f::30:53'],
        scheduler: 'rr',
        forward: 'masq',
        persistence: 0,
        netmask: undefined,
        flags: ['ops'],
        servers: ['2001:db8:2::2 5353 w4 masq'],
      },
      {
        label: 'fwmark 9',
        services: ['fwm6:9'],
        scheduler: 'wrr',
        forward: 'tunnel',
        persistence: 0,
        netmask: undefined,
        flags: [],
        servers: ['2001:db8:3::2 0 w7 tunnel'],
      },
      {
        label: '192.0.2.50 0',
        services: ['sctp:192.0.2.50:0'],
        scheduler: 'rr',
        forward: 'route',
        persistence: 300,
        netmask: 0xffffffff,
        flags: [],
        servers: ['198.18.1.77 0 w0 masq', '198.18.1.78 0 w1 route'],
      },
    ]);
    expect(value[0]?.realServers[0]).toMatchObject({ upperThreshold: 300, lowerThreshold: 0, line: 22 });
    expect(value[5]).toMatchObject({ file: extra, line: 1 });
    expect(value[5]?.realServers[1]).toMatchObject({ lowerThreshold: 10, file: extra, line: 10 });
    // Without config id lb1, the @lb1 real server is not there.
    expect(parse(file, 'lb2').value[1]?.realServers.map((rs) => rs.addr.text)).toEqual(['198.18.1.2']);
  });

  it.skipIf(!haveKeepalived)('keepalived 2.2.7 -t accepts that config too', async () => {
    const file = write('full/keepalived.conf', full);
    write('full/conf.d/sctp.conf', included);
    const checked = await keepalivedTest(file);
    expect(checked.said).toBe('');
    expect(checked.code).toBe(0);
  });

  const vs = (body: string, head = '192.0.2.10 80') => `virtual_server ${head} {\n${body}\n}\n`;
  const rs = (extra = '', at = '198.18.1.2 80') => `  real_server ${at} {\n${extra}  }`;
  const ok = '  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n';
  const group = (entries: string) => `virtual_server_group g {\n${entries}\n}\n`;
  /** One mistake each, with the issues we report (line, field, message start). */
  const cases: { name: string; text: string; issues: [number, string, string][]; differs?: string }[] = [
    { name: 'valid', text: vs(ok + rs('    weight 2\n')), issues: [] },
    {
      name: 'unknown scheduler',
      text: vs('  lb_algo bogus\n  lb_kind NAT\n  protocol TCP\n' + rs()),
      issues: [
        [2, 'lb_algo', 'invalid lvs_scheduler "bogus"'],
        [1, 'lb_algo', 'no scheduler set - keepalived defaults to wlc'],
      ],
    },
    {
      name: 'no forwarding method',
      text: vs('  lb_algo rr\n  protocol TCP\n' + rs()),
      issues: [[1, 'lb_kind', 'no forwarding method set - keepalived defaults to NAT']],
    },
    {
      name: 'no protocol',
      text: vs('  lb_algo rr\n  lb_kind NAT\n' + rs()),
      issues: [[1, 'protocol', 'no protocol set - keepalived defaults to UDP']],
    },
    {
      name: 'weight out of range',
      text: vs(ok + rs('    weight 2147483648\n')),
      issues: [[6, 'real_server weight', '"2147483648" is outside 0-2147483647']],
    },
    {
      name: 'bad virtual server port',
      text: vs(ok + rs(), '192.0.2.10 70000'),
      issues: [[1, 'virtual_server', 'invalid virtual server address/port']],
    },
    {
      name: 'bad real server address',
      text: vs(ok + rs('', '198.18.1.x 80')),
      issues: [
        [5, 'real_server', 'invalid real server address/port "198.18.1.x" "80"'],
        [1, 'virtual_server', 'has no real servers'],
      ],
    },
    {
      name: 'duplicate real server',
      text: vs(ok + rs() + '\n' + rs()),
      issues: [[7, 'real_server', 'real server 198.18.1.2 80 is duplicated']],
    },
    {
      name: 'zero port without persistence',
      text: vs(ok + rs(), '192.0.2.10 0'),
      issues: [[1, 'virtual_server', 'zero port is only valid for persistent services']],
    },
    {
      name: 'protocol on a firewall mark',
      text: vs(ok + rs(), 'fwmark 3'),
      issues: [[4, 'protocol', 'protocol given for a firewall mark']],
    },
    {
      name: 'DR real server on another port',
      text: vs('  lb_algo rr\n  lb_kind DR\n  protocol TCP\n' + rs('', '198.18.1.2 81')),
      issues: [[5, 'real_server', "port 81 does not match the virtual server's (DR/TUN) - reset"]],
    },
    {
      name: 'ops on TCP',
      text: vs(ok + '  ops\n' + rs()),
      issues: [[5, 'ops', 'one-packet scheduling needs UDP']],
    },
    {
      name: 'sh-port before lb_algo sh',
      text: vs(ok + '  sh-port\n' + rs()),
      issues: [[5, 'sh-port', 'only applies to the sh scheduler']],
    },
    {
      name: 'persistence_timeout 0',
      text: vs(ok + '  persistence_timeout 0\n' + rs()),
      issues: [[5, 'persistence_timeout', '"0" is not a number of seconds']],
    },
    {
      name: 'IPv6 real server of an IPv4 service',
      text: vs(ok + rs('', '2001:db8::2 80')),
      // keepalived names the closing brace of the real_server block (line 6), we its first line.
      issues: [
        [5, 'real_server', 'address family of 2001:db8::2 does not match'],
        [1, 'virtual_server', 'has no real servers'],
      ],
      differs: 'line',
    },
    {
      name: 'bracketed group address',
      text: group('  192.0.2.1 80\n  [2001:db8::1]:80') + vs(ok + rs(), 'group g'),
      issues: [[3, 'virtual_server_group', 'g: invalid virtual server group address "[2001:db8::1]:80"']],
    },
    {
      name: 'backwards range',
      text: group('  192.0.2.5-3 80') + vs(ok + rs(), 'group g'),
      issues: [
        [2, 'virtual_server_group', 'g: address range end is not greater than address range start'],
        [1, 'virtual_server_group', 'g has no entries'],
        [4, 'virtual_server', 'virtual server group "g" is not configured'],
      ],
      // keepalived says the group is empty at its closing brace (line 3), we at its first line.
      differs: 'line',
    },
    {
      name: 'DR group member port mismatch',
      text:
        group('  192.0.2.1 80') +
        vs('  lb_algo rr\n  lb_kind DR\n  protocol TCP\n' + rs('', '198.18.1.2 81'), 'group g'),
      issues: [[8, 'real_server', 'port 81 does not match group member port 80']],
    },
    {
      name: 'unknown group',
      text: vs(ok + rs(), 'group nope'),
      issues: [[1, 'virtual_server', 'virtual server group "nope" is not configured']],
      // keepalived -t passes; the daemon drops the virtual server when it starts (ipwrapper.c).
      differs: 'keepalived -t does not check',
    },
    {
      name: 'persistence_granularity not a dotted quad',
      text: vs(ok + '  persistence_granularity 300\n' + rs()),
      issues: [[5, 'persistence_granularity', 'invalid IPv4 persistence_granularity "300"']],
      // keepalived's getaddrinfo reads "300" as 0.0.1.44; no one means that mask.
      differs: 'stricter than keepalived',
    },
  ];

  for (const c of cases) {
    it(`reports ${c.name}`, () => {
      const { issues } = parse(write(`case-${c.name.replace(/\W+/g, '-')}.conf`, c.text));
      // Each message as expected where it contains the expected start, else in full (to show it).
      const seen = issues.map((i, n) => {
        const wanted = c.issues[n]?.[2];
        return [i.line, i.field, wanted !== undefined && i.message.includes(wanted) ? wanted : i.message];
      });
      expect(seen).toEqual(c.issues);
    });
  }

  it.skipIf(!haveKeepalived)(
    'keepalived 2.2.7 -t complains about the same files, on the same lines',
    async () => {
      for (const c of cases) {
        const file = write(`case-${c.name.replace(/\W+/g, '-')}.conf`, c.text);
        const checked = await keepalivedTest(file);
        const ours = parse(file).issues.map((i) => i.line);
        if (c.differs === 'keepalived -t does not check' || c.differs === 'stricter than keepalived') {
          expect({ name: c.name, code: checked.code }).toEqual({ name: c.name, code: 0 });
          continue;
        }
        expect({ name: c.name, complains: checked.code !== 0 }).toEqual({
          name: c.name,
          complains: c.issues.length > 0,
        });
        if (c.differs === 'line') continue;
        for (const line of checked.lines) {
          expect({ name: c.name, line, ours: ours.includes(line) }).toEqual({
            name: c.name,
            line,
            ours: true,
          });
        }
      }
    },
  );

  it('does not expand a group range bigger than it reads', () => {
    const file = write('huge.conf', group('  10.0.0.0/16 80\n  10.1.0.0/30 80') + vs(ok + rs(), 'group g'));
    const { value, issues } = parse(file);
    expect(issues).toEqual([
      {
        file,
        line: 2,
        field: 'virtual_server_group',
        message: `g: "10.0.0.0/16" stands for 65536 services, more than the ${MAX_GROUP_ENTRY_ADDRESSES} read - skipped`,
      },
    ]);
    expect(value[0]?.services).toHaveLength(4);
  });
});
