/**
 * `sysctl -w net.ipv4.vs.NAME=VALUE` trace lines: the parser, their effect on the model from their
 * time on, and their precedence over the matching simulate flags.
 */
import { rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FieldError } from '../../analyzer/inputs/ipvsadm/parse-command.js';
import { parseTraceLine } from '../../analyzer/inputs/trace/parse.js';
import { readTrace } from '../../analyzer/inputs/trace/read.js';
import { formatIssue } from '../../common/parse/issue.js';
import type { ConnectionRow } from '../../analyzer/replay/trace-replay.js';
import { type RunResult, run, tempDir } from '../support/process.js';
import { replayText, servers } from './replay-helpers.js';

const VIP = '192.0.2.10:80';

function fieldError(line: string): { field: string; message: string } {
  try {
    parseTraceLine(line);
  } catch (e) {
    if (e instanceof FieldError) return { field: e.field, message: e.message };
    throw e;
  }
  throw new Error(`no error for ${line}`);
}

describe('sysctl trace lines', () => {
  it('reads -w, no -w, the slash form, a program path, several settings and an omitted time', () => {
    expect(parseTraceLine('0 sysctl -w net.ipv4.vs.conn_reuse_mode=0')).toEqual({
      timeMs: 0,
      item: { type: 'sysctl', settings: [{ modelled: true, name: 'conn_reuse_mode', value: 0 }] },
    });
    expect(parseTraceLine('sysctl net/ipv4/vs/lblc_expiration=-5')).toEqual({
      timeMs: null,
      item: { type: 'sysctl', settings: [{ modelled: true, name: 'lblc_expiration', value: -5 }] },
    });
    expect(
      parseTraceLine(
        '2500 /sbin/sysctl -w net.ipv4.vs.expire_quiescent_template=1 net.ipv4.vs.lblcr_expiration=8589934',
      ),
    ).toMatchObject({
      timeMs: 2500,
      item: {
        settings: [
          { name: 'expire_quiescent_template', value: 1 },
          { name: 'lblcr_expiration', value: 8589934 },
        ],
      },
    });
    // A 6.1 knob the model does not honour is read, kept as text, and marked as such.
    expect(parseTraceLine('sysctl -w net.ipv4.vs.sync_threshold="3 50"')).toMatchObject({
      item: { settings: [{ modelled: false, name: 'sync_threshold', value: '3 50' }] },
    });
  });

  it('names the word at fault', () => {
    const cases: [string, string, RegExp][] = [
      [
        'sysctl -w net.ipv4.vs.no_such_knob=1',
        'net.ipv4.vs.no_such_knob',
        /not an IPVS sysctl of Linux 6\.1/,
      ],
      ['sysctl -w net.ipv4.ip_forward=1', 'net.ipv4.ip_forward', /only net\.ipv4\.vs\.\*/],
      ['sysctl -w net.ipv4.vs.conn_reuse_mode=0x2', 'net.ipv4.vs.conn_reuse_mode', /not a decimal integer/],
      ['sysctl -w net.ipv4.vs.conn_reuse_mode=010', 'net.ipv4.vs.conn_reuse_mode', /not a decimal integer/],
      ['sysctl -w net.ipv4.vs.conn_reuse_mode=2147483648', 'net.ipv4.vs.conn_reuse_mode', /to 2147483647/],
      ['sysctl -w net.ipv4.vs.lblc_expiration=8589935', 'net.ipv4.vs.lblc_expiration', /to 8589934/],
      ['sysctl -w net.ipv4.vs.lblcr_expiration=', 'net.ipv4.vs.lblcr_expiration', /"" is not/],
      ['sysctl -w net.ipv4.vs.amemthresh=', 'net.ipv4.vs.amemthresh', /no value/],
      ['sysctl net.ipv4.vs.conn_reuse_mode', 'net.ipv4.vs.conn_reuse_mode', /NAME=VALUE/],
      ['sysctl -p /etc/sysctl.conf', 'sysctl -p', /only -w/],
      ['10 sysctl -w', 'sysctl', /no net\.ipv4\.vs\.NAME=VALUE/],
      // Found by npm run fuzz: an empty word or key was the field, so the issue named none.
      ["sysctl -w ''", 'sysctl', /NAME=VALUE/],
      ['sysctl -w =1', 'sysctl key', /^"=1": no NAME/],
    ];
    for (const [line, field, message] of cases) {
      const e = fieldError(line);
      expect(e.field, line).toBe(field);
      expect(e.message, line).toMatch(message);
    }
  });

  it('reports a bad sysctl line as file:line and keeps the others, with times like ipvsadm lines', async () => {
    const text = [
      '# lvscope trace v1',
      '0 ipvsadm -A -t 192.0.2.10:80 -s rr',
      'sysctl -w net.ipv4.vs.conn_reuse_mode=0',
      'sysctl -w net.ipv4.vs.debug_level=12',
      '100 syn tcp 203.0.113.1:1 192.0.2.10:80',
      'sysctl -w net.ipv4.vs.conn_reuse_mode=1',
    ].join('\n');
    const good: [number, number, string][] = [];
    const errors: string[] = [];
    for await (const batch of readTrace(Readable.from([text]), 'x.trace')) {
      for (const r of batch) {
        if (r.ok) good.push([r.line.line, r.line.timeMs, r.line.item.type]);
        else errors.push(formatIssue(r.error));
      }
    }
    expect(errors).toEqual(['x.trace:4: net.ipv4.vs.debug_level: not an IPVS sysctl of Linux 6.1']);
    expect(good).toEqual([
      [2, 0, 'ipvsadm'],
      [3, 0, 'sysctl'],
      [5, 100, 'event'],
      [6, 100, 'sysctl'],
    ]);
  });
});

describe('sysctl lines in the model', () => {
  // A NAT close ends in TIME_WAIT; a SYN on the same client port is then a reuse.
  const head = `
    0 ipvsadm -A -t ${VIP} -s rr
    0 ipvsadm -a -t ${VIP} -r 10.0.0.1:80 -m
    0 ipvsadm -a -t ${VIP} -r 10.0.0.2:80 -m`;
  const reuse = (t: number, port: number): string => `
    ${t} syn tcp 203.0.113.1:${port} ${VIP}
    ${t + 1} est tcp 203.0.113.1:${port} ${VIP}
    ${t + 2} fin tcp 203.0.113.1:${port} ${VIP}
    ${t + 100} syn tcp 203.0.113.1:${port} ${VIP}`;

  it('conn_reuse_mode: a line at time 0 does what the flag does', async () => {
    const byLine = await replayText(
      `${head}\n0 sysctl -w net.ipv4.vs.conn_reuse_mode=0${reuse(1000, 40000)}`,
    );
    const byFlag = await replayText(`${head}${reuse(1000, 40000)}`, { connReuseMode: 0 });
    expect(servers(byLine.rows)).toEqual(['2:80']);
    expect(byLine.rows).toEqual(byFlag.rows);
    expect(byLine.replay.counters()).toEqual(byFlag.replay.counters());
    expect(servers((await replayText(`${head}${reuse(1000, 40000)}`)).rows)).toEqual(['2:80', '1:80']);
  });

  it('conn_reuse_mode: a line overrides the flag from its time on, in both directions', async () => {
    const trace = (mode: number) =>
      `${head}${reuse(1000, 40000)}\n2000 sysctl -w net.ipv4.vs.conn_reuse_mode=${mode}${reuse(3000, 40001)}`;
    const picks = (rows: readonly ConnectionRow[]) => rows.map((r) => `${r.timeMs} ${r.realServer}`);
    // Flag 1, line 0 at 2000: the first reuse (1100) is rescheduled, the second (3100) is not.
    expect(picks((await replayText(trace(0))).rows)).toEqual([
      '1000 10.0.0.2:80',
      '1100 10.0.0.1:80',
      '3000 10.0.0.2:80',
    ]);
    // Flag 0, line 1 at 2000: the other way round.
    expect(picks((await replayText(trace(1), { connReuseMode: 0 })).rows)).toEqual([
      '1000 10.0.0.2:80',
      '3000 10.0.0.1:80',
      '3100 10.0.0.2:80',
    ]);
  });

  it('expire_quiescent_template: any non-zero value, like the kernel, from the line on', async () => {
    const trace = (sysctl: string) => `
      0 ipvsadm -A -t 192.0.2.10:3306 -s wlc -p 300
      0 ipvsadm -a -t 192.0.2.10:3306 -r 10.0.0.2:3306 -m
      0 ipvsadm -a -t 192.0.2.10:3306 -r 10.0.0.1:3306 -m
      0 syn tcp 10.0.0.7:40000 192.0.2.10:3306
      150000 ipvsadm -e -t 192.0.2.10:3306 -r 10.0.0.1:3306 -m -w 0
      ${sysctl}
      200000 syn tcp 10.0.0.7:40002 192.0.2.10:3306`;
    // The quiesced dest keeps its client by default; a line set before the client comes back
    // drops the template, as the flag does; a line resetting it to 0 overrides the flag.
    expect(servers((await replayText(trace(''))).rows)).toEqual(['1:3306', '1:3306']);
    const set = trace('199999 sysctl -w net.ipv4.vs.expire_quiescent_template=7');
    expect(servers((await replayText(set)).rows)).toEqual(['1:3306', '2:3306']);
    const flag = { expireQuiescentTemplate: true };
    expect(servers((await replayText(trace(''), flag)).rows)).toEqual(['1:3306', '2:3306']);
    const reset = trace('160000 sysctl -w net.ipv4.vs.expire_quiescent_template=0');
    expect(servers((await replayText(reset, flag)).rows)).toEqual(['1:3306', '1:3306']);
  });

  // lblc/lblcr forget a destination-address entry idle for their expiration at the full sweep,
  // the 30th run of the 60 s timer (1800 s after the service was added). Client 1 stays
  // established on the first pick; a remembered entry keeps sending client 2 there, a forgotten
  // one lets WLC pick the idle server.
  describe.each(['lblc', 'lblcr'])('%s_expiration', (sched) => {
    const trace = (sysctl: string) => `
      0 ipvsadm -A -t ${VIP} -s ${sched}
      0 ipvsadm -a -t ${VIP} -r 10.0.0.1:80 -m
      0 ipvsadm -a -t ${VIP} -r 10.0.0.2:80 -m
      0 ipvsadm --set 7200 120 300
      1000 syn tcp 203.0.113.1:40000 ${VIP}
      1001 est tcp 203.0.113.1:40000 ${VIP}
      ${sysctl}
      1900000 syn tcp 203.0.113.2:40000 ${VIP}`;
    const settingMs = sched === 'lblc' ? 'lblcExpirationMs' : 'lblcrExpirationMs';

    it('a short expiration set by a line, even mid-trace, makes the entry expire', async () => {
      expect(servers((await replayText(trace(''))).rows)).toEqual(['2:80', '2:80']);
      expect(
        servers((await replayText(trace(`1002 sysctl -w net.ipv4.vs.${sched}_expiration=60`))).rows),
      ).toEqual(['2:80', '1:80']);
      // Set after the entry was made, before the sweep: the existing service reads the new value.
      expect(
        servers((await replayText(trace(`1700000 sysctl -w net.ipv4.vs.${sched}_expiration=60`))).rows),
      ).toEqual(['2:80', '1:80']);
      // Set after the sweep: too late for this entry.
      expect(
        servers((await replayText(trace(`1850000 sysctl -w net.ipv4.vs.${sched}_expiration=60`))).rows),
      ).toEqual(['2:80', '2:80']);
    });

    it('the flag sets the start value and a line overrides it', async () => {
      expect(servers((await replayText(trace(''), { [settingMs]: 60_000 })).rows)).toEqual(['2:80', '1:80']);
      const line = `1002 sysctl -w net.ipv4.vs.${sched}_expiration=86400`;
      expect(servers((await replayText(trace(line), { [settingMs]: 60_000 })).rows)).toEqual([
        '2:80',
        '2:80',
      ]);
    });
  });

  it('a 6.1 knob the model does not honour is a warning and changes nothing', async () => {
    const plain = await replayText(`${head}${reuse(1000, 40000)}`);
    const { rows, replay } = await replayText(
      `${head}\n0 sysctl -w net.ipv4.vs.expire_nodest_conn=1 net.ipv4.vs.conn_reuse_mode=0${reuse(1000, 40000)}`,
    );
    expect(replay.warnings).toEqual([
      {
        line: 5,
        message:
          'sysctl net.ipv4.vs.expire_nodest_conn: not modelled, ignored (simulate keeps the 6.1 default)',
      },
    ]);
    // The modelled setting on the same line still applies.
    expect(servers(rows)).toEqual(['2:80']);
    expect(servers(plain.rows)).toEqual(['2:80', '1:80']);
  });
});

// Through the built CLI (npm run build first), as users and the kernel harness run it.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'dist/analyzer/main.js');

function simulate(args: string[]): Promise<RunResult> {
  return run(process.execPath, [MAIN, 'simulate', ...args], { timeoutMs: 20_000 });
}

describe('lvs-analyze simulate with sysctl lines', () => {
  const dir = tempDir('sysctl');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const trace = `# lvscope trace v1
0 ipvsadm -A -t ${VIP} -s rr
0 ipvsadm -a -t ${VIP} -r 10.0.0.1:80 -m
0 ipvsadm -a -t ${VIP} -r 10.0.0.2:80 -m
1000 syn tcp 203.0.113.1:40000 ${VIP}
1001 est tcp 203.0.113.1:40000 ${VIP}
1002 fin tcp 203.0.113.1:40000 ${VIP}
1500 sysctl -w net.ipv4.vs.conn_reuse_mode=1
2000 syn tcp 203.0.113.1:40000 ${VIP}
`;

  it('the trace line wins over --conn-reuse-mode from its time on', async () => {
    const file = join(dir, 'reuse.trace');
    await writeFile(file, trace);
    const run = await simulate(['--trace', file, '--conn-reuse-mode', '0']);
    expect(run).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'time_ms,proto,client,service,real_server',
        `1000,tcp,203.0.113.1:40000,${VIP},10.0.0.2:80`,
        `2000,tcp,203.0.113.1:40000,${VIP},10.0.0.1:80`,
        '',
      ].join('\n'),
    });
  });

  it('an unknown knob is a file:line error (exit 1), an unmodelled one a warning (exit 0)', async () => {
    const bad = join(dir, 'bad.trace');
    await writeFile(bad, trace.replace('conn_reuse_mode=1', 'conn_reuse=1'));
    const failed = await simulate(['--trace', bad]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe(`${bad}:8: net.ipv4.vs.conn_reuse: not an IPVS sysctl of Linux 6.1\n`);
    expect(failed.stdout.split('\n')).toHaveLength(4);

    const ignored = join(dir, 'ignored.trace');
    await writeFile(ignored, trace.replace('conn_reuse_mode=1', 'sloppy_tcp=1'));
    const warned = await simulate(['--trace', ignored, '--format', 'json']);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toBe(
      `${ignored}:8: sysctl net.ipv4.vs.sloppy_tcp: not modelled, ignored (simulate keeps the 6.1 default)\n`,
    );
    expect((JSON.parse(warned.stdout) as { warnings: unknown[] }).warnings).toHaveLength(1);
  });
});
