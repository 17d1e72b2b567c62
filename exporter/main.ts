#!/usr/bin/env node
/**
 * lvs-exporter: builds every module's flags, resolves the settings (flag > config file >
 * environment > default), creates the sources and the single-flight collector, then either prints
 * one exposition (--once) or starts every module until SIGINT/SIGTERM.
 *
 * Exit status (the same scheme as lvs-analyze): 0 success; 1 a runtime failure (the endpoint
 * cannot listen, the exposition cannot be written); 2 a usage or configuration error (unknown
 * flag, bad value, bad --config or --web.config.file, a --path.procfs without net/), found
 * before anything listens or is collected.
 */
import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { killRunningPrograms } from '../common/io/run-program.js';
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
import { PROCFS } from './core/paths.js';
import { parseListenAddress } from './outputs/prometheus/listen-address.js';
import { loadWebConfig } from './outputs/prometheus/web-config-source.js';
import { WEB_CONFIG_FILE, WEB_LISTEN_ADDRESS } from './outputs/prometheus/web-options.js';
import { otlpConfig } from './outputs/otlp/options.js';
import { influxConfig } from './outputs/influx/options.js';
import { captureConfig } from './outputs/capture/options.js';
import { VERSION } from '../common/package.js';

const EXIT_RUNTIME = 1;
const EXIT_USAGE = 2;

/** A procfs root that is missing, or holds no net/, is a wrong path, not "ip_vs not loaded". */
function checkProcfs(root: string): void {
  const isDir = (path: string): boolean => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  };
  if (!isDir(root)) throw new Error(`--path.procfs ${root}: no such directory`);
  if (!isDir(join(root, 'net'))) throw new Error(`--path.procfs ${root}: holds no net/ (not a procfs?)`);
}

/**
 * Every setting the modules would only check when they start (endpoint, web config, sinks), checked
 * now: a mistake is a start-up error (exit 2) before the endpoint listens, and in --once too.
 */
function checkSettings(options: Options): void {
  checkProcfs(options.get(PROCFS));
  parseListenAddress(options.get(WEB_LISTEN_ADDRESS));
  const webConfig = options.get(WEB_CONFIG_FILE);
  if (webConfig !== '') loadWebConfig(webConfig);
  otlpConfig(options);
  influxConfig(options, hostname());
  captureConfig(options);
}

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
    return EXIT_RUNTIME;
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
    killRunningPrograms();
    return EXIT_RUNTIME;
  }
  const signal = await stopSignal;
  ctx.log.info('stopping', { signal });
  // A helper still running (an ipvsadm that hangs) must not keep the process alive.
  killRunningPrograms();
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
    // --help and --version end here with 0; every other commander error is a usage error.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    process.stderr.write(`lvs-exporter: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }
  const log = createLogger(options.get(LOG_LEVEL) as LogLevel);
  let collector: SingleFlightCollector;
  try {
    checkSettings(options);
    const sources = modules.flatMap((module) => module.sources?.(options) ?? []);
    collector = new SingleFlightCollector(sources, {
      timeoutMs: options.get(COLLECTOR_TIMEOUT) * 1000,
      log,
    });
  } catch (error) {
    log.error('invalid settings', { error });
    return EXIT_USAGE;
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
