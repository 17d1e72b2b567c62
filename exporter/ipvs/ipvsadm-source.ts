/**
 * Thin reader for ipvsadm: spawns the binary without a shell and with a timeout, and hands its
 * stdout to the pure listing parsers. A missing binary, a kernel without IPVS ("Protocol not
 * available"), a non-zero exit or a timeout marks only this source down.
 */
import { type Parsed, formatIssue } from '../../common/parse/issue.js';
import { runProgram } from '../../common/io/run-program.js';
import type { SnapshotDraft } from '../core/draft.js';
import type { Source } from '../core/source.js';
import {
  parseIpvsadmPersistentConns,
  parseIpvsadmRates,
  parseIpvsadmStats,
  parseIpvsadmThresholds,
} from '../../common/ipvs/parse-ipvsadm.js';

export interface IpvsadmOptions {
  readonly path: string;
  readonly timeoutMs: number;
}

/** Listings of 100k destinations stay well below this; beyond it the source reports an error. */
const MAX_OUTPUT_BYTES = 64 << 20;

function run(options: IpvsadmOptions, args: readonly string[], signal: AbortSignal): Promise<string> {
  return runProgram(options.path, args, {
    timeoutMs: options.timeoutMs,
    maxOutputBytes: MAX_OUTPUT_BYTES,
    signal,
    notFoundHint: `--ipvsadm.path ${options.path}`,
  });
}

function ipvsadmSource<T>(
  name: string,
  args: readonly string[],
  options: IpvsadmOptions,
  parse: (text: string) => Parsed<T>,
  store: (ipvs: SnapshotDraft['ipvs'], value: T) => void,
): Source {
  const command = `ipvsadm ${args.join(' ')}`;
  return {
    name,
    async collect(draft, signal) {
      let text: string;
      try {
        text = await run(options, args, signal);
      } catch (error) {
        return { up: false, parseErrors: 0, error: (error as Error).message };
      }
      const { value, issues } = parse(text);
      store(draft.ipvs, value);
      const first = issues[0];
      return { up: true, parseErrors: issues.length, ...(first && { error: formatIssue(first, command) }) };
    },
  };
}

/** The four listings, each its own source so one failing command does not hide the others. */
export function ipvsadmSources(options: IpvsadmOptions): Source[] {
  return [
    ipvsadmSource(
      'ipvsadm_stats',
      ['-Ln', '--stats', '--exact', '--nosort'],
      options,
      parseIpvsadmStats,
      (ipvs, v) => {
        ipvs.ipvsadmStats = v;
      },
    ),
    ipvsadmSource(
      'ipvsadm_rate',
      ['-Ln', '--rate', '--exact', '--nosort'],
      options,
      parseIpvsadmRates,
      (ipvs, v) => {
        ipvs.ipvsadmRates = v;
      },
    ),
    ipvsadmSource(
      'ipvsadm_thresholds',
      ['-Ln', '--thresholds', '--nosort'],
      options,
      parseIpvsadmThresholds,
      (ipvs, v) => {
        ipvs.ipvsadmThresholds = v;
      },
    ),
    ipvsadmSource(
      'ipvsadm_persistent_conn',
      ['-Ln', '--persistent-conn', '--nosort'],
      options,
      parseIpvsadmPersistentConns,
      (ipvs, v) => {
        ipvs.ipvsadmPersistentConns = v;
      },
    ),
  ];
}
