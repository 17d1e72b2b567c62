/**
 * The flag parser every module's options go through: a list flag given twice collects both, any
 * other flag given twice is a usage error (exit 2) naming both values, and --help never shows a
 * secret's value or placeholder.
 */
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { UsageError, addOptionFlags, resolveOptions } from '../../../exporter/core/cli.js';
import { option } from '../../../exporter/core/options.js';
import { run } from '../../support/process.js';
import { EXPORTER, T1 } from '../helpers.js';

const NAME = option({ name: 'x.name', kind: 'string', default: 'n', description: 'a name' });
const COUNT = option({ name: 'x.count', kind: 'number', default: 1, description: 'a count' });
const ON = option({ name: 'x.on', kind: 'boolean', default: false, description: 'a switch' });
const ITEMS = option({
  name: 'x.items',
  kind: 'list',
  default: [],
  description: 'some items',
  env: 'X_ITEMS',
});
const MODE = option({
  name: 'x.mode',
  kind: 'string',
  default: 'a',
  choices: ['a', 'b'],
  description: 'a mode',
});
const TOKEN = option({
  name: 'x.token',
  kind: 'string',
  default: 'default-token',
  description: 'a token',
  secret: true,
});
const SPECS = [NAME, COUNT, ON, ITEMS, MODE, TOKEN];

function parse(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const command = new Command('t')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  addOptionFlags(command, SPECS);
  command.parse(['node', 't', ...args]);
  return resolveOptions(command, SPECS, new Map(), env);
}

function usageError(args: readonly string[]): string {
  try {
    parse(args);
  } catch (error) {
    if (error instanceof UsageError || error instanceof CommanderError) return error.message;
    throw error;
  }
  throw new Error('parsed');
}

describe('addOptionFlags', () => {
  it('reads every kind, flags over environment over defaults', () => {
    const options = parse(['--x.name=web', '--x.count', '3', '--x.on', '--x.items=a, b', '--x.mode=b'], {
      X_ITEMS: 'env',
    });
    expect([
      options.get(NAME),
      options.get(COUNT),
      options.get(ON),
      options.get(ITEMS),
      options.get(MODE),
    ]).toEqual(['web', 3, true, ['a', 'b'], 'b']);
    expect(parse([], { X_ITEMS: 'e1,e2' }).get(ITEMS)).toEqual(['e1', 'e2']);
    expect(parse([]).get(COUNT)).toBe(1);
  });

  it('collects a list flag given several times, in order', () => {
    expect(parse(['--x.items=a', '--x.items', 'b,c', '--x.items=d']).get(ITEMS)).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
  });

  it('refuses any other flag given twice, naming both values', () => {
    expect(usageError(['--x.name=a', '--x.name=b'])).toBe(
      '--x.name given more than once (--x.name=a and --x.name=b): give it once',
    );
    expect(usageError(['--x.count=1', '--x.count=1'])).toContain('--x.count given more than once');
    expect(usageError(['--x.on', '--no-x.on'])).toBe(
      '--x.on given more than once (--x.on and --no-x.on): give it once',
    );
    // A secret's values are not repeated back.
    const secret = usageError(['--x.token=hunter2', '--x.token=hunter3']);
    expect(secret).toBe('--x.token given more than once (--x.token and --x.token): give it once');
  });

  it('refuses bad numbers and choices with the flag named and the value escaped', () => {
    expect(usageError(['--x.count=ten'])).toContain('--x.count wants a number, got "ten"');
    expect(usageError(['--x.count=\u001b[2J'])).toContain('got "\\u001b[2J"');
    let written = '';
    const command = new Command('t')
      .exitOverride()
      .configureOutput({ writeErr: (text) => (written += text) });
    addOptionFlags(command, SPECS);
    expect(() => command.parse(['node', 't', '--x.count=\u0007\u001b[2J'])).toThrow(CommanderError);
    expect(written.includes('\u0007') || written.includes('\u001b')).toBe(false);
    expect(written).toContain('\\u0007\\u001b[2J');
    expect(usageError(['--x.mode=c'])).toContain('Allowed choices are a, b.');
  });

  it('shows defaults in --help, but never a secret or a placeholder for it', () => {
    const command = new Command('t');
    addOptionFlags(command, SPECS);
    const help = command.helpInformation();
    expect(help).toContain('a count (default: 1)');
    expect(help).toContain('a token (secret: never logged or shown; unset by default)');
    expect(help).not.toContain('default-token');
    expect(help).not.toContain('<secret>');
  });
});

describe('lvs-exporter command line', () => {
  it('exits 2 with one clear line for a flag given twice, and collects list flags', async () => {
    const twice = await run(
      process.execPath,
      [EXPORTER, '--web.max-requests=4', '--web.max-requests=8', '--once'],
      { timeoutMs: 15_000 },
    );
    expect(twice.code).toBe(2);
    expect(twice.stderr).toBe(
      'lvs-exporter: --web.max-requests given more than once (--web.max-requests=4 and --web.max-requests=8): give it once\n',
    );
    const lists = await run(
      process.execPath,
      [
        EXPORTER,
        `--path.procfs=${T1}`,
        '--no-collector.ipvs.ipvsadm',
        '--keepalived.vips=192.0.2.1',
        '--keepalived.vips=192.0.2.2',
        '--once',
      ],
      { timeoutMs: 15_000 },
    );
    expect(lists.code).toBe(0);
  });

  it('keeps secrets out of --help', async () => {
    const help = await run(process.execPath, [EXPORTER, '--help'], { timeoutMs: 15_000 });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--otlp\.headers <value>[\s\S]*secret: never logged or shown/);
    expect(help.stdout).not.toContain('<secret>');
    expect(help.stdout).toContain('--web.max-requests <value>');
    expect(help.stdout).toContain('--web.config.file <value>');
  });
});
