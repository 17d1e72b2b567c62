/**
 * Issue 12 §4: an ipvsadm stand-in that forks (`sleep`) and ignores SIGTERM. Before the fix only
 * the script itself got SIGTERM at the deadline: every collection left its `sleep`s behind, they
 * outlived the exporter, and a script ignoring TERM kept the exporter from exiting. Now each
 * program runs in its own process group and the whole group is killed. Real exporter, real bash
 * script, loopback port 19800; survivors are looked for in /proc by process group.
 */
import { chmodSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXPORTER, T1 } from '../exporter/helpers.js';
import { run, sleep, start, tempDir, waitFor } from '../support/process.js';

const PORT = 19800;
const dir = tempDir('exits-pgroup');
const groupsFile = join(dir, 'groups');
const standIn = join(dir, 'ipvsadm');
// Ignores TERM (its children inherit that), forks a sleep and waits on another: never answers.
writeFileSync(standIn, `#!/bin/bash\ntrap '' TERM\necho $$ >> '${groupsFile}'\nsleep 30 &\nsleep 30\n`, {
  mode: 0o755,
});
chmodSync(standIn, 0o755);

afterAll(() => {
  for (const pgid of groups()) for (const pid of members(pgid)) tryKill(pid);
  rmSync(dir, { recursive: true, force: true });
});

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** The process groups the stand-in started (each run is the leader of its own group). */
function groups(): number[] {
  try {
    return readFileSync(groupsFile, 'utf8').trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Live processes (zombies excluded) whose process group is `pgid` or whose PID is `pgid`. */
function members(pgid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command name "(...)": state ppid pgrp ...
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state !== 'Z' && (Number(pgrp) === pgid || Number(entry) === pgid)) found.push(Number(entry));
  }
  return found;
}

function survivors(): number[] {
  return groups().flatMap(members);
}

const args = [
  `--path.procfs=${T1}`,
  `--ipvsadm.path=${standIn}`,
  '--ipvsadm.timeout=30',
  '--collector.timeout=1',
];

function scrape(): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpGet(
      { host: '127.0.0.1', port: PORT, path: '/metrics', agent: false, timeout: 10_000 },
      (res) => {
        res.resume().on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    request.on('timeout', () => request.destroy(new Error('GET /metrics: no answer within 10 s')));
    request.on('error', reject);
  });
}

describe('helper programs run in their own process group', () => {
  it('--once: nothing of the stand-in survives, and the exporter exits promptly', async () => {
    const started = Date.now();
    const { code } = await run(process.execPath, [EXPORTER, '--once', ...args], { timeoutMs: 20_000 });
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(groups().length).toBeGreaterThan(0);
    expect(survivors()).toEqual([]);
  }, 30_000);

  it('serving: the deadline kills each group; SIGTERM mid-collection stops the exporter', async () => {
    writeFileSync(groupsFile, '');
    const exporter = start(process.execPath, [EXPORTER, `--web.listen-address=127.0.0.1:${PORT}`, ...args]);
    try {
      await waitFor('lvs-exporter to listen', 15_000, () => {
        if (exporter.child.exitCode !== null) throw new Error(`exited: ${exporter.stderr()}`);
        return exporter.stderr().includes('msg=listening');
      });
      expect(await scrape()).toBe(200);
      expect(groups().length).toBeGreaterThan(0);
      // The scrape answered at the deadline; the groups get SIGTERM, then SIGKILL after a grace.
      await waitFor('no stand-in process after the deadline', 3000, () => survivors().length === 0);

      // A second collection is in flight (stand-ins running) when SIGTERM comes.
      const before = groups().length;
      const inFlight = scrape().catch(() => 0);
      await waitFor('a stand-in to start', 5000, () => groups().length > before);
      await sleep(100);
      expect(survivors().length).toBeGreaterThan(0);
      const stopping = Date.now();
      exporter.child.kill('SIGTERM');
      const code = await Promise.race([exporter.exited, sleep(5000).then(() => 'still running')]);
      expect(code).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(3000);
      await inFlight;
      expect(survivors()).toEqual([]);
    } finally {
      await exporter.stop();
    }
  }, 60_000);
});
