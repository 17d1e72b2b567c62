/**
 * What lvs-exporter's modules declare and yield, in-process: every option (for the config
 * schema), and one collection with the exporter's own flags through the same modules, option
 * resolution and single-flight collector, without serving anything (for the tests that compare
 * what a collection yields with the catalog and with what the sinks received).
 */
import { Command } from 'commander';
import { addOptionFlags, resolveOptions } from '../core/cli.js';
import { SingleFlightCollector } from '../core/collector.js';
import type { MetricFamily } from '../../common/metrics/family.js';
import { createLogger } from '../core/log.js';
import type { OptionSpec } from '../core/options.js';
import { modules } from '../modules.js';

/** Every option of every module: what flags, the config file and its JSON schema accept. */
export function exporterOptionSpecs(): OptionSpec[] {
  return modules.flatMap((module) => module.options);
}

export async function collectFamilies(argv: readonly string[]): Promise<MetricFamily[]> {
  const specs = exporterOptionSpecs();
  const command = new Command().exitOverride().allowExcessArguments(false);
  addOptionFlags(command, specs);
  command.parse(argv, { from: 'user' });
  const options = resolveOptions(command, specs);
  const sources = modules.flatMap((module) => module.sources?.(options) ?? []);
  const collector = new SingleFlightCollector(sources, { timeoutMs: 30_000, log: createLogger('error') });
  const snapshot = await collector.collect();
  return modules.flatMap((module) => module.families?.(snapshot, options) ?? []);
}
