import { Command, InvalidArgumentError, Option } from 'commander';
import { printable } from './log.js';
import { type OptionSpec, type OptionValue, Options, maxOf, minOf } from './options.js';

/** Values read from a config file, keyed by option name; `origin` names file and key for errors. */
export type ConfigLoader = (path: string, specs: readonly OptionSpec[]) => Map<string, OptionValue>;

function parseNumber(spec: OptionSpec) {
  return (raw: string): number => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) {
      throw new InvalidArgumentError(`--${spec.name} wants a number, got "${printable(raw, 200)}"`);
    }
    if (value < minOf(spec))
      throw new InvalidArgumentError(`--${spec.name} is at least ${minOf(spec)}, got ${printable(raw, 200)}`);
    if (value > maxOf(spec))
      throw new InvalidArgumentError(`--${spec.name} is at most ${maxOf(spec)}, got ${printable(raw, 200)}`);
    return value;
  };
}

function parseList(raw: string): string[] {
  return raw === '' ? [] : raw.split(',').map((item) => item.trim());
}

function envValue(spec: OptionSpec, raw: string): OptionValue {
  switch (spec.kind) {
    case 'boolean':
      if (!/^(true|false|1|0)$/i.test(raw))
        throw new Error(`${spec.env} wants true or false, got "${printable(raw, 200)}"`);
      return /^(true|1)$/i.test(raw);
    case 'number':
      return parseNumber(spec)(raw);
    case 'list':
      return parseList(raw);
    case 'string':
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new Error(
          `${spec.env} must be one of ${spec.choices.join(', ')}, got "${printable(raw, 200)}"`,
        );
      }
      return raw;
  }
}

/** A usage error found while reading the command line (exit status 2, like commander's own). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What --help shows after a flag's description: its default, never a secret's value. */
function defaultText(spec: OptionSpec): string {
  if (spec.secret) return '(secret: never logged or shown; unset by default)';
  return `(default: ${JSON.stringify(spec.default)})`;
}

/**
 * Adds one flag per spec to `cmd` (booleans get a --no- form), without defaults so we can tell what
 * was set. A list flag given several times collects every value (`--keepalived.daemons=a
 * --keepalived.daemons=b` is both daemons); any other flag given twice is a usage error rather
 * than a silent "last one wins".
 */
export function addOptionFlags(cmd: Command, specs: readonly OptionSpec[]): void {
  // Commander quotes a bad argument as given in its own error line: escape what a terminal would act on.
  cmd.configureOutput({
    outputError: (text, write) =>
      write(
        text
          .split('\n')
          .map((line) => printable(line, 1000))
          .join('\n'),
      ),
  });
  for (const spec of specs) {
    const described = `${spec.description} ${defaultText(spec)}`;
    if (spec.kind === 'boolean') {
      cmd.addOption(new Option(`--${spec.name}`, described));
      cmd.addOption(new Option(`--no-${spec.name}`, `disable --${spec.name}`));
    } else {
      const flag = new Option(`--${spec.name} <value>`, described);
      const parse =
        spec.kind === 'number'
          ? parseNumber(spec)
          : spec.kind === 'list'
            ? parseList
            : (raw: string): string => raw;
      // choices() lists them in --help and installs commander's own parser; ours replaces that
      // parser and checks the choices itself.
      if (spec.choices) flag.choices(spec.choices);
      flag.argParser((raw: string, previous: unknown) => {
        const value = parse(raw);
        if (spec.choices && typeof value === 'string' && !spec.choices.includes(value)) {
          throw new InvalidArgumentError(`Allowed choices are ${spec.choices.join(', ')}.`);
        }
        if (spec.kind === 'list' && Array.isArray(previous) && Array.isArray(value)) {
          return [...(previous as string[]), ...value];
        }
        return value;
      });
      cmd.addOption(flag);
    }
    if (spec.kind === 'list') continue;
    let given: string | undefined;
    const once = (shown: string) => {
      if (given !== undefined) {
        throw new UsageError(`--${spec.name} given more than once (${given} and ${shown}): give it once`);
      }
      given = shown;
    };
    cmd.on(`option:${spec.name}`, (value: unknown) =>
      once(
        spec.kind === 'boolean' || spec.secret
          ? `--${spec.name}`
          : `--${spec.name}=${printable(String(value), 200)}`,
      ),
    );
    if (spec.kind === 'boolean') cmd.on(`option:no-${spec.name}`, () => once(`--no-${spec.name}`));
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
