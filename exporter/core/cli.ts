import { Command, InvalidArgumentError, Option } from 'commander';
import { type OptionSpec, type OptionValue, Options } from './options.js';

/** Values read from a config file, keyed by option name; `origin` names file and key for errors. */
export type ConfigLoader = (path: string, specs: readonly OptionSpec[]) => Map<string, OptionValue>;

function parseNumber(name: string) {
  return (raw: string): number => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) {
      throw new InvalidArgumentError(`--${name} wants a number, got "${raw}"`);
    }
    return value;
  };
}

function parseList(raw: string): string[] {
  return raw === '' ? [] : raw.split(',').map((item) => item.trim());
}

function envValue(spec: OptionSpec, raw: string): OptionValue {
  switch (spec.kind) {
    case 'boolean':
      if (!/^(true|false|1|0)$/i.test(raw)) throw new Error(`${spec.env} wants true or false, got "${raw}"`);
      return /^(true|1)$/i.test(raw);
    case 'number':
      return parseNumber(spec.name)(raw);
    case 'list':
      return parseList(raw);
    case 'string':
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new Error(`${spec.env} must be one of ${spec.choices.join(', ')}, got "${raw}"`);
      }
      return raw;
  }
}

/** Adds one flag per spec to `cmd` (booleans get a --no- form), without defaults so we can tell what was set. */
export function addOptionFlags(cmd: Command, specs: readonly OptionSpec[]): void {
  for (const spec of specs) {
    const described = `${spec.description} (default: ${JSON.stringify(spec.secret ? '<secret>' : spec.default)})`;
    if (spec.kind === 'boolean') {
      cmd.addOption(new Option(`--${spec.name}`, described));
      cmd.addOption(new Option(`--no-${spec.name}`, `disable --${spec.name}`));
      continue;
    }
    const flag = new Option(`--${spec.name} <value>`, described);
    if (spec.kind === 'number') flag.argParser(parseNumber(spec.name));
    if (spec.kind === 'list') flag.argParser(parseList);
    if (spec.choices) flag.choices(spec.choices);
    cmd.addOption(flag);
  }
}

/**
 * Resolves every spec: flag > config file > environment > default. `configValues` come from the
 * file named by --config, already validated by the loader.
 */
export function resolveOptions(
  cmd: Command,
  specs: readonly OptionSpec[],
  configValues: ReadonlyMap<string, OptionValue> = new Map(),
  env: NodeJS.ProcessEnv = process.env,
): Options {
  const values = new Map<string, OptionValue>();
  for (const spec of specs) {
    const key = new Option(`--${spec.name}`).attributeName();
    const fromFlag =
      cmd.getOptionValueSource(key) === 'cli' ? (cmd.getOptionValue(key) as OptionValue) : undefined;
    const fromEnv =
      spec.env !== undefined && env[spec.env] !== undefined ? envValue(spec, env[spec.env] ?? '') : undefined;
    const value = fromFlag ?? configValues.get(spec.name) ?? fromEnv;
    if (value !== undefined) values.set(spec.name, value);
  }
  return new Options(values);
}
