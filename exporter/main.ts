#!/usr/bin/env node
/**
 * lvs-exporter: builds every module's flags, resolves the settings (flag > config file >
 * environment > default), creates the sources and the single-flight collector, then either prints
 * one exposition (--once) or starts every module until SIGINT/SIGTERM.
 */
import { Command, CommanderError } from 'commander';
import { quietOnBrokenPipe } from '../common/io/std-streams.js';
import { TextOutput } from '../common/io/text-output.js';
import { addOptionFlags, resolveOptions } from './core/cli.js';
import { SingleFlightCollector } from './core/collector.js';
import { loadConfigFile } from './core/config-file.js';
import type { MetricFamily } from '../common/metrics/family.js';
import { type LogLevel, type Logger, createLogger } from './core/log.js';
import type { RuntimeContext } from './core/module.js';
import type { OptionSpec, OptionValue, Options } from './core/options.js';
import type { Snapshot } from '../common/snapshot.js';
import { modules } from './modules.js';
import { writeExposition } from './outputs/prometheus/render.js';
import { COLLECTOR_TIMEOUT, LOG_LEVEL } from './self/module.js';
import { VERSION } from '../common/package.js';

function allSpecs(): OptionSpec[] {
  const specs = modules.flatMap((module) => module.options);
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.name)) throw new Error(`option --${spec.name} is declared by two modules`);
    seen.add(spec.name);
  }
  return specs;
}

function buildCommand(specs: readonly OptionSpec[]): Command {
  const command = new Command('lvs-exporter')
    .description('Prometheus exporter for IPVS (LVS) directors and keepalived, node_exporter compatible.')
    .version(VERSION)
    .option('--config <file>', 'YAML file with option values (flags take precedence)')
    .option('--once', 'collect once, print the Prometheus exposition to stdout and exit')
    .allowExcessArguments(false)
    .exitOverride();
  addOptionFlags(command, specs);
  return command;
}

/** Values from the --config YAML file (validated: errors name file, line, key and why). */
function configValues(
  file: string | undefined,
  specs: readonly OptionSpec[],
): ReadonlyMap<string, OptionValue> {
  return file === undefined ? new Map() : loadConfigFile(file, specs);
}

/**
 * Streams the exposition to stdout family by family, so memory holds one family at a time; a
 * reader that stops early (`| head`) ends it quietly. Resolves to the exit status.
 */
async function printExposition(list: readonly MetricFamily[], log: Logger): Promise<number> {
  const output = new TextOutput(process.stdout);
  await writeExposition(list, (chunk) => output.write(chunk));
  try {
    await output.end();
    return 0;
  } catch (error) {
    log.error('cannot write the exposition', { error });
    return 1;
  }
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function serve(ctx: RuntimeContext): Promise<number> {
  // Listen for the signal before the modules start: the endpoint says it listens before the
  // later modules are up, and a SIGTERM in between must still stop the exporter cleanly.
  const stopSignal = waitForSignal();
  const stoppers: (() => Promise<void>)[] = [];
  try {
    for (const module of modules) {
      if (module.start) stoppers.push(await module.start(ctx));
    }
  } catch (error) {
    ctx.log.error('could not start', { error });
    await Promise.allSettled(stoppers.map((stop) => stop()));
    return 1;
  }
  const signal = await stopSignal;
  ctx.log.info('stopping', { signal });
  const results = await Promise.allSettled(stoppers.map((stop) => stop()));
  for (const result of results) {
    if (result.status === 'rejected') ctx.log.error('could not stop cleanly', { error: result.reason });
  }
  return 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  const specs = allSpecs();
  const command = buildCommand(specs);
  let options: Options;
  try {
    command.parse(argv);
    options = resolveOptions(command, specs, configValues(command.opts<{ config?: string }>().config, specs));
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`lvs-exporter: ${(error as Error).message}\n`);
    return 2;
  }
  const log = createLogger(options.get(LOG_LEVEL) as LogLevel);
  let collector: SingleFlightCollector;
  try {
    const sources = modules.flatMap((module) => module.sources?.(options) ?? []);
    collector = new SingleFlightCollector(sources, {
      timeoutMs: options.get(COLLECTOR_TIMEOUT) * 1000,
      log,
    });
  } catch (error) {
    log.error('invalid settings', { error });
    return 1;
  }
  const families = (snapshot: Snapshot): MetricFamily[] =>
    modules.flatMap((module) => module.families?.(snapshot, options) ?? []);

  if (command.opts<{ once?: boolean }>().once) {
    return printExposition(families(await collector.collect()), log);
  }
  log.info('starting lvs-exporter', { version: VERSION });
  return serve({ options, collector, families, log });
}

quietOnBrokenPipe();
process.exitCode = await main(process.argv);
