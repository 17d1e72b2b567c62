/**
 * Thin readers for the /proc/net/ip_vs* files: read, hand the text to a pure parser, store the
 * result in the draft. A missing file means the ip_vs module is not loaded (or the namespace has
 * none): the source is down, the rest of the collection goes on.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ParseIssue, type Parsed, formatIssue } from '../../common/parse/issue.js';
import type { SnapshotDraft } from '../core/draft.js';
import type { Source, SourceOutcome } from '../core/source.js';
import { ConnTableSummarizer, type ConnSummaryOptions } from '../../common/ipvs/parse-ip-vs-conn.js';
import { type IpVsOptions, parseIpVs } from '../../common/ipvs/parse-ip-vs.js';
import { parseIpVsStats, parseIpVsStatsPerCpu } from '../../common/ipvs/parse-ip-vs-stats.js';

function readFailure(path: string, error: unknown): SourceOutcome {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file (ip_vs not loaded in this network namespace?)'
      : error instanceof Error
        ? error.message
        : String(error);
  return { up: false, parseErrors: 0, error: `${path}: ${why}` };
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

/** A source for one small /proc file, read whole (their size is bounded by the service table). */
function procFileSource<T>(
  name: string,
  path: string,
  parse: (text: string) => Parsed<T | undefined>,
  store: (ipvs: SnapshotDraft['ipvs'], value: T) => void,
): Source {
  return {
    name,
    async collect(draft, signal) {
      let text: string;
      try {
        text = await readFile(path, { encoding: 'latin1', signal });
      } catch (error) {
        return readFailure(path, error);
      }
      const { value, issues } = parse(text);
      if (value === undefined) return outcome(path, issues, issues.length, false);
      store(draft.ipvs, value);
      return outcome(path, issues);
    },
  };
}

export function ipVsSource(procfs: string, options: IpVsOptions): Source {
  const parse = (text: string) => parseIpVs(text, options);
  return procFileSource('ip_vs', join(procfs, 'net/ip_vs'), parse, (ipvs, table) => {
    ipvs.table = table;
  });
}

export function ipVsStatsSource(procfs: string): Source {
  return procFileSource('ip_vs_stats', join(procfs, 'net/ip_vs_stats'), parseIpVsStats, (ipvs, stats) => {
    ipvs.stats = stats;
  });
}

export function ipVsStatsPerCpuSource(procfs: string): Source {
  return procFileSource(
    'ip_vs_stats_percpu',
    join(procfs, 'net/ip_vs_stats_percpu'),
    parseIpVsStatsPerCpu,
    (ipvs, perCpu) => {
      ipvs.perCpu = perCpu;
    },
  );
}

/** /proc/net/ip_vs_conn, streamed in 1 MiB chunks through the summariser. */
export function ipVsConnSource(procfs: string, options: ConnSummaryOptions): Source {
  const path = join(procfs, 'net/ip_vs_conn');
  return {
    name: 'ip_vs_conn',
    async collect(draft, signal) {
      const summarizer = new ConnTableSummarizer(options);
      try {
        const stream = createReadStream(path, { highWaterMark: 1 << 20, signal });
        for await (const chunk of stream) summarizer.push(chunk as Buffer);
      } catch (error) {
        return readFailure(path, error);
      }
      const { value, sample, issues, issueCount } = summarizer.finish();
      draft.ipvs.conn = value;
      if (sample) draft.ipvs.connSample = sample;
      return outcome(path, issues, issueCount);
    },
  };
}
