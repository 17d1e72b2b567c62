import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { maskAddr } from '../../analyzer/kernel/addr.js';
import { ip } from './helpers.js';
import { formatEndpoint, parseEndpoint, parseIp } from '../../common/net/ip.js';
import { FieldError, parseIpvsadm } from '../../analyzer/inputs/ipvsadm/parse-command.js';
import { parseTraceLine } from '../../analyzer/inputs/trace/parse.js';
import type { TraceRecord } from '../../analyzer/inputs/trace/read.js';
import { readTrace } from '../../analyzer/inputs/trace/read.js';
import { tokenize } from '../../analyzer/inputs/ipvsadm/tokenize.js';
import { formatIssue } from '../../common/parse/issue.js';

async function records(text: string): Promise<TraceRecord[]> {
  const out: TraceRecord[] = [];
  for await (const batch of readTrace(Readable.from([text]), 'x.trace')) out.push(...batch);
  return out;
}

function fieldError(fn: () => unknown): { field: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof FieldError) return { field: e.field, message: e.message };
    throw e;
  }
  throw new Error('no error');
}

describe('addresses', () => {
  it('prints IPv6 in RFC 5952 form and IPv4 as dotted quads', () => {
    const cases: [string, string][] = [
      ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['::', '::'],
      ['::1', '::1'],
      ['1::', '1::'],
      ['::ffff:192.0.2.1', '::ffff:c000:201'],
      ['fe80:0000::0001', 'fe80::1'],
      ['192.0.2.1', '192.0.2.1'],
    ];
    for (const [input, text] of cases) expect(parseIp(input)?.text).toBe(text);
    expect(formatEndpoint(ip('2001:db8::1'), 80)).toBe('[2001:db8::1]:80');
  });

  it('rejects malformed addresses and ports with the text in the message', () => {
    for (const bad of [
      '1.2.3',
      '256.1.1.1',
      '01.2.3.4',
      '1::2::3',
      'g::1',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
    ]) {
      expect(parseIp(bad)).toBeUndefined();
    }
    expect(parseEndpoint('192.0.2.1:70000')).toMatch(/port "70000"/);
    expect(parseEndpoint('2001:db8::1:80')).toMatch(/\[address\]:port/);
    expect(parseEndpoint('192.0.2.1')).toMatch(/has no port/);
    expect(parseEndpoint('[2001:db8::1]', true)).toMatchObject({ port: 0, hasPort: false });
  });

  it('masks client addresses for persistence templates', () => {
    expect(maskAddr(ip('10.1.2.3'), 0xffffff00).text).toBe('10.1.2.0');
    expect(maskAddr(ip('2001:db8:1:2:3:4:5:6'), 64).text).toBe('2001:db8:1:2::');
    expect(maskAddr(ip('2001:db8:1:2:3:4:5:6'), 36).text).toBe('2001:db8::');
  });
});

describe('tokenizer', () => {
  it('splits on blanks, honours quotes and stops at a # word', () => {
    expect(tokenize(`  0 ipvsadm -A -t '192.0.2.1:80' -s "wrr"  # the service`)).toEqual([
      '0',
      'ipvsadm',
      '-A',
      '-t',
      '192.0.2.1:80',
      '-s',
      'wrr',
    ]);
    expect(tokenize('# only a comment')).toEqual([]);
    expect(() => tokenize("-t '192.0.2.1:80")).toThrow(/unterminated/);
  });
});

describe('ipvsadm command lines', () => {
  it('reads short, long, attached and bundled options the way popt does', () => {
    const forms = [
      ['-A', '-t', '192.0.2.1:80', '-s', 'sh', '-b', 'sh-fallback,sh-port', '-p', '600', '-M', '255.255.0.0'],
      [
        '--add-service',
        '--tcp-service=192.0.2.1:80',
        '--scheduler',
        'sh',
        '--sched-flags=sh-fallback,sh-port',
        '--persistent=600',
        '--netmask',
        '255.255.0.0',
      ],
      ['-At', '192.0.2.1:80', '-ssh', '-bsh-fallback,sh-port', '-p600', '-M255.255.0.0'],
    ];
    for (const args of forms) {
      expect(parseIpvsadm(args)).toMatchObject({
        op: 'add-service',
        service: { kind: 'addr', proto: 'tcp', port: 80 },
        settings: {
          scheduler: 'sh',
          persistenceS: 600,
          netmask: 0xffff0000,
          schedFlags: 3,
          onePacket: false,
        },
      });
    }
  });

  it('applies ipvsadm defaults: wlc, weight 1, DR, -p without a value = 300 s, IPv6 mask 128', () => {
    expect(parseIpvsadm(['-A', '-t', '[2001:db8::1]:443', '-p'])).toMatchObject({
      settings: { scheduler: 'wlc', persistenceS: 300, netmask: 128 },
    });
    expect(parseIpvsadm(['-a', '-u', '192.0.2.1:53', '-r', '10.0.0.1'])).toMatchObject({
      server: { port: 53 },
      settings: { forward: 'route', weight: 1, uThreshold: 0, lThreshold: 0 },
    });
    expect(parseIpvsadm(['-a', '-f', '1', '-r', '10.0.0.1', '-m', '-w', '0'])).toMatchObject({
      service: { kind: 'fwmark', mark: 1, family: 4 },
      server: { port: 0 },
      settings: { forward: 'masq', weight: 0 },
    });
    expect(parseIpvsadm(['--set', '900', '0', '30'])).toEqual({
      op: 'set-timeouts',
      tcpS: 900,
      tcpFinS: 0,
      udpS: 30,
    });
    expect(parseIpvsadm(['-Ln', '--stats'])).toEqual({ op: 'read-only' });
    expect(
      parseIpvsadm([
        '-a',
        '-t',
        '192.0.2.1:80',
        '-r',
        '10.0.0.1:80',
        '-i',
        '--tun-type',
        'gue',
        '--tun-port',
        '6080',
      ]),
    ).toMatchObject({
      settings: { forward: 'tunnel' },
    });
  });

  it('names the option at fault, like ipvsadm does', () => {
    const cases: [string[], string, RegExp][] = [
      [['-A', '-t', '192.0.2.1:80', '-s', 'foo'], '-s', /unknown scheduler "foo"/],
      [
        ['-A', '-t', '192.0.2.1:80', '-s', 'rr', '-b', 'sh-port'],
        '-b',
        /incompatible scheduler flag 'sh-port'/,
      ],
      [
        ['-A', '-t', '192.0.2.1:80', '-w', '3'],
        '--weight',
        /illegal 'weight' option with the 'add-service' command/,
      ],
      [['-a', '-t', '192.0.2.1:80', '-r', '10.0.0.1', '-w', '-1'], '-w', /integer from 0 to 2147483647/],
      [['-a', '-t', '192.0.2.1:80'], '-r', /real server \(-r\) is required/],
      [['-A', '-t', '192.0.2.1:80', '-A'], '-A', /multiple commands/],
      [['-A', '-t', '192.0.2.1:80', '-u', '192.0.2.1:53'], '-u', /multiple 'service' options/],
      [['-A', '-t', 'lvs.example.com:http'], '-t', /use ipvsadm -S -n/],
      [['-A', '-t', '192.0.2.1:80', '-s'], '-s', /needs an argument/],
      [['-A', '-u', '192.0.2.1:53', '-o', '-s', 'rr', '--pe', 'sip'], '--pe', /Call-ID/],
      [['-A', '-t', '192.0.2.1:80', '-o'], '-o', /only for UDP/],
      [['-A', '-f', '0'], '-f', /firewall-mark/],
      [['-A', '-t', '[2001:db8::1]:80', '-p', '-M', '200'], '-M', /integer from 1 to 128/],
      [['--set', '1', '2'], '--set', /3 timeout values/],
      [['--start-daemon', 'master'], 'ipvsadm --start-daemon', /not a configuration command/],
      [['-A', '--frobnicate'], '--frobnicate', /unknown ipvsadm option/],
      [['-a', '-t', '192.0.2.1:80', '-r', '[2001:db8::1]:80', '-m'], '-r', /mixed address families/],
      [['-A', '-t', '192.0.2.1:80', 'extra'], 'extra', /unexpected argument/],
    ];
    for (const [args, field, message] of cases) {
      const e = fieldError(() => parseIpvsadm(args));
      expect(e.field, args.join(' ')).toBe(field);
      expect(e.message, args.join(' ')).toMatch(message);
    }
  });
});

describe('trace lines', () => {
  it('reads events with and without fwmark, and ipvsadm lines with or without the program name', () => {
    expect(parseTraceLine('1000 syn tcp 203.0.113.7:40001 192.0.2.10:80')).toMatchObject({
      timeMs: 1000,
      item: {
        type: 'event',
        event: { kind: 'syn', proto: 'tcp', client: { port: 40001 }, target: { port: 80 }, fwmark: 0 },
      },
    });
    expect(parseTraceLine('6000 udp [2001:db8::7]:5353 [2001:db8::53]:53 fwmark=12')).toMatchObject({
      item: { type: 'event', event: { kind: 'udp', proto: 'udp', fwmark: 12 } },
    });
    expect(parseTraceLine('-A -t 192.0.2.10:80 -s rr')).toMatchObject({
      timeMs: null,
      item: { type: 'ipvsadm' },
    });
    expect(parseTraceLine('5 /sbin/ipvsadm -C')).toMatchObject({
      timeMs: 5,
      item: { command: { op: 'clear' } },
    });
    expect(parseTraceLine('   # comment')).toBeNull();
    expect(parseTraceLine('')).toBeNull();
  });

  it('names the field of a bad event', () => {
    const cases: [string, string, RegExp][] = [
      ['-5 syn tcp 1.2.3.4:1 5.6.7.8:80', 'time', /non-negative/],
      ['syn tcp 1.2.3.4:1 5.6.7.8:80', 'time', /no time/],
      ['10 syn udp 1.2.3.4:1 5.6.7.8:80', 'protocol', /TCP/],
      ['10 syn tcp 1.2.3.4 5.6.7.8:80', 'client', /no port/],
      ['10 syn tcp 1.2.3.4:1', 'virtual address', /missing/],
      ['10 udp 1.2.3.4:1 [2001:db8::1]:53', 'virtual address', /address families/],
      ['10 syn tcp 1.2.3.4:1 5.6.7.8:80 mark=3', 'fwmark', /^"mark=3": .*fwmark=N/],
      // Found by npm run fuzz: an empty word (`''`) was the field, so the issue named none.
      ["10 syn tcp 1.2.3.4:1 5.6.7.8:80 ''", 'fwmark', /^"": .*fwmark=N/],
      ['10 ack tcp 1.2.3.4:1 5.6.7.8:80', 'event', /^"ack": .*syn, est, fin, rst, udp/],
      ["'' lvscope trace v1", 'event', /^"": .*syn, est, fin, rst, udp/],
      ['10', 'line', /nothing after it/],
    ];
    for (const [line, field, message] of cases) {
      const e = fieldError(() => parseTraceLine(line));
      expect(e.field, line).toBe(field);
      expect(e.message, line).toMatch(message);
    }
  });

  it('reports file:line for every bad line and keeps every good one', async () => {
    const rs = await records(
      [
        '# header',
        '-A -t 192.0.2.10:80 -s rr',
        '-a -t 192.0.2.10:80 -r 10.0.0.1:80 -w x',
        '100 syn tcp 203.0.113.1:1 192.0.2.10:80',
        '50 syn tcp 203.0.113.1:2 192.0.2.10:80',
        'ipvsadm -e -t 192.0.2.10:80 -r 10.0.0.1:80 -w 2',
        '200 est tcp 203.0.113.1:1 192.0.2.10:80',
      ].join('\n'),
    );
    const errors = rs.flatMap((r) => (r.ok ? [] : [formatIssue(r.error)]));
    expect(errors).toEqual([
      'x.trace:3: -w: "x" is not an integer from 0 to 2147483647',
      "x.trace:5: time: 50 is before the previous line's 100",
    ]);
    // Lines without a time take the previous line's (0 at the start).
    expect(rs.flatMap((r) => (r.ok ? [[r.line.line, r.line.timeMs]] : []))).toEqual([
      [2, 0],
      [4, 100],
      [6, 100],
      [7, 200],
    ]);
  });

  it('reports a line too long to be a trace line and reads on after it, in bounded memory', async () => {
    const chunks = [
      '-A -t 192.0.2.10:80 -s rr\nx',
      ...new Array<string>(40).fill('y'.repeat(4096)),
      'z\n10 udp 203.0.113.1:1 192.0.2.10:80\n',
    ];
    const rs: TraceRecord[] = [];
    for await (const batch of readTrace(Readable.from(chunks), 'x.trace')) rs.push(...batch);
    expect(rs.flatMap((r) => (r.ok ? [] : [formatIssue(r.error)]))).toEqual([
      'x.trace:2: line: longer than 65536 characters',
    ]);
    expect(rs.flatMap((r) => (r.ok ? [r.line.line] : []))).toEqual([1, 3]);
  });
});
