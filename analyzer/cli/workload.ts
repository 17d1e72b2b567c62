/**
 * `lvs-analyze workload --pool NAME`: the pool's workload model fitted from its history, with
 * the evidence behind each number. Exit 0; 1 when the history could not be read; 2 for usage
 * errors (an unknown pool, a bad flag).
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { Command, Option } from '@commander-js/extra-typings';
import { TextOutput } from '../../common/io/text-output.js';
import { FollowError } from '../inputs/history/follow.js';
import { workloadJson, workloadText } from '../report/workload.js';
import { fitWorkload } from '../workload/fit.js';
import { type HistoryFlags, UsageError, addHistoryOptions, loadPoolHistory } from './inputs.js';

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export async function runWorkload(
  flags: HistoryFlags & { readonly format: 'text' | 'json' },
  out: TextOutput,
  err: Writable,
): Promise<number> {
  let text: string;
  try {
    const loaded = await loadPoolHistory(flags);
    const model = fitWorkload(loaded.history, loaded.pool.name, loaded.pool);
    text =
      flags.format === 'json'
        ? workloadJson(model)
        : workloadText(model, loaded.resolvedHow, loaded.warnings);
  } catch (e) {
    err.write(`lvs-analyze workload: ${reason(e)}\n`);
    return e instanceof UsageError || e instanceof FollowError ? 2 : 1;
  }
  try {
    await out.write(text);
    await out.end();
  } catch (e) {
    err.write(`lvs-analyze workload: cannot write the output: ${reason(e)}\n`);
    return 1;
  }
  return 0;
}

export function workloadCommand(): Command {
  const command = new Command('workload')
    .description(
      "Fit the pool's workload model (arrivals, lifetimes, capacity evidence, client mix) from recorded history.",
    )
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['text', 'json'] as const)
        .default('text' as const),
    )
    .option('--output <file>', 'write to this file instead of standard output');
  addHistoryOptions(command);
  return command.action(async (options) => {
    const out =
      options.output === undefined
        ? new TextOutput(process.stdout)
        : new TextOutput(createWriteStream(options.output), true);
    process.exitCode = await runWorkload(options, out, process.stderr);
  });
}
