/** Prometheus's own checker, for the expositions and the alert rules. */
import { installed, run, type RunResult } from './process.js';

export const promtoolInstalled = installed('promtool');

/** `promtool check metrics` on an exposition: exit 0 and no output when it finds nothing to lint. */
export function checkMetrics(exposition: string): Promise<RunResult> {
  return run('promtool', ['check', 'metrics'], { input: exposition, timeoutMs: 30_000 });
}

/** Any promtool command, run in `cwd` (rule files name their tests relative to it). */
export function promtool(args: readonly string[], cwd: string): Promise<RunResult> {
  return run('promtool', args, { cwd, timeoutMs: 30_000 });
}
