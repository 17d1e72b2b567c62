import { describe, expect, it } from 'vitest';
import { TcpState } from '../../analyzer/kernel/tcp.js';
import { TCP_STATE_NAMES } from '../../common/ipvs/conn-states.js';
import { destCounters, replayText, servers } from './replay-helpers.js';

const VIP = '192.0.2.10:80';

/** `n` SYNs from distinct client ports, `gap` ms apart, starting at `t0`. */
function syns(n: number, t0: number, gap = 1, client = '203.0.113.1', vip = VIP, base = 40000): string {
  return Array.from({ length: n }, (_, i) => `${t0 + i * gap} syn tcp ${client}:${base + i} ${vip}`).join(
    '\n',
  );
}

describe('configuration history (schedulers.md §1.1, §5)', () => {
  it('R2 through ipvsadm: adds go to the head, so rr starts with the last one added', async () => {
    const { rows } = await replayText(`
      ipvsadm -A -t ${VIP} -s rr
      ipvsadm -a -t ${VIP} -r 10.0.0.1:80 -m
      ipvsadm -a -t ${VIP} -r 10.0.0.2:80 -m
      ipvsadm -a -t ${VIP} -r 10.0.0.3:80 -m
      ${syns(6, 1000)}`);
    expect(servers(rows)).toEqual(['3:80', '2:80', '1:80', '3:80', '2:80', '1:80']);
  });

  it('W3 through ipvsadm: wrr built by adds starts with the residual pass', async () => {
    const { rows } = await replayText(`
      ipvsadm -A -t ${VIP} -s wrr
      ipvsadm -a -t ${VIP} -r 10.0.0.1:80 -m -w 4
      ipvsadm -a -t ${VIP} -r 10.0.0.2:80 -m -w 3
      ipvsadm -a -t ${VIP} -r 10.0.0.3:80 -m -w 2
      ${syns(12, 1000)}`);
    expect(servers(rows).map((s) => s.slice(0, 1))).toEqual('3 2 1 1 2 1 3 2 1 3 2 1'.split(' '));
  });

  it('W1 through ipvsadm -E: a scheduler bound to existing dests starts with cw = mw', async () => {
    const { rows } = await replayText(`
      ipvsadm -A -t ${VIP} -s rr
      ipvsadm -a -t ${VIP} -r 10.0.0.3:80 -m -w 2
      ipvsadm -a -t ${VIP} -r 10.0.0.2:80 -m -w 3
      ipvsadm -a -t ${VIP} -r 10.0.0.1:80 -m -w 4
      ipvsadm -E -t ${VIP} -s wrr
      ${syns(9, 1000)}`);
    expect(servers(rows).map((s) => s.slice(0, 1))).toEqual('1 1 2 1 2 3 1 2 3'.split(' '));
  });

  it('ipvsadm -e without -w sets weight 1 and DR, as ipvsadm does; -E without -s means wlc', async () => {
    const { replay } = await replayText(`
      ipvsadm -A -t ${VIP} -s rr
      ipvsadm -a -t ${VIP} -r 10.0.0.1:8080 -m -w 5 -x 10 -y 2
      ipvsadm -e -t ${VIP} -r 10.0.0.1:8080 -m
      ipvsadm -E -t ${VIP}`);
    const [svc] = replay.counters();
    expect(svc?.scheduler).toBe('wlc');
    expect(svc?.destinations[0]).toMatchObject({ realServer: '10.0.0.1:8080', weight: 1, forward: 'Masq' });
  });

  it('DR and TUN real servers take the service port, whatever -r says', async () => {
    const { rows } = await replayText(`
      ipvsadm -A -t ${VIP}
      ipvsadm -a -t ${VIP} -r 10.0.0.1:8080 -g
      ${syns(1, 1000)}`);
    expect(rows[0]?.realServer).toBe('10.0.0.1:80');
  });

  it('rejected commands become warnings with their line, and the replay goes on', async () => {
    const { replay, rows } = await replayText(`
      ipvsadm -a -t ${VIP} -r 10.0.0.1:80
      ipvsadm -A -t ${VIP} -s rr
      ipvsadm -A -t ${VIP} -s rr
      ipvsadm -a -t ${VIP} -r 10.0.0.1:80 -x 5 -y 9
      ipvsadm -a -t ${VIP} -r 10.0.0.1:80
      ipvsadm -a -t ${VIP} -r 10.0.0.1:80
      ipvsadm -d -t ${VIP} -r 10.0.0.9:80
      ${syns(1, 1000)}`);
    expect(replay.warnings.map((w) => w.line)).toEqual([2, 4, 5, 7, 8]);
    expect(replay.warnings[0]?.message).toContain('Service not defined');
    expect(rows[0]?.realServer).toBe('10.0.0.1:80');
  });
});

describe('TCP states and counters (§2)', () => {
  it('numbers TCP states as the kernel does, so they index the names /proc/net/ip_vs_conn prints', () => {
    const names = TCP_STATE_NAMES.map((_, state) => (TcpState[state] ?? '').toUpperCase());
    expect(names).toEqual(TCP_STATE_NAMES.map((name) => name.replace('_', '')));
  });

  it('a SYN counts as active at once (SYN_RECV); FIN and RST make entries inactive', async () => {
    const { replay } = await replayText(`
      ipvsadm -A -t ${VIP} -s wlc
      ipvsadm -a -t ${VIP} -r 10.0.0.1:80 -m
      1000 syn tcp 203.0.113.1:40000 ${VIP}
      1000 syn tcp 203.0.113.1:40001 ${VIP}
      1000 syn tcp 203.0.113.1:40002 ${VIP}
      1001 est tcp 203.0.113.1:40000 ${VIP}
      2000 fin tcp 203.0.113.1:40001 ${VIP}
      2000 rst tcp 203.0.113.1:40000 ${VIP}`);
    expect(destCounters(replay, VIP, '10.0.0.1:80')).toMatchObject({
      activeConns: 1,
      inactiveConns: 2,
      conns: 3,
    });
  });

  it('an RST in SYN_RECV leaves the entry SYN_RECV (active), as the kernel table says', async () => {
    const { replay } = await replayText(`
      ipvsadm -A -t ${VIP} -s wlc
      ipvsadm -a -t ${VIP} -r 10.0.0.1:80 -g
      1000 syn tcp 203.0.113.1:40000 ${VIP}
      1001 rst tcp 203.0.113.1:40000 ${VIP}`);
    expect(destCounters(replay, VIP, '10.0.0.1:80')).toMatchObject({ activeConns: 1, inactiveConns: 0 });
  });

  it('entries expire by their state timeout: SYN_RECV 60 s, CLOSE 10 s, DR FIN_WAIT = tcpfin', async () => {
    const trace = (extra: string) => `
      ipvsadm -A -t ${VIP} -s wlc
      ipvsadm -a -t ${VIP} -r 10.0.0.1:80 -g
      ipvsadm --set 900 5 300
      1000 syn tcp 203.0.113.1:40000 ${VIP}
      1000 syn tcp 203.0.113.1:40001 ${VIP}
      1001 est tcp 203.0.113.1:40001 ${VIP}
      1002 syn tcp 203.0.113.1:40002 ${VIP}
      1003 est tcp 203.0.113.1:40002 ${VIP}
      1004 fin tcp 203.0.113.1:40002 ${VIP}
      ${extra}`;
    const at = async (t: number) =>
      destCounters(
        (await replayText(trace(`${t} syn tcp 198.51.100.1:1 192.0.2.99:80`))).replay,
        VIP,
        '10.0.0.1:80',
      );
    expect(await at(6003)).toMatchObject({ activeConns: 2, inactiveConns: 1 });
    expect(await at(6005)).toMatchObject({ activeConns: 2, inactiveConns: 0 });
    expect(await at(61_001)).toMatchObject({ activeConns: 1, inactiveConns: 0 });
  });

  it('NAT: the director sees the server FIN, so a closed entry sits in TIME_WAIT (120 s, not tcpfin)', async () => {
    const trace = (t: number) => `
      ipvsadm -A -t ${VIP} -s wlc
      ipvsadm -a -t ${VIP} -r 10.0.0.1:80 -m
      ipvsadm --set 900 5 300
      1000 syn tcp 203.0.113.1:40000 ${VIP}
      1001 est tcp 203.0.113.1:40000 ${VIP}
      1002 fin tcp 203.0.113.1:40000 ${VIP}
      ${t} syn tcp 198.51.100.1:1 192.0.2.99:80`;
    expect(destCounters((await replayText(trace(10_000))).replay, VIP, '10.0.0.1:80')?.inactiveConns).toBe(1);
    expect(destCounters((await replayText(trace(121_003))).replay, VIP, '10.0.0.1:80')?.inactiveConns).toBe(
      0,
    );
  });

  it('UDP entries never become active and live udp seconds after the last datagram', async () => {
    const { replay, rows } = await replayText(`
      ipvsadm -A -u 192.0.2.11:53 -s rr
      ipvsadm -a -u 192.0.2.11:53 -r 10.0.0.1:53 -m
      ipvsadm --set 0 0 10
      1000 udp 203.0.113.1:5000 192.0.2.11:53
      5000 udp 203.0.113.1:5000 192.0.2.11:53
      14000 udp 203.0.113.1:5001 192.0.2.11:53
      15001 udp 203.0.113.1:5000 192.0.2.11:53`);
    expect(rows.map((r) => r.timeMs)).toEqual([1000, 14000, 15001]);
    expect(destCounters(replay, '192.0.2.11:53', '10.0.0.1:53')).toMatchObject({
      activeConns: 0,
      inactiveConns: 2,
    });
  });

  it('one-packet scheduling (-o) schedules every datagram and keeps no entry', async () => {
    const { rows, replay } = await replayText(`
      ipvsadm -A -u 192.0.2.11:53 -s rr -o
      ipvsadm -a -u 192.0.2.11:53 -r 10.0.0.1:53 -m
      ipvsadm -a -u 192.0.2.11:53 -r 10.0.0.2:53 -m
      1000 udp 203.0.113.1:5000 192.0.2.11:53
      1001 udp 203.0.113.1:5000 192.0.2.11:53
      1002 udp 203.0.113.1:5000 192.0.2.11:53
      1003 udp 198.51.100.1:1 192.0.2.99:53`);
    expect(servers(rows)).toEqual(['2:53', '1:53', '2:53', '-']);
    expect(destCounters(replay, '192.0.2.11:53', '10.0.0.1:53')).toMatchObject({
      inactiveConns: 0,
      conns: 1,
    });
  });
});

describe('connection reuse (conn_reuse_mode)', () => {
  const trace = `
    ipvsadm -A -t ${VIP} -s rr
    ipvsadm -a -t ${VIP} -r 10.0.0.1:80 -m
    ipvsadm -a -t ${VIP} -r 10.0.0.2:80 -m
    1000 syn tcp 203.0.113.1:40000 ${VIP}
    1001 est tcp 203.0.113.1:40000 ${VIP}
    1002 fin tcp 203.0.113.1:40000 ${VIP}
    2000 syn tcp 203.0.113.1:40000 ${VIP}
    3000 syn tcp 203.0.113.1:40000 ${VIP}`;

  it('mode 1: a SYN on a TIME_WAIT entry is scheduled again; on a live one it follows the entry', async () => {
    const { rows, replay } = await replayText(trace);
    // The SYN at 3000 follows the live entry of 2000: not a new connection, no row.
    expect(servers(rows)).toEqual(['2:80', '1:80']);
    // The old TIME_WAIT entry is expired right after the new SYN was scheduled.
    expect(destCounters(replay, VIP, '10.0.0.2:80')).toMatchObject({ activeConns: 0, inactiveConns: 0 });
  });

  it('mode 0: the SYN revives the old entry on the old server (no new connection)', async () => {
    const { rows, replay } = await replayText(trace, { connReuseMode: 0 });
    expect(servers(rows)).toEqual(['2:80']);
    expect(destCounters(replay, VIP, '10.0.0.2:80')).toMatchObject({ activeConns: 1, conns: 1 });
  });
});

describe('thresholds (§3)', () => {
  /** `n` handshakes (SYN + ACK) from distinct ports of `client`. */
  function handshakes(n: number, t0: number, client: string): string {
    return Array.from(
      { length: n },
      (_, i) =>
        `${t0 + i} syn tcp ${client}:${40000 + i} ${VIP}\n${t0 + i} est tcp ${client}:${40000 + i} ${VIP}`,
    ).join('\n');
  }
  // fo sends everything to the heaviest usable dest, so OVERLOAD alone decides where traffic goes.
  const head = `
      ipvsadm -A -t ${VIP} -s fo
      ipvsadm -a -t ${VIP} -r 10.0.0.2:80 -m -w 1`;

  it('-x raises OVERLOAD at the upper threshold; closed entries count until they expire; clears below ¾', async () => {
    const { rows } = await replayText(`${head}
      ipvsadm -a -t ${VIP} -r 10.0.0.1:80 -m -w 100 -x 4
      ${handshakes(6, 1000, '203.0.113.1')}
      2000 rst tcp 203.0.113.1:40000 ${VIP}
      2000 rst tcp 203.0.113.1:40001 ${VIP}
      ${handshakes(1, 3000, '203.0.113.2')}
      ${handshakes(3, 13000, '203.0.113.3')}`);
    expect(servers(rows)).toEqual([
      '1:80',
      '1:80',
      '1:80',
      '1:80',
      '2:80',
      '2:80',
      '2:80',
      '1:80',
      '1:80',
      '2:80',
    ]);
  });

  it('-y clears OVERLOAD only below the lower threshold', async () => {
    const { rows } = await replayText(`${head}
      ipvsadm -a -t ${VIP} -r 10.0.0.1:80 -m -w 100 -x 3 -y 1
      ${handshakes(4, 1000, '203.0.113.1')}
      2000 rst tcp 203.0.113.1:40000 ${VIP}
      ${handshakes(1, 13000, '203.0.113.2')}
      14000 rst tcp 203.0.113.1:40001 ${VIP}
      14000 rst tcp 203.0.113.1:40002 ${VIP}
      ${handshakes(1, 25000, '203.0.113.3')}`);
    expect(servers(rows)).toEqual(['1:80', '1:80', '1:80', '2:80', '2:80', '1:80']);
  });

  it('ipvsadm -e with a higher -x clears OVERLOAD at once', async () => {
    const { rows } = await replayText(`${head}
      ipvsadm -a -t ${VIP} -r 10.0.0.1:80 -m -w 100 -x 2
      ${handshakes(3, 1000, '203.0.113.1')}
      2000 ipvsadm -e -t ${VIP} -r 10.0.0.1:80 -m -w 100 -x 5
      ${handshakes(1, 3000, '203.0.113.2')}`);
    expect(servers(rows)).toEqual(['1:80', '1:80', '2:80', '1:80']);
  });

  it('a dest deleted and re-added keeps its OVERLOAD flag unless the new -x is higher', async () => {
    const trace = (x: number) => `${head}
      ipvsadm -a -t ${VIP} -r 10.0.0.1:80 -m -w 100 -x 2
      ${handshakes(2, 1000, '203.0.113.1')}
      2000 ipvsadm -d -t ${VIP} -r 10.0.0.1:80
      2001 ipvsadm -a -t ${VIP} -r 10.0.0.1:80 -m -w 100 -x ${x}
      ${handshakes(1, 3000, '203.0.113.2')}`;
    expect(servers((await replayText(trace(2))).rows)).toEqual(['1:80', '1:80', '2:80']);
    expect(servers((await replayText(trace(3))).rows)).toEqual(['1:80', '1:80', '1:80']);
  });
});

describe('persistence (§4, P1, P2)', () => {
  it('P1: a template keeps the client on A, even after A is quiesced', async () => {
    const { rows, replay } = await replayText(`
      ipvsadm -A -t 192.0.2.10:3306 -s wlc -p 300
      ipvsadm -a -t 192.0.2.10:3306 -r 10.0.0.2:3306 -m
      ipvsadm -a -t 192.0.2.10:3306 -r 10.0.0.1:3306 -m
      0 syn tcp 10.0.0.7:40000 192.0.2.10:3306
      100000 syn tcp 10.0.0.7:40001 192.0.2.10:3306
      150000 ipvsadm -e -t 192.0.2.10:3306 -r 10.0.0.1:3306 -m -w 0
      200000 syn tcp 10.0.0.7:40002 192.0.2.10:3306
      200001 syn tcp 10.0.0.8:40000 192.0.2.10:3306`);
    expect(servers(rows)).toEqual(['1:3306', '1:3306', '1:3306', '2:3306']);
    expect(destCounters(replay, '192.0.2.10:3306', '10.0.0.1:3306')?.persistentConns).toBe(1);
  });

  it('P1: with expire_quiescent_template the quiesced dest loses its clients', async () => {
    const { rows } = await replayText(
      `
      ipvsadm -A -t 192.0.2.10:3306 -s wlc -p 300
      ipvsadm -a -t 192.0.2.10:3306 -r 10.0.0.2:3306 -m
      ipvsadm -a -t 192.0.2.10:3306 -r 10.0.0.1:3306 -m
      0 syn tcp 10.0.0.7:40000 192.0.2.10:3306
      150000 ipvsadm -e -t 192.0.2.10:3306 -r 10.0.0.1:3306 -m -w 0
      200000 syn tcp 10.0.0.7:40002 192.0.2.10:3306`,
      { expireQuiescentTemplate: true },
    );
    expect(servers(rows)).toEqual(['1:3306', '2:3306']);
  });

  it('P2: -M 255.255.255.0 makes a /24 share one template', async () => {
    const { rows, replay } = await replayText(`
      ipvsadm -A -t 192.0.2.10:3306 -s rr -p 300 -M 255.255.255.0
      ipvsadm -a -t 192.0.2.10:3306 -r 10.0.0.2:3306 -m
      ipvsadm -a -t 192.0.2.10:3306 -r 10.0.0.1:3306 -m
      0 syn tcp 10.0.0.7:40000 192.0.2.10:3306
      1 syn tcp 10.0.0.9:40000 192.0.2.10:3306
      2 syn tcp 10.0.1.9:40000 192.0.2.10:3306`);
    expect(servers(rows)).toEqual(['1:3306', '1:3306', '2:3306']);
    expect(destCounters(replay, '192.0.2.10:3306', '10.0.0.1:3306')?.persistentConns).toBe(1);
  });

  it('a template outliving its timeout with live connections is re-armed for 60 s', async () => {
    const trace = (t: number) => `
      ipvsadm -A -t 192.0.2.10:3306 -s rr -p 10
      ipvsadm -a -t 192.0.2.10:3306 -r 10.0.0.2:3306 -m
      ipvsadm -a -t 192.0.2.10:3306 -r 10.0.0.1:3306 -m
      0 syn tcp 10.0.0.7:40000 192.0.2.10:3306
      1 est tcp 10.0.0.7:40000 192.0.2.10:3306
      ${t} syn tcp 10.0.0.7:40001 192.0.2.10:3306`;
    // Fires at 10 s with one live connection: re-armed to 70 s, so it still exists at 69.9 s.
    expect(servers((await replayText(trace(69_000))).rows)).toEqual(['1:3306', '1:3306']);
    // The second connection re-arms it with the 60 s it now carries: 69 s + 60 s.
    const later = await replayText(`${trace(69_000)}\n128000 syn tcp 10.0.0.7:40002 192.0.2.10:3306`);
    expect(servers(later.rows)).toEqual(['1:3306', '1:3306', '1:3306']);
  });

  it('a template to a deleted dest is invalidated and the client rescheduled', async () => {
    const { rows } = await replayText(`
      ipvsadm -A -t 192.0.2.10:3306 -s rr -p 300
      ipvsadm -a -t 192.0.2.10:3306 -r 10.0.0.2:3306 -m
      ipvsadm -a -t 192.0.2.10:3306 -r 10.0.0.1:3306 -m
      0 syn tcp 10.0.0.7:40000 192.0.2.10:3306
      1000 ipvsadm -d -t 192.0.2.10:3306 -r 10.0.0.1:3306
      2000 syn tcp 10.0.0.7:40001 192.0.2.10:3306`);
    expect(servers(rows)).toEqual(['1:3306', '2:3306']);
  });

  it('firewall-mark persistence shares one template across ports and addresses', async () => {
    const { rows } = await replayText(`
      ipvsadm -A -f 7 -s rr -p 60
      ipvsadm -a -f 7 -r 10.0.0.2 -m
      ipvsadm -a -f 7 -r 10.0.0.1 -m
      0 syn tcp 203.0.113.1:40000 198.51.100.1:443 fwmark=7
      1 syn tcp 203.0.113.1:40001 198.51.100.2:80 fwmark=7
      2 syn tcp 203.0.113.2:40000 198.51.100.1:443 fwmark=7`);
    expect(rows.map((r) => [r.service, r.realServer])).toEqual([
      ['fwm:7', '10.0.0.1:443'],
      ['fwm:7', '10.0.0.1:80'],
      ['fwm:7', '10.0.0.2:443'],
    ]);
  });

  it('a persistent port-0 service takes every port of the VIP; without -p ipvsadm refuses it', async () => {
    const { rows } = await replayText(`
      ipvsadm -A -t 192.0.2.10 -s rr -p 60
      ipvsadm -a -t 192.0.2.10 -r 10.0.0.1 -m
      0 syn tcp 203.0.113.1:40000 192.0.2.10:443
      1 syn tcp 203.0.113.1:40001 192.0.2.10:22`);
    expect(rows.map((r) => [r.service, r.realServer])).toEqual([
      ['192.0.2.10:0', '10.0.0.1:443'],
      ['192.0.2.10:0', '10.0.0.1:22'],
    ]);
    await expect(replayText('ipvsadm -A -t 192.0.2.10 -s rr')).rejects.toThrow(
      /Zero port specified for non-persistent service/,
    );
  });
});

describe('dest deletion, trash and re-add (§1.1)', () => {
  it('a re-added dest goes to the head with its live connections still counted', async () => {
    const { rows, replay } = await replayText(`
      ipvsadm -A -t ${VIP} -s rr
      ipvsadm -a -t ${VIP} -r 10.0.0.2:80 -m
      ipvsadm -a -t ${VIP} -r 10.0.0.1:80 -m
      ${syns(2, 1000)}
      2000 ipvsadm -d -t ${VIP} -r 10.0.0.2:80
      2001 est tcp 203.0.113.1:40001 ${VIP}
      3000 ipvsadm -a -t ${VIP} -r 10.0.0.2:80 -m
      ${syns(2, 4000, 1, '203.0.113.2')}`);
    expect(servers(rows)).toEqual(['1:80', '2:80', '2:80', '1:80']);
    // The packet at 2001 was dropped (dest gone), so that entry is still SYN_RECV, active.
    expect(destCounters(replay, VIP, '10.0.0.2:80')).toMatchObject({ activeConns: 2, conns: 2 });
  });
});

describe('service lookup', () => {
  it('fwmark services match marked packets first; IPv6 prints as [addr]:port', async () => {
    const { rows } = await replayText(`
      ipvsadm -A -f 3 -6 -s rr
      ipvsadm -a -f 3 -6 -r [2001:db8:1::2]:0 -m
      ipvsadm -A -t [2001:db8:f::10]:80 -s rr
      ipvsadm -a -t [2001:db8:f::10]:80 -r [2001:db8:2::2]:80 -m
      0 syn tcp [2001:db8:c::10]:40000 [2001:db8:f::10]:80 fwmark=3
      1 syn tcp [2001:db8:c::10]:40001 [2001:db8:f::10]:80
      2 syn tcp [2001:db8:c::10]:40002 [2001:db8:f::10]:80 fwmark=4`);
    expect(rows.map((r) => `${r.client} ${r.service} ${r.realServer}`)).toEqual([
      '[2001:db8:c::10]:40000 fwm:3 [2001:db8:1::2]:80',
      '[2001:db8:c::10]:40001 [2001:db8:f::10]:80 [2001:db8:2::2]:80',
      '[2001:db8:c::10]:40002 [2001:db8:f::10]:80 [2001:db8:2::2]:80',
    ]);
  });

  it('no service: a SYN still gets a row, with "-"; packets of unknown flows are ignored', async () => {
    const { rows } = await replayText(`
      0 syn tcp 203.0.113.1:40000 192.0.2.99:80
      1 est tcp 203.0.113.1:40001 192.0.2.99:80`);
    expect(rows).toEqual([
      { timeMs: 0, proto: 'tcp', client: '203.0.113.1:40000', service: '192.0.2.99:80', realServer: '-' },
    ]);
  });

  it('a persistent FTP service also takes the data connections to high ports (shared template)', async () => {
    const { rows } = await replayText(`
      ipvsadm -A -t 192.0.2.10:21 -s rr -p 60
      ipvsadm -a -t 192.0.2.10:21 -r 10.0.0.2:21 -g
      ipvsadm -a -t 192.0.2.10:21 -r 10.0.0.1:21 -g
      0 syn tcp 203.0.113.1:40000 192.0.2.10:21
      1 syn tcp 203.0.113.1:40001 192.0.2.10:50000
      2 syn tcp 203.0.113.1:40002 192.0.2.10:80`);
    expect(rows.map((r) => r.realServer)).toEqual(['10.0.0.1:21', '10.0.0.1:50000', '-']);
  });
});
