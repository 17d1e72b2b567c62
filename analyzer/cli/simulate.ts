import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { TextOutput } from '../../common/io/text-output.js';
import { DEFAULT_SETTINGS } from '../kernel/director.js';
import type { DirectorSettings } from '../kernel/director.js';
import { openTrace, readTrace } from '../inputs/trace/read.js';
import { formatIssue } from '../../common/parse/issue.js';
import type { OutputFormat } from '../report/simulate.js';
import { csvWriter, jsonWriter } from '../report/simulate.js';
import { Replay } from '../replay/trace-replay.js';

function integer(name: string, min: number, max: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      throw new InvalidArgumentError(`--${name} wants an integer from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
}

export interface SimulateOptions {
  readonly trace: string;
  readonly format: OutputFormat;
  readonly settings: DirectorSettings;
}

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Replays `options.trace` and writes the rows to `out`; problems go to `err`. Resolves to the
 * exit status: 0; 1 when some trace lines could not be parsed (the rest was simulated); 2 when
 * the trace could not be read or the output not written. A reader that stops early (`| head`)
 * ends the replay quietly, with the status of the lines read so far.
 */
export async function runSimulate(options: SimulateOptions, out: TextOutput, err: Writable): Promise<number> {
  let status: number;
  try {
    status = await simulate(options, out, err);
  } catch (e) {
    err.write(`lvs-analyze simulate: cannot read trace "${options.trace}": ${reason(e)}\n`);
    return 2;
  }
  try {
    await out.end();
  } catch (e) {
    err.write(`lvs-analyze simulate: cannot write the output: ${reason(e)}\n`);
    return 2;
  }
  return status;
}

/** Rows are gathered into writes of about this size: one write per row costs more than the simulation. */
const WRITE_SIZE = 65536;

async function simulate(options: SimulateOptions, out: TextOutput, err: Writable): Promise<number> {
  const input = await openTrace(options.trace);
  const replay = new Replay(options.settings);
  let pending = '';
  const collect = (text: string): void => {
    pending += text;
  };
  const writer = options.format === 'json' ? jsonWriter(collect) : csvWriter(collect);
  const flush = async (): Promise<void> => {
    await out.write(pending);
    pending = '';
  };
  let badLines = 0;
  writer.begin();
  for await (const batch of readTrace(input, options.trace)) {
    for (const record of batch) {
      if (!record.ok) {
        badLines++;
        err.write(`${formatIssue(record.error)}\n`);
        continue;
      }
      const row = replay.feed(record.line);
      if (row !== null) writer.row(row);
    }
    if (pending.length >= WRITE_SIZE) await flush();
    if (!out.open) return badLines > 0 ? 1 : 0;
  }
  for (const w of replay.warnings) err.write(`${options.trace}:${w.line}: ${w.message}\n`);
  writer.end(replay.counters(), replay.warnings);
  await flush();
  return badLines > 0 ? 1 : 0;
}

export function simulateCommand(): Command {
  return new Command('simulate')
    .description(
      'Replay a trace (ipvsadm lines + client events) on a model of the Linux 6.1 IPVS core and print, for every new connection, the real server the kernel would pick.',
    )
    .requiredOption('--trace <file>', 'trace file ("-" for standard input)')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['csv', 'json'] as const)
        .default('csv' as const),
    )
    .option('--output <file>', 'write the result here instead of standard output')
    .option(
      '--conn-reuse-mode <n>',
      'net.ipv4.vs.conn_reuse_mode at the start',
      integer('conn-reuse-mode', 0, 3),
      1,
    )
    .option('--expire-quiescent-template', 'net.ipv4.vs.expire_quiescent_template = 1 at the start', false)
    .addOption(
      new Option(
        '--hash <variant>',
        'sh/dh/lblc/lblcr hash: hash32 (Linux ≥ 4.7/5.x, 6.1) or legacy (older kernels)',
      )
        .choices(['hash32', 'legacy'] as const)
        .default('hash32' as const),
    )
    .option(
      '--lblc-expiration <s>',
      'net.ipv4.vs.lblc_expiration in seconds at the start',
      integer('lblc-expiration', 1, 2 ** 31 / 1000),
      86400,
    )
    .option(
      '--lblcr-expiration <s>',
      'net.ipv4.vs.lblcr_expiration in seconds at the start',
      integer('lblcr-expiration', 1, 2 ** 31 / 1000),
      86400,
    )
    .option(
      '--seed <n>',
      'seed of the random draws of twos',
      integer('seed', 0, 0xffffffff),
      DEFAULT_SETTINGS.seed,
    )
    .addHelpText(
      'after',
      '\nThe sysctl flags set the starting values; a "sysctl -w net.ipv4.vs.NAME=VALUE" line in the trace\noverrides them from its time on.',
    )
    .action(async (opts) => {
      const settings: DirectorSettings = {
        connReuseMode: opts.connReuseMode,
        expireQuiescentTemplate: opts.expireQuiescentTemplate,
        hashVariant: opts.hash,
        lblcExpirationMs: opts.lblcExpiration * 1000,
        lblcrExpirationMs: opts.lblcrExpiration * 1000,
        seed: opts.seed,
      };
      const out =
        opts.output === undefined
          ? new TextOutput(process.stdout)
          : new TextOutput(createWriteStream(opts.output), true);
      process.exitCode = await runSimulate(
        { trace: opts.trace, format: opts.format, settings },
        out,
        process.stderr,
      );
    });
}
