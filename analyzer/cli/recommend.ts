/**
 * `lvs-analyze recommend --pool NAME`: replays every kernel scheduler and candidate weights over
 * the pool's recorded workload and says what to change, why and by how much (the Recommendation,
 * analyzer/recommend/types.ts). Nothing is ever applied. Exit 0; 1 when the history could not be
 * read or the output not written; 2 for usage errors (an unknown pool, a bad flag).
 */
import { createWriteStream } from 'node:fs';
import { Command, Option } from '@commander-js/extra-typings';
import { TextOutput } from '../../common/io/text-output.js';
import { type CostProfile, CostProfileError, loadCostProfile } from '../cost/index.js';
import { FollowError } from '../inputs/history/follow.js';
import { addressOf } from '../recommend/capacity.js';
import { DEFAULT_OPTIONS, type RecommendOptions, recommend } from '../recommend/engine.js';
import { parseScenario, shown } from '../recommend/scenarios.js';
import { OBJECTIVES, type Objective, type Recommendation, type WhatIfScenario } from '../recommend/types.js';
import { recommendationHtml } from '../report/html/index.js';
import { ProgressBar, type ProgressStream } from '../report/recommend-progress.js';
import { recommendationText } from '../report/recommend-text.js';
import { writeRecommendationTextfile } from '../report/recommend-textfile.js';
import { fitWorkload } from '../workload/fit.js';
import type { WorkloadModel } from '../workload/model.js';
import { type HistoryFlags, UsageError, addHistoryOptions, loadPoolHistory } from './inputs.js';

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export interface RecommendFlags extends HistoryFlags {
  readonly format: 'text' | 'json' | 'html';
  readonly objective: Objective;
  readonly minGain: string;
  readonly seed: string;
  readonly workers: string;
  readonly search: string;
  readonly maxConnections: string;
  readonly whatif?: string[];
  readonly textfile?: string;
  readonly quiet?: boolean;
  readonly costProfile?: string;
  readonly responseBytes?: string;
}

function integer(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${flag}: "${text.slice(0, 40)}" is not an integer in ${min}..${max}`);
  return n;
}

/** `0.1` or `10%`. */
function share(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const n = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(n >= 0 && n < 1))
    throw new UsageError(`--${flag}: "${text.slice(0, 40)}" is not a share in [0, 1) (e.g. 0.1 or 10%)`);
  return n;
}

/** The scenarios, checked against the pool: a failing or re-weighted server must be one of it. */
function scenarios(texts: readonly string[], model: WorkloadModel): WhatIfScenario[] {
  const seconds = (model.end - model.start) / 1000;
  const servers = model.services.flatMap((s) => s.servers.map((x) => x.server));
  return texts.map((t) => {
    const s = parseScenario(t, seconds);
    if ('error' in s) throw new UsageError(s.error);
    const known = servers.some((x) => x === s.server || addressOf(x) === s.server);
    if ((s.kind === 'fail-return' || s.kind === 'weight-change') && !known)
      throw new UsageError(
        `--whatif "${shown(t)}": ${s.server} is not a server of the pool (${servers.join(', ')})`,
      );
    if (s.kind === 'add-server' && known)
      throw new UsageError(`--whatif "${shown(t)}": ${s.server} is already a server of the pool`);
    return s;
  });
}

/** --cost-profile: its errors name the file, line and field; they are the user's to fix. */
function costProfile(file: string): CostProfile {
  try {
    return loadCostProfile(file);
  } catch (e) {
    if (e instanceof CostProfileError) throw new UsageError(`--cost-profile: ${e.message}`);
    throw e;
  }
}

type Report = (r: Recommendation) => string;

/** Shared by recommend and whatif: read, fit, replay, print; the exit code. */
export async function runRecommend(
  flags: RecommendFlags,
  out: TextOutput,
  err: ProgressStream,
  options: {
    readonly command: string;
    readonly report: Report;
    readonly defaultWhatif?: (m: WorkloadModel) => string[];
  },
): Promise<number> {
  const bar = new ProgressBar(
    err,
    ProgressBar.wanted(err, flags.format, flags.quiet === true),
    options.command,
  );
  let rec: Recommendation;
  try {
    const settings: Omit<RecommendOptions, 'whatif'> = {
      ...DEFAULT_OPTIONS,
      objective: flags.objective,
      minGain: share('min-gain', flags.minGain),
      seed: integer('seed', flags.seed, 0, 2 ** 32 - 1),
      workers: integer('workers', flags.workers, 1, 64),
      searchBudget: integer('search', flags.search, 0, 1000),
      maxConnections: integer('max-connections', flags.maxConnections, 1, 50_000_000),
      onProgress: (done, total) => bar.update(done, total),
      ...(flags.costProfile !== undefined && { costProfile: costProfile(flags.costProfile) }),
      ...(flags.responseBytes !== undefined && {
        responseBytes: integer('response-bytes', flags.responseBytes, 0, 1e12),
      }),
    };
    const loaded = await loadPoolHistory(flags);
    const model = fitWorkload(loaded.history, loaded.pool.name, loaded.pool);
    const asked = flags.whatif?.length ? flags.whatif : (options.defaultWhatif?.(model) ?? []);
    rec = await recommend(
      model,
      { pool: loaded.pool, resolvedHow: loaded.resolvedHow, warnings: loaded.warnings },
      { ...settings, whatif: scenarios(asked, model) },
    );
  } catch (e) {
    bar.done();
    err.write(`lvs-analyze ${options.command}: ${reason(e)}\n`);
    return e instanceof UsageError || e instanceof FollowError ? 2 : 1;
  }
  bar.done();
  try {
    if (flags.textfile !== undefined) await writeRecommendationTextfile(flags.textfile, rec);
  } catch (e) {
    err.write(`lvs-analyze ${options.command}: --textfile ${flags.textfile}: ${reason(e)}\n`);
    return 1;
  }
  let text: string;
  try {
    text =
      flags.format === 'json'
        ? JSON.stringify(rec, null, 2) + '\n'
        : flags.format === 'html'
          ? recommendationHtml(rec)
          : options.report(rec);
  } catch (e) {
    err.write(`lvs-analyze ${options.command}: cannot render the ${flags.format} report: ${reason(e)}\n`);
    return 1;
  }
  try {
    await out.write(text);
    await out.end();
  } catch (e) {
    err.write(`lvs-analyze ${options.command}: cannot write the output: ${reason(e)}\n`);
    return 1;
  }
  return 0;
}

/** The flags recommend and whatif share besides the history's (chained, so the action sees them typed). */

export function addRecommendOptions<Args extends unknown[]>(
  command: Command<Args, Record<never, never>, Record<never, never>>,
) {
  return command
    .addOption(
      new Option(
        '--format <format>',
        'output format (json: the Recommendation, schema analyzer/recommendation.schema.json; html: a self-contained report for a browser, best with --output)',
      )
        .choices(['text', 'json', 'html'] as const)
        .default('text' as const),
    )
    .addOption(new Option('--output <file>', 'write to this file instead of standard output'))
    .addOption(
      new Option(
        '--objective <objective>',
        "what to minimise: latency = the worst p99 queueing delay with no server above 100 %; balance = utilisation spread (Jain); headroom = the busiest server's peak",
      )
        .choices(OBJECTIVES)
        .default('latency' as const),
    )
    .addOption(
      new Option(
        '--min-gain <share>',
        'smallest gain on the objective worth a change; below it: keep (0.1 or 10%)',
      ).default('0.1'),
    )
    .addOption(new Option('--seed <n>', 'seed of the generated timeline and of twos').default('1'))
    .addOption(new Option('--workers <n>', 'replay worker threads').default('2'))
    .addOption(
      new Option('--search <n>', 'replays per scheduler in the weight search').default(
        String(DEFAULT_OPTIONS.searchBudget),
      ),
    )
    .addOption(
      new Option('--max-connections <n>', 'replay at most this many connections (the first ones)').default(
        String(DEFAULT_OPTIONS.maxConnections),
      ),
    )
    .addOption(
      new Option(
        '--textfile <file>',
        'also write the lvscope_recommendation_* metrics here (node_exporter textfile collector), atomically',
      ),
    )
    .addOption(
      new Option(
        '--cost-profile <file>',
        'YAML constants of the forwarding-mode cost model (per-packet costs, NIC limits, headroom target) over the defaults',
      ),
    )
    .addOption(
      new Option(
        '--response-bytes <n>',
        'server→client bytes per connection, which a DR/TUN director never sees (over the pools file)',
      ),
    )
    .addOption(new Option('--quiet', 'no progress bar'));
}

export function outputOf(file: string | undefined): TextOutput {
  return file === undefined ? new TextOutput(process.stdout) : new TextOutput(createWriteStream(file), true);
}

export function recommendCommand() {
  const command = addHistoryOptions(
    new Command('recommend').description(
      'Replay every kernel scheduler and candidate weights over the recorded workload and recommend a configuration, with the numbers behind it.',
    ),
  );
  return addRecommendOptions(command)
    .addOption(
      new Option(
        '--whatif <scenario>',
        'also replay a scenario: fail:SERVER[@AT[-UNTIL]], weight:SERVER=W[@AT], crowd:xN[@AT][+SECONDS], add:ADDR[=CAPACITY][@AT] (seconds from the start; repeatable)',
      ).argParser((v: string, prev: string[] = []) => [...prev, v]),
    )
    .action(async (options) => {
      process.exitCode = await runRecommend(options, outputOf(options.output), process.stderr, {
        command: 'recommend',
        report: recommendationText,
      });
    });
}
