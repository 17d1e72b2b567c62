/**
 * One collection with lvs-exporter's own flags, for the documentation tools: the same modules,
 * option resolution and single-flight collector as the exporter, without serving anything.
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
