/**
 * The recommendation textfile the dashboard and alert tests serve through node_exporter: the real
 * `lvs-analyze recommend --textfile` output on a real-kernel recording of fixtures/recordings/,
 * and one real sample of the same recording's director (its procfs files and ipvsadm listings,
 * copied from the lab's raw recording into the fixture's procfs/ folder), so the live ipvs_*
 * series the capacity dashboard joins with the recommendation's labels come from the same run.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../support/process.js';
import { ROOT } from '../exporter/helpers.js';

const ANALYZER = join(ROOT, 'dist/analyzer/main.js');

export interface RecordingSample {
  /** fixtures/recordings/<name>. */
  readonly recording: string;
  /** The pool `recommend --pool` names (its only virtual service). */
  readonly pool: string;
  /** The sample instant (guest CLOCK_MONOTONIC ms, the raw recording's folder name) served live. */
  readonly sampleMs: number;
}

/**
 * client-skew: sh over two equal servers while one client sends half the connections; the
 * recommender flags it (mismatch 1: twos, weights 8:7). balanced: wlc over two equal servers; the
 * recommender keeps it (mismatch 0). Their samples: 54120 ms (33 new connections/s, the load's
 * middle) and 58230 ms (42 active connections, 21 on each server).
 */
export const FLAGGED: RecordingSample = {
  recording: 'client-skew',
  pool: 'tcp:10.30.0.80:80',
  sampleMs: 54120,
};
export const KEPT: RecordingSample = { recording: 'balanced', pool: 'tcp:10.50.0.80:80', sampleMs: 58230 };

export function recordingDir(recording: string): string {
  return join(ROOT, 'fixtures/recordings', recording);
}

/** The director's sample: a procfs tree (`net/ip_vs`, ...) with the ipvsadm listings in `ipvsadm/`. */
export function sampleDir(sample: RecordingSample): string {
  return join(recordingDir(sample.recording), 'procfs', String(sample.sampleMs));
}

/**
 * Runs the real recommender on the recording's capture and writes its textfile to
 * `dir`/lvscope-recommendation.prom (a folder of its own: node_exporter's textfile collector
 * rejects two files with the same unlabelled series).
 */
export async function writeRecommendationTextfile(
  sample: RecordingSample,
  dir: string,
): Promise<{ dir: string; file: string }> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'lvscope-recommendation.prom');
  const result = await run(
    process.execPath,
    [
      ANALYZER,
      'recommend',
      `--pool=${sample.pool}`,
      `--capture=${join(recordingDir(sample.recording), 'capture')}`,
      `--textfile=${file}`,
      '--quiet',
    ],
    // ~3 s alone on this host; other engineers' runs share its two cores.
    { timeoutMs: 90_000 },
  );
  if (result.code !== 0)
    throw new Error(`lvs-analyze recommend ${sample.recording} exited ${result.code}: ${result.stderr}`);
  return { dir, file };
}
