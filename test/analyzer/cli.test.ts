import { rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunResult, run, runWithOutput, tempDir } from '../support/process.js';

// The built CLI, as users and the kernel harness run it (npm test builds dist/ first).
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'dist/analyzer/main.js');
const EXAMPLE = join(ROOT, 'fixtures/traces/issue-example.trace');

function lvsAnalyze(args: string[], stdin?: string): Promise<RunResult> {
  return run(process.execPath, [MAIN, ...args], { cwd: ROOT, input: stdin, timeoutMs: 20_000 });
}

const dir = tempDir('cli');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lvs-analyze simulate', () => {
  it('prints the CSV contract: header, one row per new connection, "-" when nothing is picked', async () => {
    const run = await lvsAnalyze(['simulate', '--trace', EXAMPLE, '--format', 'csv']);
    expect(run).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'time_ms,proto,client,service,real_server',
        '1000,tcp,203.0.113.7:40001,192.0.2.10:80,10.0.0.1:80',
        '6000,udp,203.0.113.9:5353,192.0.2.11:53,-',
        '',
      ].join('\n'),
    });
  });

  it('--format json adds each destination’s counters at the end', async () => {
    const run = await lvsAnalyze(['simulate', '--trace', EXAMPLE, '--format', 'json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as {
      connections: unknown[];
      services: unknown[];
      warnings: unknown[];
    };
    expect(doc.connections).toHaveLength(2);
    expect(doc.services).toEqual([
      {
        service: '192.0.2.10:80',
        protocol: 'tcp',
        scheduler: 'wrr',
        persistent_timeout_s: null,
        conns: 1,
        destinations: [
          {
            real_server: '10.0.0.1:80',
            forward: 'Route',
            weight: 4,
            active_conns: 0,
            inactive_conns: 1,
            persistent_conns: 0,
            conns: 1,
          },
        ],
      },
    ]);
    expect(doc.warnings).toEqual([]);
  });

  it('reads standard input with --trace - and writes --output files', async () => {
    const out = join(dir, 'out.csv');
    const trace =
      '-A -t 192.0.2.1:80 -s rr\n-a -t 192.0.2.1:80 -r 10.0.0.1:80 -m\n5 syn tcp 203.0.113.1:1000 192.0.2.1:80\n';
    const run = await lvsAnalyze(['simulate', '--trace', '-', '--output', out], trace);
    expect(run).toMatchObject({ code: 0, stdout: '' });
    expect(await readFile(out, 'utf8')).toBe(
      'time_ms,proto,client,service,real_server\n5,tcp,203.0.113.1:1000,192.0.2.1:80,10.0.0.1:80\n',
    );
  });

  it('reports bad lines as file:line: field: message, simulates the rest, exits 1', async () => {
    const bad = join(dir, 'bad.trace');
    await writeFile(
      bad,
      '-A -t 192.0.2.1:80 -s rrr\n-A -t 192.0.2.1:80 -s rr\n-a -t 192.0.2.1:80 -r 10.0.0.1:80 -m\n-a -t 192.0.2.9:80 -r 10.0.0.1:80\n5 syn tcp 203.0.113.1:1000 192.0.2.1:80\n',
    );
    const run = await lvsAnalyze(['simulate', '--trace', bad]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${bad}:1: -s: unknown scheduler "rrr"`);
    expect(run.stderr).toContain(`${bad}:4: ipvsadm add-server: Service not defined`);
    expect(run.stdout).toContain('5,tcp,203.0.113.1:1000,192.0.2.1:80,10.0.0.1:80');
  });

  it('exits 2 on usage errors and unreadable traces', async () => {
    expect((await lvsAnalyze(['simulate'])).code).toBe(2);
    expect((await lvsAnalyze(['simulate', '--trace', EXAMPLE, '--format', 'xml'])).code).toBe(2);
    const missing = await lvsAnalyze(['simulate', '--trace', join(dir, 'nope.trace')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read trace .*ENOENT/);
  });

  it('--help documents the command and its settings', async () => {
    const top = await lvsAnalyze(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/simulate \[options\]/);
    const sub = await lvsAnalyze(['simulate', '--help']);
    for (const flag of [
      '--trace',
      '--format',
      '--conn-reuse-mode',
      '--expire-quiescent-template',
      '--hash',
      '--seed',
    ]) {
      expect(sub.stdout).toContain(flag);
    }
  });
});

describe('lvs-analyze simulate when its output goes away', () => {
  /** A trace with one new connection per line: its CSV is far bigger than a pipe's buffer. */
  async function bigTrace(connections: number): Promise<string> {
    const lines = ['-A -t 192.0.2.1:80 -s rr', '-a -t 192.0.2.1:80 -r 10.0.0.1:80 -m'];
    for (let i = 0; i < connections; i++) {
      lines.push(`${i} udp 203.0.${(i >> 8) & 255}.${i & 255}:${1024 + (i % 60000)} 192.0.2.1:80`);
    }
    const file = join(dir, `big-${connections}.trace`);
    await writeFile(file, lines.join('\n') + '\n');
    return file;
  }

  it('`| head -0`: exits 0 without a word, no unhandled EPIPE', async () => {
    const result = await runWithOutput(
      process.execPath,
      [MAIN, 'simulate', '--trace', EXAMPLE],
      'closes at once',
    );
    expect(result).toEqual({ code: 0, stderr: '' });
  });

  it('a reader that stops after the first rows ends the replay quietly', async () => {
    const trace = await bigTrace(50_000);
    const result = await runWithOutput(
      process.execPath,
      [MAIN, 'simulate', '--trace', trace],
      'closes after the first chunk',
    );
    expect(result).toEqual({ code: 0, stderr: '' });
  });

  it('a full disk is an error (exit 2), not a quietly truncated --output', async () => {
    const result = await lvsAnalyze(['simulate', '--trace', EXAMPLE, '--output', '/dev/full']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot write the output: ENOSPC/);
  });
});
