/**
 * The live check: boot Debian's 6.1 kernel under qemu, replay every trace of
 * fixtures/kernel-traces with real packets (test/kernel/replay-traces.sh, one boot), and compare the
 * kernel's choices with `lvs-analyze simulate`. Needs root (network namespaces in the guest are
 * built by the guest, but apt-get download and qemu run here), qemu-system-x86_64, gcc and the
 * Debian mirror; skipped, saying why, only when one of those is missing.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installed, tempDir } from '../support/process.js';
import {
  compareRows,
  formatTallies,
  mergeTallies,
  parseCsv,
  readTrace,
  repoRoot,
  schedulerLookup,
  simulate,
  type Tally,
  traceNames,
  tracesDir,
} from './traces.js';

const run = promisify(execFile);

function missingPrerequisite(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  for (const tool of ['qemu-system-x86_64', 'gcc', 'apt-get', 'dpkg']) {
    if (!installed(tool)) return `${tool} not installed`;
  }
  return undefined;
}

const missing = missingPrerequisite();
if (missing) console.log(`kernel VM check skipped: ${missing}`);

const names = traceNames();
const overall = new Map<string, Tally>();

describe.skipIf(missing !== undefined)('live replay on the real 6.1 kernel under qemu', () => {
  let out = '';

  beforeAll(async () => {
    out = tempDir('vm');
    const started = Date.now();
    const { stderr } = await run(
      join(repoRoot, 'test', 'kernel', 'replay-traces.sh'),
      [out, ...names.map((n) => join(tracesDir, `${n}.trace`))],
      { timeout: 25 * 60_000, maxBuffer: 64 << 20 },
    );
    console.log(
      `${stderr.trim()}\nVM run: ${((Date.now() - started) / 1000).toFixed(0)} s for ${names.length} traces`,
    );
  }, 26 * 60_000);

  afterAll(() => {
    if (overall.size) console.log(formatTallies('live kernel, all traces', overall));
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it.each(names)('%s: the live kernel and the simulator pick the same real servers', async (name) => {
    const text = readTrace(name);
    const kernel = parseCsv(readFileSync(join(out, `${name}.kernel.csv`), 'utf8'), `live ${name}.kernel.csv`);
    const replay = (
      JSON.parse(readFileSync(join(out, `${name}.kernel.json`), 'utf8')) as { replay: Record<string, number> }
    ).replay;
    const sim = parseCsv(await simulate(join(tracesDir, `${name}.trace`), 'csv'), `simulate ${name}`);
    const result = compareRows(kernel, sim, schedulerLookup(text));
    mergeTallies(overall, result.bySched);
    console.log(
      `${formatTallies(name, result.bySched)}\n  replay: lateness p99 ${replay.late_ms_p99} ms, max ${replay.late_ms_max} ms`,
    );
    expect(replay.config_failures, 'ipvsadm and sysctl lines that failed in the guest').toBe(0);
    expect(kernel.length).toBeGreaterThan(0);
    expect(result.mismatches).toEqual([]);
  });
});
