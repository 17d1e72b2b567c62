/** The capture format's pieces: CRC-framed lines, the address codec, and diff/patch. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type JsonValue,
  applyPatch,
  decodeLine,
  diff,
  encodeLine,
  fromPlain,
  toPlain,
} from '../../../common/capture/format.js';
import { ConnTableSummarizer } from '../../../common/ipvs/parse-ip-vs-conn.js';
import { parseIpVs } from '../../../common/ipvs/parse-ip-vs.js';
import { parseIpvsadmStats } from '../../../common/ipvs/parse-ipvsadm.js';
import { SNAPSHOT_VERSION, type Snapshot } from '../../../common/snapshot.js';

const MYSQL = join(import.meta.dirname, '../../../fixtures/procfs/mysql');

/** A snapshot of the bundled MySQL pool capture, as the exporter's sources build it. */
function mysqlSnapshot(): Snapshot {
  const conn = new ConnTableSummarizer({ topClients: 3, sampleOneIn: 1 });
  conn.push(readFileSync(join(MYSQL, 'net/ip_vs_conn')));
  const summary = conn.finish();
  return {
    version: SNAPSHOT_VERSION,
    takenAtMs: 1_764_000_000_000,
    durationSeconds: 0.01,
    sources: [{ source: 'ip_vs', up: true, durationSeconds: 0.001, parseErrors: 0 }],
    ipvs: {
      table: parseIpVs(readFileSync(join(MYSQL, 'net/ip_vs'), 'latin1'), { hz: 250 }).value,
      conn: summary.value,
      ...(summary.sample && { connSample: summary.sample }),
      ipvsadmStats: parseIpvsadmStats(
        readFileSync(join(MYSQL, 'ipvsadm/ipvsadm-Ln--stats--exact--nosort.txt'), 'latin1'),
      ).value,
    },
    keepalived: { daemons: [] },
    vrrpWire: { captures: [] },
  };
}

describe('capture lines', () => {
  it('round-trips JSON and catches any changed byte', () => {
    const line = encodeLine({ t: 1, k: { a: [1, 'x'] } });
    expect(line).toMatch(/^[0-9a-f]{8} \{.*\}\n$/);
    expect(decodeLine(line.slice(0, -1))).toEqual({ t: 1, k: { a: [1, 'x'] } });
    expect(decodeLine(line.slice(0, -3))).toBe('CRC mismatch');
    expect(decodeLine(line.replace('"x"', '"y"').slice(0, -1))).toBe('CRC mismatch');
    expect(decodeLine('garbage')).toBe('not a capture line');
  });
});

describe('snapshot codec', () => {
  it('writes addresses as text and reads the same snapshot back', () => {
    const snapshot = mysqlSnapshot();
    const plain = toPlain(snapshot);
    const text = JSON.stringify(plain);
    expect(text).toContain('"addr":"172.16.1.18"');
    expect(text).not.toContain('"words"');
    expect(fromPlain(plain)).toEqual(snapshot);
  });

  it('keeps the sampled connections of the table', () => {
    const sample = mysqlSnapshot().ipvs.connSample;
    expect(sample?.oneIn).toBe(1);
    expect(sample?.conns.length).toBeGreaterThan(0);
    expect(sample?.conns.every((c) => c.virtual.text === '172.16.1.18' && c.virtualPort === 3306)).toBe(true);
  });
});

describe('diff and applyPatch', () => {
  it('turns any JSON tree into any other', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const before = a as JsonValue;
        const after = b as JsonValue;
        const patch = diff(before, after);
        // applyPatch changes its input in place: give it a copy, compare with the original.
        const copy = structuredClone(before);
        expect(patch === undefined ? before : applyPatch(copy, patch)).toEqual(after);
      }),
      { numRuns: 2000 },
    );
  });

  it('patches only what changed between two collections', () => {
    const before = toPlain(mysqlSnapshot());
    const next = mysqlSnapshot();
    const changed: Snapshot = { ...next, takenAtMs: next.takenAtMs + 15_000 };
    const patch = diff(before, toPlain(changed));
    expect(patch).toEqual({ takenAtMs: [15_000] });
  });

  it('refuses a patch that does not fit (a damaged chain)', () => {
    expect(() => applyPatch(3, { $a: { 0: { $: 1 } }, $n: 1 })).toThrow(/non-array/);
    expect(() => applyPatch([1], { a: { $: 1 } })).toThrow(/non-object/);
  });
});
