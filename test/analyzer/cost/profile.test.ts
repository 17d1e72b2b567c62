/**
 * `--cost-profile FILE`: overrides with their file:line as source, every problem named by
 * file:line:key with the expected type and range, unknown keys refused, and the shipped example
 * loading to exactly the built-in defaults.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  costInputFromWorkload,
  costModes,
  CostProfileError,
  DEFAULT_COST_PROFILE,
  loadCostProfile,
  parseCostProfile,
} from '../../../analyzer/cost/index.js';
import { CONSTANT_KEYS, CONSTANT_SPECS } from '../../../analyzer/cost/profile.js';
import { exampleService } from './support.js';

const EXAMPLE = fileURLToPath(new URL('../../../analyzer/cost-profile.example.yml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lvscope-cost-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function problems(text: string, name = 'p.yml'): string[] {
  try {
    loadCostProfile(write(name, text));
  } catch (error) {
    if (!(error instanceof CostProfileError)) throw error;
    return error.issues.map((i) => `${i.line}: ${i.field}: ${i.message}`);
  }
  throw new Error('expected a CostProfileError');
}

describe('the example profile', () => {
  it('loads, and holds exactly the built-in defaults', () => {
    const profile = loadCostProfile(EXAMPLE);
    expect(profile.origin).toBe(EXAMPLE);
    for (const key of CONSTANT_KEYS) expect(profile[key].value, key).toBe(DEFAULT_COST_PROFILE[key].value);
  });

  it('names every constant, each with a source tag in the comment above it', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    for (const key of CONSTANT_KEYS)
      expect(text, key).toMatch(new RegExp(`^${CONSTANT_SPECS[key].file}: `, 'm'));
    const keys = text.split('\n').filter((l) => /^[a-z_]+:/.test(l)).length;
    expect(keys).toBe(CONSTANT_KEYS.length);
  });

  it('every built-in constant says where it comes from', () => {
    for (const key of CONSTANT_KEYS)
      expect(DEFAULT_COST_PROFILE[key].source, key).toMatch(/^\[(src|code|assumption)/);
  });
});

describe('overrides', () => {
  it('replace the defaults they name, with file:line (and a given source) as their source', () => {
    const file = write(
      'ok.yml',
      'line_rate_gbps: 25\n# a comment\nt_pkt_us: { value: 0.8, source: "perf on lvs1, 1.25 Mpps/core" }\ngre_checksum: true\n',
    );
    const profile = loadCostProfile(file);
    expect(profile.origin).toBe(file);
    expect(profile.lineRateGbps).toEqual({ value: 25, source: `${file}:1` });
    expect(profile.tPktMicroseconds).toEqual({
      value: 0.8,
      source: `perf on lvs1, 1.25 Mpps/core (${file}:3)`,
    });
    expect(profile.greChecksum.value).toBe(true);
    expect(profile.mtu).toEqual(DEFAULT_COST_PROFILE.mtu);
  });

  it('change the figures: t_pkt × 4 makes the per-packet part of the cores × 4', () => {
    const input = costInputFromWorkload(exampleService(), {});
    const base = costModes(input);
    const slow = costModes(input, parseCostProfile('t_pkt_us: 0.68\nt_conn_us: 11.6\n', 'slow.yml'));
    const nat = (r: typeof base) => r.modes.find((m) => m.mode === 'nat')!;
    expect(nat(slow).cores! / nat(base).cores!).toBeCloseTo(4, 12);
    expect(slow.profile).toBe('slow.yml');
    expect(slow.constants.find((c) => c.key === 'tPktMicroseconds')).toEqual({
      key: 'tPktMicroseconds',
      value: 0.68,
      source: 'slow.yml:1',
    });
  });

  it('read JSON too, with its lines', () => {
    const file = write('p.json', '{\n  "lip_count": 4,\n  "mtu": 9000\n}\n');
    expect(loadCostProfile(file).lipCount.value).toBe(4);
    expect(problems('{\n  "lip_count": 4,\n  "mtu": "jumbo"\n}\n', 'bad.json')).toEqual([
      '3: mtu: expected a whole number of bytes, at least 576 and at most 65535; got the text "jumbo"',
    ]);
  });

  it('an empty file keeps every default', () => {
    const profile = loadCostProfile(write('empty.yml', '# nothing yet\n'));
    expect(profile.kernelFactor).toEqual(DEFAULT_COST_PROFILE.kernelFactor);
  });
});

describe('errors name file:line:key, the expected type and range', () => {
  it('a bad type', () => {
    expect(problems('kernel_factor: 5\nt_pkt_us: fast\n')).toEqual([
      '2: t_pkt_us: expected a number of microseconds, more than 0 and at most 1000; got the text "fast"',
    ]);
    expect(problems('gre_checksum: 1\n')).toEqual(['1: gre_checksum: expected true or false; got 1']);
    expect(problems('mtu:\n  - 1500\n')).toEqual([
      '2: mtu: expected a whole number of bytes, at least 576 and at most 65535, or { value, source }; got a list',
    ]);
  });

  it('out of range, not whole, not finite', () => {
    expect(problems('headroom_target: 0.5\nfullnat_overhead: -0.1\nmtu: 1500.5\nt_conn_us: .inf\n')).toEqual([
      '1: headroom_target: expected a factor of at least 1, at least 1 and at most 1000000; got 0.5',
      '2: fullnat_overhead: expected a fraction (0.1 = 10 % more than NAT), at least 0 and at most 10; got -0.1',
      '3: mtu: expected a whole number of bytes, at least 576 and at most 65535; got 1500.5, not a whole number',
      '4: t_conn_us: expected a number of microseconds, more than 0 and at most 100000; got Infinity',
    ]);
    expect(problems('t_pkt_us: 0\n')).toEqual([
      '1: t_pkt_us: expected a number of microseconds, more than 0 and at most 1000; got 0',
    ]);
  });

  it('unknown keys, with the nearest name', () => {
    expect(problems('line_rate_gpbs: 25\nfoo: 1\n')).toEqual([
      '1: line_rate_gpbs: unknown key (did you mean "line_rate_gbps"?)',
      '2: foo: unknown key (see analyzer/cost-profile.example.yml)',
    ]);
    expect(problems('t_pkt_us:\n  value: 0.5\n  sorce: x\n')).toEqual([
      '3: t_pkt_us.sorce: unknown key (a constant takes only value and source)',
    ]);
    expect(problems('t_pkt_us: { source: x }\n')).toEqual(['1: t_pkt_us.value: required: the value']);
  });

  it('non-printable bytes escaped, long values cut', () => {
    const [issue] = problems('"bad\\x01key\\u200b": 1\nmtu: "' + 'x'.repeat(200) + '"\n');
    expect(issue).toBe('1: bad\\x01key\\u{200b}: unknown key (see analyzer/cost-profile.example.yml)');
    const [, long] = problems('"bad\\x01key": 1\nmtu: "' + 'x'.repeat(200) + '"\n');
    expect(long).toBe(
      `2: mtu: expected a whole number of bytes, at least 576 and at most 65535; got the text "${'x'.repeat(40)}…"`,
    );
  });

  it('YAML errors and the wrong shape', () => {
    expect(problems('mtu: 1500\nmtu: 9000\n')[0]).toMatch(/^2: yaml: Map keys must be unique/);
    expect(problems('- 1\n- 2\n')).toEqual(['1: profile: expected a mapping of constant: value']);
  });

  it('every problem at once, the message bounded', () => {
    const text = Array.from({ length: 30 }, (_, i) => `k${i}: 1`).join('\n');
    const file = write('many.yml', text);
    let error: unknown;
    try {
      loadCostProfile(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CostProfileError);
    const e = error as CostProfileError;
    expect(e.issues).toHaveLength(30);
    expect(e.message.split('\n')).toHaveLength(22);
    expect(e.message).toContain(`${file}:1: k0: unknown key`);
    expect(e.message).toMatch(/… and 10 more$/);
  });

  it('a file that cannot be read', () => {
    const missing = join(dir, 'missing.yml');
    expect(() => loadCostProfile(missing)).toThrow(CostProfileError);
    expect(() => loadCostProfile(missing)).toThrow(new RegExp(`${missing}: file: cannot read it: ENOENT`));
  });
});
