/**
 * The YAML `--config` file: a flat mapping from option name (the flag without dashes) to value,
 * e.g. `influx.url: http://127.0.0.1:8086`. Flat keys keep the file unambiguous where one option's
 * name is a prefix of another's (`collector.ipvs` and `collector.ipvs.backend-labels`) and let a
 * reader grep the file for the flag they saw in --help. The same zod schema, built from the
 * OptionSpec list, validates the file and produces the published JSON schema.
 */
import { readFileSync } from 'node:fs';
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import type { ConfigLoader } from './cli.js';
import { type OptionSpec, type OptionValue, maxOf, minOf } from './options.js';
import { printable } from '../../common/parse/printable.js';
import { MAX_YAML_FLOW_DEPTH, yamlTooDeep } from '../../common/parse/yaml-depth.js';
import { editDistance } from '../../common/parse/edit-distance.js';

export interface ConfigProblem {
  readonly line?: number;
  readonly column?: number;
  readonly key?: string;
  readonly message: string;
}

/** Every problem found in one config file, each with file, line, key and why. */
export class ConfigFileError extends Error {
  readonly problems: readonly ConfigProblem[];
  constructor(
    readonly file: string,
    problems: readonly ConfigProblem[],
  ) {
    // Keys and messages quote the file: escaped and bounded (issue 12 §3).
    const bounded = problems.map((p) => ({
      ...p,
      message: printable(p.message, 256),
      ...(p.key !== undefined && { key: printable(p.key, 128) }),
    }));
    super(bounded.map((problem) => formatProblem(file, problem)).join('\n'));
    this.problems = bounded;
    this.name = 'ConfigFileError';
  }
}

function formatProblem(file: string, { line, column, key, message }: ConfigProblem): string {
  const where = line === undefined ? file : `${file}:${line}:${column ?? 1}`;
  return key === undefined ? `${where}: ${message}` : `${where}: key "${key}": ${message}`;
}

/** Longest string value taken (a URL, a header list): longer is no setting, and would be logged. */
const MAX_VALUE_CHARS = 4096;

function valueSchema(spec: OptionSpec): z.ZodType<OptionValue> {
  switch (spec.kind) {
    case 'string':
      if (spec.choices) {
        const choices = spec.choices.map((choice) => JSON.stringify(choice)).join(', ');
        return z.enum(spec.choices as [string, ...string[]], { error: `must be one of ${choices}` });
      }
      return z
        .string({
          error: 'expected a string (quote values that YAML would read as a number, boolean or null)',
        })
        .max(MAX_VALUE_CHARS, { error: `longer than ${MAX_VALUE_CHARS} characters` });
    case 'number':
      return z
        .number({ error: 'expected a finite number' })
        .min(minOf(spec), { error: `at least ${minOf(spec)}` })
        .max(maxOf(spec), { error: `at most ${maxOf(spec)}` });
    case 'boolean':
      return z.boolean({ error: 'expected true or false' });
    case 'list':
      return z.union(
        [
          z.array(
            z
              .string({ error: 'every item must be a string' })
              .max(MAX_VALUE_CHARS, { error: `an item longer than ${MAX_VALUE_CHARS} characters` }),
          ),
          z
            .string()
            .max(MAX_VALUE_CHARS, { error: `longer than ${MAX_VALUE_CHARS} characters` })
            .transform((raw) => (raw === '' ? [] : raw.split(',').map((item) => item.trim()))),
        ],
        { error: 'expected a list of strings or one comma-separated string' },
      );
  }
}

function describe(spec: OptionSpec): string {
  const env = spec.env === undefined ? '' : ` Environment: ${spec.env}.`;
  return `${spec.description}${env}`;
}

/** Built once per option list: a zod schema costs more to build (and compile) than a parse. */
const schemas = new WeakMap<readonly OptionSpec[], ReturnType<typeof buildConfigSchema>>();

/** The config file's schema: every option optional, unknown keys rejected. */
function configSchema(specs: readonly OptionSpec[]) {
  let schema = schemas.get(specs);
  if (schema === undefined) schemas.set(specs, (schema = buildConfigSchema(specs)));
  return schema;
}

function buildConfigSchema(specs: readonly OptionSpec[]) {
  const shape: Record<string, z.ZodOptional<z.ZodType<OptionValue>>> = {};
  for (const spec of specs) {
    shape[spec.name] = valueSchema(spec)
      .meta({ description: describe(spec) })
      .optional();
  }
  return z.strictObject(shape);
}

/** JSON Schema (draft 2020-12) for editors; secrets carry no default. */
export function configJsonSchema(specs: readonly OptionSpec[]): Record<string, unknown> {
  const generated = z.toJSONSchema(configSchema(specs), { io: 'input' });
  // Defaults are set here rather than as zod metadata, which the list options' transform loses.
  const properties = generated.properties as Record<string, Record<string, unknown>>;
  for (const spec of specs) {
    const property = properties[spec.name];
    if (property && !spec.secret) property.default = spec.default;
  }
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: 'lvs-exporter configuration',
    description:
      'YAML file given to lvs-exporter --config: option names exactly as the flags, without the leading dashes. Flags override the file, the file overrides environment variables.',
    ...rest,
  };
}

function suggestion(key: string, specs: readonly OptionSpec[]): string {
  let best: { name: string; distance: number } | undefined;
  for (const { name } of specs) {
    const distance = editDistance(key, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 4))
    ? ` (did you mean "${best.name}"?)`
    : '';
}

/**
 * Parses and validates config text; `file` only names the source in errors. Returns the values the
 * file sets, keyed by option name, or throws a ConfigFileError listing every problem.
 */
export function parseConfig(
  text: string,
  file: string,
  specs: readonly OptionSpec[],
): Map<string, OptionValue> {
  const deep = yamlTooDeep(text);
  if (deep !== undefined) {
    const message = `collections nested deeper than ${MAX_YAML_FLOW_DEPTH} levels`;
    throw new ConfigFileError(file, [{ line: deep, message }]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = (node: YamlNode | null | undefined): Pick<ConfigProblem, 'line' | 'column'> => {
    if (!node?.range) return {};
    const { line, col } = lineCounter.linePos(node.range[0]);
    return { line, column: col };
  };

  if (doc.errors.length > 0) {
    throw new ConfigFileError(
      file,
      doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { line, column: col, message: error.message.split('\n')[0] ?? '' };
      }),
    );
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return new Map();
  if (!isMap(doc.contents)) {
    throw new ConfigFileError(file, [
      { ...at(doc.contents), message: 'the file must be a mapping of option names to values' },
    ]);
  }

  const keyNodes = new Map<string, YamlNode>();
  const raw: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const pair of doc.contents.items) {
    if (isScalar(pair.key) && typeof pair.key.value === 'string') {
      const key = pair.key.value;
      keyNodes.set(key, pair.key);
      const value: unknown = isNode(pair.value) ? pair.value.toJS(doc) : null;
      if (value === null && specs.some((spec) => spec.name === key)) {
        problems.push({ ...at(pair.key), key, message: 'no value (give one, or remove the line)' });
      } else {
        raw[key] = value;
      }
    } else {
      problems.push({ ...at(pair.key), message: 'option names must be plain strings' });
    }
  }

  const parsed = configSchema(specs).safeParse(raw);
  if (parsed.success && problems.length === 0) {
    const values = new Map<string, OptionValue>();
    for (const [name, value] of Object.entries(parsed.data)) {
      if (value !== undefined) values.set(name, value);
    }
    return values;
  }
  for (const issue of parsed.error?.issues ?? []) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ ...at(keyNodes.get(key)), key, message: `unknown option${suggestion(key, specs)}` });
      }
      continue;
    }
    const key = String(issue.path[0]);
    const valueNode = doc.getIn(issue.path, true) as YamlNode | undefined;
    const item = issue.path.length > 1 ? `item ${Number(issue.path[1]) + 1}: ` : '';
    problems.push({ ...at(valueNode ?? keyNodes.get(key)), key, message: item + issue.message });
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  throw new ConfigFileError(file, problems);
}

/** The `--config FILE` loader handed to resolveOptions (see cli.ts). */
export const loadConfigFile: ConfigLoader = (path, specs) => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigFileError(path, [{ message: `cannot read the config file: ${reason}` }]);
  }
  return parseConfig(text, path, specs);
};
