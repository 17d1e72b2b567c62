/**
 * The /proc/net/ip_vs* files as sources (common/ipvs/read.ts reads and parses them). A missing
 * file means the ip_vs module is not loaded (or the namespace has none): the source is down, the
 * rest of the collection goes on. Each source reads one file at a time (ReadGate), so a path that
 * never answers holds at most one libuv thread.
 */
import { join } from 'node:path';
import { CONN_TABLE_PATH, PROC_FILES, readConnTable, readProcText } from '../../common/ipvs/read.js';
import type { ConnSummaryOptions } from '../../common/ipvs/parse-ip-vs-conn.js';
import type { IpVsOptions } from '../../common/ipvs/parse-ip-vs.js';
import { ReadGate } from '../../common/io/regular-file.js';
import { type ParseIssue, formatIssue } from '../../common/parse/issue.js';
import type { Source, SourceOutcome } from '../core/source.js';

function readFailure(path: string, error: unknown): SourceOutcome {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file (ip_vs not loaded in this network namespace?)'
      : error instanceof Error
        ? error.message
        : String(error);
  // Errors from regular-file.ts and the gate already start with the path.
  return { up: false, parseErrors: 0, error: why.startsWith(path) ? why : `${path}: ${why}` };
}

function outcome(
  path: string,
  issues: readonly ParseIssue[],
  count = issues.length,
  up = true,
): SourceOutcome {
  const first = issues[0];
  return { up, parseErrors: count, ...(first && { error: formatIssue(first, path) }) };
}

/**
 * True when parsed data holds no service, line or figure at all (every list empty). Input that
 * gives only issues and nothing usable is not the kernel's file (binary garbage, another file):
 * the source is down rather than up with "no services", which dashboards would read as every
 * service gone. An empty table the kernel printed (headers, no services) has no issues: up.
 */
export function holdsNothing(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.values(value).every(holdsNothing);
  return false;
}

/** The outcome of input that gave issues and nothing usable: down, naming the first issue. */
export function unusable(where: string, issues: readonly ParseIssue[], count = issues.length): SourceOutcome {
  const first = issues[0];
  const why = first ? formatIssue(first, where) : where;
  return { up: false, parseErrors: count, error: `no valid line (${count} issues), first: ${why}` };
}

/** ip_vs, ip_vs_stats and ip_vs_stats_percpu, one source each. */
export function procFileSources(procfs: string, options: IpVsOptions): Source[] {
  return PROC_FILES.map((file) => {
    const path = join(procfs, file.path);
    const gate = new ReadGate();
    return {
      name: file.name,
      async collect(draft, signal) {
        let text: string;
        try {
          text = await gate.run(path, () => readProcText(procfs, file, signal), signal);
        } catch (error) {
          return readFailure(path, error);
        }
        const { value, issues } = file.parse(text, options);
        if (value === undefined) return outcome(path, issues, issues.length, false);
        if (issues.length > 0 && holdsNothing(value)) return unusable(path, issues);
        file.store(draft.ipvs, value as never);
        return outcome(path, issues);
      },
    };
  });
}

/** /proc/net/ip_vs_conn, streamed through the summariser (and the sampler, when it is on). */
export function ipVsConnSource(procfs: string, options: ConnSummaryOptions): Source {
  const path = join(procfs, CONN_TABLE_PATH);
  const gate = new ReadGate();
  return {
    name: 'ip_vs_conn',
    async collect(draft, signal) {
      let parsed;
      try {
        parsed = await gate.run(path, () => readConnTable(procfs, options, signal), signal);
      } catch (error) {
        return readFailure(path, error);
      }
      const { value, sample, issues, issueCount } = parsed;
      if (issueCount > 0 && value.entries === 0) return unusable(path, issues, issueCount);
      draft.ipvs.conn = value;
      if (sample) draft.ipvs.connSample = sample;
      return outcome(path, issues, issueCount);
    },
  };
}
