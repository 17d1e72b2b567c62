import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, test } from 'vitest';
import { addOptionFlags, resolveOptions } from '../../exporter/core/cli.js';
import { ConfigFileError, loadConfigFile, parseConfig } from '../../exporter/core/config-file.js';
import { type OptionValue, type Options, option } from '../../exporter/core/options.js';
import { influxOptions } from '../../exporter/outputs/influx/options.js';
import { otlpOptions } from '../../exporter/outputs/otlp/options.js';
import { tempDir } from '../support/process.js';

const specs = [
  ...otlpOptions,
  ...influxOptions,
  option({ name: 'collector.ipvs', kind: 'boolean', description: 'IPVS collector', default: true }),
  option({ name: 'collector.ipvs.backend-labels', kind: 'list', description: 'labels', default: ['proto'] }),
];

/** The resolved value of the option this test names by its flag. */
function valueOf(options: Options, name: string): OptionValue {
  const spec = specs.find((s) => s.name === name);
  if (!spec) throw new Error(`no option ${name}`);
  return options.get(spec);
}

const dir = tempDir('config');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problems(text: string): string[] {
  try {
    parseConfig(text, 'lvs.yml', specs);
  } catch (error) {
    if (error instanceof ConfigFileError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected a ConfigFileError');
}

function valueOfFile(text: string, name: string): OptionValue | undefined {
  return parseConfig(text, 'lvs.yml', specs).get(name);
}

describe('YAML config file', () => {
  test('flat option names with every kind of value', () => {
    const values = parseConfig(
      [
        '# lvs-exporter settings',
        'influx.url: http://127.0.0.1:8086',
        'influx.interval: 5000',
        'influx.create-database: false',
        'influx.tags: [site=dc1, rack=r7]',
        'otlp.headers: "authorization=Bearer%20x,x-team=lb"',
        'otlp.protocol: grpc',
        'collector.ipvs: false',
        'collector.ipvs.backend-labels: []',
        '',
      ].join('\n'),
      'lvs.yml',
      specs,
    );
    expect(Object.fromEntries(values)).toEqual({
      'influx.url': 'http://127.0.0.1:8086',
      'influx.interval': 5000,
      'influx.create-database': false,
      'influx.tags': ['site=dc1', 'rack=r7'],
      'otlp.headers': ['authorization=Bearer%20x', 'x-team=lb'],
      'otlp.protocol': 'grpc',
      'collector.ipvs': false,
      'collector.ipvs.backend-labels': [],
    });
  });

  test('an empty file or only comments sets nothing', () => {
    expect(parseConfig('', 'lvs.yml', specs).size).toBe(0);
    expect(parseConfig('# nothing yet\n', 'lvs.yml', specs).size).toBe(0);
  });

  test('every problem is reported with file, line, column, key and why', () => {
    expect(
      problems(
        [
          'influx.urll: http://x',
          'influx.interval: 10s',
          'otlp.protocol: udp',
          'collector.ipvs: yes',
          'influx.tags: [1, 2]',
          'otlp.service-name: 1234',
          'influx.url:',
        ].join('\n'),
      ),
    ).toEqual([
      'lvs.yml:1:1: key "influx.urll": unknown option (did you mean "influx.url"?)',
      'lvs.yml:2:18: key "influx.interval": expected a finite number',
      'lvs.yml:3:16: key "otlp.protocol": must be one of "grpc", "http/protobuf", "http/json"',
      'lvs.yml:4:17: key "collector.ipvs": expected true or false',
      'lvs.yml:5:14: key "influx.tags": expected a list of strings or one comma-separated string',
      'lvs.yml:6:20: key "otlp.service-name": expected a string (quote values that YAML would read as a number, boolean or null)',
      'lvs.yml:7:1: key "influx.url": no value (give one, or remove the line)',
    ]);
  });

  test('YAML syntax errors, duplicate keys and a non-mapping document name the line', () => {
    expect(problems('influx.url: [\n')[0]).toMatch(/^lvs\.yml:2:1: /);
    expect(problems('influx.url: a\ninflux.url: b\n')).toEqual(['lvs.yml:2:1: Map keys must be unique']);
    expect(problems('- influx.url\n')).toEqual([
      'lvs.yml:1:1: the file must be a mapping of option names to values',
    ]);
    expect(problems('? [a]\n: 1\n')).toEqual(['lvs.yml:1:3: option names must be plain strings']);
  });

  test('nested keys are refused with the flat name as the hint', () => {
    expect(problems('"": 1\n')).toEqual(['lvs.yml:1:1: key "": unknown option']);
    // Found by `npm run fuzz`: a 4,097-character URL was taken as a setting.
    expect(problems(`influx.url: ${'a'.repeat(4097)}\n`)).toEqual([
      'lvs.yml:1:13: key "influx.url": longer than 4096 characters',
    ]);
    expect(problems(`influx.tags: [${'a'.repeat(4097)}]\n`)).toEqual([
      'lvs.yml:1:15: key "influx.tags": item 1: an item longer than 4096 characters',
    ]);
    expect(problems('influx:\n  url: http://x\n')).toEqual(['lvs.yml:1:1: key "influx": unknown option']);
    expect(problems('influx.urll:\n')).toEqual([
      'lvs.yml:1:1: key "influx.urll": unknown option (did you mean "influx.url"?)',
    ]);
  });

  // Found by `npm run fuzz`: influx.interval 2^64 was taken, and Node runs a timer beyond 2^31 − 1 ms
  // after 1 ms, so the exporter would have written to InfluxDB in a busy loop.
  test('a number beyond its maximum is refused, naming the maximum', () => {
    expect(problems('influx.interval: 18446744073709551616\n')).toEqual([
      'lvs.yml:1:18: key "influx.interval": at most 2147483647',
    ]);
    expect(problems('influx.batch-size: 1e300\n')).toEqual([
      'lvs.yml:1:20: key "influx.batch-size": at most 9007199254740991',
    ]);
    expect(valueOfFile('influx.interval: 2147483647\n', 'influx.interval')).toBe(2 ** 31 - 1);
  });

  // Found by `npm run fuzz`: otlp.interval -18446744073709551616 was taken from the file (no setting
  // counts below zero; the OTLP reader's own check came later, after the value was in the result).
  test('a negative number is refused, naming the minimum', () => {
    expect(problems('otlp.interval: -18446744073709551616\n')).toEqual([
      'lvs.yml:1:16: key "otlp.interval": at least 0',
    ]);
    expect(problems('influx.batch-size: -0.5\n')).toEqual([
      'lvs.yml:1:20: key "influx.batch-size": at least 0',
    ]);
    // The file takes 0; whether a setting may be 0 is its reader's check, as for a flag.
    expect(valueOfFile('otlp.interval: 0\n', 'otlp.interval')).toBe(0);
  });

  test('a secret value never appears in an error', () => {
    expect(problems('influx.password: [hunter2]\n').join('\n')).not.toContain('hunter2');
  });

  test('a missing file is a ConfigFileError naming the file', () => {
    const path = join(dir, 'missing.yml');
    expect(() => loadConfigFile(path, specs)).toThrow(ConfigFileError);
    expect(() => loadConfigFile(path, specs)).toThrow(
      new RegExp(`^${path}: cannot read the config file: ENOENT`),
    );
  });
});

describe('precedence: flag > config file > environment > default', () => {
  const resolve = (argv: string[], file: string, env: NodeJS.ProcessEnv) => {
    const cmd = new Command().exitOverride();
    addOptionFlags(cmd, specs);
    cmd.parse(argv, { from: 'user' });
    const path = join(dir, 'precedence.yml');
    writeFileSync(path, file);
    return resolveOptions(cmd, specs, loadConfigFile(path, specs), env);
  };

  test('each source in turn', () => {
    const env = {
      OTEL_SERVICE_NAME: 'from-env',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    };
    const options = resolve(
      ['--otlp.service-name', 'from-flag', '--no-collector.ipvs'],
      'otlp.service-name: from-file\notlp.interval: 2000\ncollector.ipvs: true\ninflux.url: http://file:8086\n',
      env,
    );
    expect(valueOf(options, 'otlp.service-name')).toBe('from-flag');
    expect(valueOf(options, 'collector.ipvs')).toBe(false);
    expect(valueOf(options, 'otlp.interval')).toBe(2000);
    expect(valueOf(options, 'otlp.protocol')).toBe('grpc');
    expect(valueOf(options, 'influx.url')).toBe('http://file:8086');
    expect(valueOf(options, 'influx.interval')).toBe(15_000);
  });

  test('a flag or variable outside its bounds is refused, like the file', () => {
    expect(() => resolve(['--influx.interval=1e20'], '', {})).toThrow(
      '--influx.interval is at most 2147483647, got 1e20',
    );
    expect(() => resolve([], '', { OTEL_METRIC_EXPORT_INTERVAL: '4294967296' })).toThrow(
      '--otlp.interval is at most 2147483647, got 4294967296',
    );
    expect(() => resolve(['--influx.interval=-5'], '', {})).toThrow(
      '--influx.interval is at least 0, got -5',
    );
    expect(() => resolve([], '', { OTEL_METRIC_EXPORT_INTERVAL: '-1e20' })).toThrow(
      '--otlp.interval is at least 0, got -1e20',
    );
  });
});
