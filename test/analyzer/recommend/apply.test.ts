/**
 * The ready-to-apply output: the ipvsadm -E/-e/-a/-d and ipvsadm-restore lines parse back, with
 * the project's ipvsadm parser, into exactly the recommended configuration; the keepalived
 * virtual_server snippets pass the real `keepalived -t`.
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServiceKey } from '../../../common/ipvs/vocabulary.js';
import { parseIp } from '../../../common/net/ip.js';
import { parseIpvsadm } from '../../../analyzer/inputs/ipvsadm/parse-command.js';
import { tokenize } from '../../../analyzer/inputs/ipvsadm/tokenize.js';
import { appliedService, applyCommands } from '../../../analyzer/recommend/apply.js';
import type { Configuration } from '../../../analyzer/recommend/types.js';
import { keepalivedVirtualServer, realServerSteps } from '../../../analyzer/report/apply.js';
import { installed, tempDir } from '../../support/process.js';

const VIP: ServiceKey = { kind: 'addr', proto: 'tcp', addr: parseIp('172.16.1.18')!, port: 3306 };
const MARK6: ServiceKey = { kind: 'fwmark', mark: 7, family: 6 };

const current: Configuration = {
  scheduler: 'wrr',
  flags: [],
  persistenceSeconds: 20,
  servers: [
    { server: '172.16.1.7:3306', weight: 1, forward: 'route', uThreshold: 0, lThreshold: 0 },
    { server: '172.16.1.51:3306', weight: 1, forward: 'route', uThreshold: 0, lThreshold: 0 },
  ],
};
const next: Configuration = {
  scheduler: 'sh',
  flags: ['sh-fallback', 'sh-port'],
  persistenceSeconds: 0,
  servers: [
    { server: '172.16.1.7:3306', weight: 3, forward: 'route', uThreshold: 200, lThreshold: 150 },
    { server: '172.16.1.99:3306', weight: 2, forward: 'route', uThreshold: 0, lThreshold: 0 },
  ],
};

const parse = (line: string) => parseIpvsadm(tokenize(line).slice(line.startsWith('ipvsadm ') ? 1 : 0));

describe('a forwarding-mode change', () => {
  it('switches every server in the commands, with the tunnel type, and says what the real servers need', () => {
    const a = applyCommands(VIP, current, current, { to: 'tun-gre', mss: 1436 });
    expect(a.ipvsadmEdits).toEqual([
      'ipvsadm -e -t 172.16.1.18:3306 -r 172.16.1.7:3306 -i -w 1 --tun-type gre',
      'ipvsadm -e -t 172.16.1.18:3306 -r 172.16.1.51:3306 -i -w 1 --tun-type gre',
    ]);
    expect(parse(a.ipvsadmEdits[0]!)).toMatchObject({ op: 'edit-server', settings: { forward: 'tunnel' } });
    expect(a.keepalived).toContain('lb_kind TUN');
    expect(a.realServers?.steps).toEqual(
      expect.arrayContaining([
        'modprobe ip_gre',
        'ip addr add 172.16.1.18/32 dev gre0',
        'sysctl -w net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.gre0.rp_filter=0',
        'sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2',
      ]),
    );
    expect(a.realServers?.steps.join('\n')).toContain('advmss 1436');
  });

  it('for NAT: the default route via the director; for IPv6 DR: the /128 on lo', () => {
    expect(realServerSteps('nat', VIP)[0]).toMatch(/^ip route replace default via DIRECTOR_INTERNAL_IP/);
    const v6: ServiceKey = { kind: 'addr', proto: 'tcp', addr: parseIp('2001:db8::18')!, port: 3306 };
    expect(realServerSteps('dr', v6)[0]).toBe('ip addr add 2001:db8::18/128 dev lo');
    expect(realServerSteps('tun-ipip', VIP)).toContain('ip addr add 172.16.1.18/32 dev tunl0');
  });
});

describe('ipvsadm lines', () => {
  const a = applyCommands(VIP, current, next);

  it('edit only what changes, and parse back to the recommended settings', () => {
    expect(a.ipvsadmEdits).toEqual([
      'ipvsadm -E -t 172.16.1.18:3306 -s sh -b sh-fallback,sh-port',
      'ipvsadm -e -t 172.16.1.18:3306 -r 172.16.1.7:3306 -g -w 3 -x 200 -y 150',
      'ipvsadm -a -t 172.16.1.18:3306 -r 172.16.1.99:3306 -g -w 2',
      'ipvsadm -d -t 172.16.1.18:3306 -r 172.16.1.51:3306',
    ]);
    const [edit, server] = a.ipvsadmEdits.map(parse);
    expect(edit).toMatchObject({
      op: 'edit-service',
      settings: { scheduler: 'sh', persistenceS: null, schedFlags: 3 },
    });
    expect(server).toMatchObject({
      op: 'edit-server',
      settings: { weight: 3, uThreshold: 200, lThreshold: 150, forward: 'route' },
    });
  });

  it('restore form holds the whole service', () => {
    const cmds = a.ipvsadmRestore.map(parse);
    expect(cmds.map((c) => c.op)).toEqual(['add-service', 'add-server', 'add-server']);
    expect(cmds[2]).toMatchObject({ settings: { weight: 2 } });
  });

  it('say nothing when nothing changes', () => {
    expect(applyCommands(VIP, current, current).ipvsadmEdits).toEqual([]);
  });

  it('keep persistence and its netmask in -E, which replaces every field', () => {
    const persistent = { ...current, scheduler: 'wlc' as const };
    expect(applyCommands(VIP, current, persistent).ipvsadmEdits).toEqual([
      'ipvsadm -E -t 172.16.1.18:3306 -s wlc -p 20',
    ]);
  });
});

const KEEPALIVED = '/usr/sbin/keepalived';
const haveKeepalived = installed('keepalived') || installed(KEEPALIVED);
if (!haveKeepalived) console.warn('keepalived not installed: the keepalived -t checks cannot run');

function keepalivedCheck(file: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(
      KEEPALIVED,
      ['-t', '-f', file, '-l', '-n'],
      { timeout: 20_000, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

describe('keepalived virtual_server snippets', () => {
  const dir = tempDir('recommend-keepalived');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.runIf(haveKeepalived)('pass the real keepalived -t', async () => {
    const v6 = appliedService(MARK6, {
      scheduler: 'mh',
      flags: ['mh-port'],
      persistenceSeconds: 60,
      servers: [{ server: '[2001:db8::5]:80', weight: 3, forward: 'tunnel', uThreshold: 0, lThreshold: 0 }],
    });
    const snippets = [
      applyCommands(VIP, current, next).keepalived,
      applyCommands(VIP, next, current).keepalived,
      keepalivedVirtualServer({ ...v6, netmask: 64 }),
      applyCommands(VIP, current, next, { to: 'tun-gue' }).keepalived,
      applyCommands(VIP, current, next, { to: 'nat' }).keepalived,
      keepalivedVirtualServer(
        appliedService(VIP, {
          ...current,
          servers: [{ ...current.servers[0]!, forward: 'masq' }, current.servers[1]!],
        }),
      ),
    ];
    for (const [i, text] of snippets.entries()) {
      const file = join(dir, `vs-${i}.conf`);
      writeFileSync(file, text);
      const { code, output } = await keepalivedCheck(file);
      expect(code, `${text}\n${output}`).toBe(0);
    }
  });

  it.runIf(haveKeepalived)('and keepalived -t catches a broken one (the check can fail)', async () => {
    const file = join(dir, 'broken.conf');
    writeFileSync(file, applyCommands(VIP, current, next).keepalived.replace('lb_algo sh', 'lb_algo nosuch'));
    const { code } = await keepalivedCheck(file);
    expect(code).not.toBe(0);
  });
});
