/**
 * exporter/tools/capture-from-samples.ts: a lab recording's samples become a capture through the
 * exporter's own sources, collector and capture writer, one record per sample at the sample's
 * wall-clock instant; a bad sample stops it with the sample and file named, and the records
 * before it stay readable. Recordings here are built from fixtures/procfs/mysql (a real
 * director's files) in a temporary folder.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCapture } from '../../../common/capture/reader.js';
import { parseIpVs } from '../../../common/ipvs/parse-ip-vs.js';
import {
  DEFAULT_EPOCH_MS,
  DEFAULT_IPVSADM_REPLAY,
  SampleError,
  convertRecording,
  epochFromScenario,
} from '../../../exporter/tools/capture-from-samples.js';
import { PROCFS, ROOT } from '../../exporter/helpers.js';

const MYSQL = join(PROCFS, 'mysql');
const LISTINGS = [
  'ipvsadm-Ln--stats--exact--nosort.txt',
  'ipvsadm-Ln--rate--exact--nosort.txt',
  'ipvsadm-Ln--thresholds--nosort.txt',
  'ipvsadm-Ln--persistent-conn--nosort.txt',
];
const REALTIME_AT_500 = 1_796_000_000_500;
let dir: string;

/** A recording of samples named `ms` (the one at `connAt` also holding net/ip_vs_conn). */
function makeRecording(names: readonly number[], connAt?: number, clocks = true): string {
  const rec = join(dir, 'rec');
  for (const ms of names) {
    const s = join(rec, 'samples', String(ms));
    for (const f of ['ip_vs', 'ip_vs_stats', 'ip_vs_stats_percpu', ...(ms === connAt ? ['ip_vs_conn'] : [])])
      cpSync(join(MYSQL, 'net', f), join(s, 'net', f));
    for (const f of LISTINGS) cpSync(join(MYSQL, 'ipvsadm', f), join(s, 'ipvsadm', f));
  }
  writeFileSync(join(rec, 'samples/index.tsv'), names.map((ms) => `${ms} ${ms + 230}\n`).join(''));
  writeFileSync(
    join(rec, 'scenario.txt'),
    `scenario=test\n${clocks ? `clocks_start=monotonic_ms=500 realtime_ms=${REALTIME_AT_500}\n` : ''}`,
  );
  return rec;
}

const settings = (rec: string) => ({
  recording: rec,
  out: join(dir, 'capture'),
  connSample: 1,
  topClients: 4,
  host: 'lab-test',
  ipvsadm: DEFAULT_IPVSADM_REPLAY,
});

async function records(capture: string) {
  const out = [];
  for await (const r of readCapture(capture)) out.push(r);
  return out;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rec-capture-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('capture-from-samples', () => {
  it('writes one record per sample at its wall-clock time, with what the files say', async () => {
    const rec = makeRecording([1000, 2000, 3000], 2000);
    const result = await convertRecording(settings(rec));
    expect(result).toMatchObject({
      records: 3,
      withConnTable: 1,
      firstMs: 1000,
      lastMs: 3000,
      epochSource: 'clocks_start',
    });
    expect(result.epochMs).toBe(REALTIME_AT_500 - 500);
    const read = await records(join(dir, 'capture'));
    expect(read.map((r) => r.snapshot.takenAtMs)).toEqual(
      [1000, 2000, 3000].map((ms) => result.epochMs + ms),
    );
    expect(read[0]!.header).toMatchObject({ host: 'lab-test', connSampleOneIn: 1 });
    const table = parseIpVs(readFileSync(join(MYSQL, 'net/ip_vs'), 'latin1'), { hz: 250 }).value;
    const first = read[0]!.snapshot;
    expect(first.ipvs.table?.services.map((s) => s.destinations.map((d) => d.activeConns))).toEqual(
      table.services.map((s) => s.destinations.map((d) => d.activeConns)),
    );
    // ipvsadm answered from the sample's own listings
    expect(first.ipvs.ipvsadmStats?.services.length).toBeGreaterThan(0);
    expect(first.sources.every((s) => s.up && s.parseErrors === 0)).toBe(true);
    // the connection table only where the sampler copied it
    expect(read.map((r) => r.snapshot.ipvs.connSample !== undefined)).toEqual([false, true, false]);
    expect(read[1]!.snapshot.ipvs.connSample!.conns.length).toBeGreaterThan(0);
    expect(read[1]!.snapshot.ipvs.conn?.topClients.length).toBeGreaterThan(0);
  });

  it('keeps only the samples of --from/--to, and starts recordings without clocks at the fixed epoch', async () => {
    const rec = makeRecording([1000, 2000, 3000, 4000], undefined, false);
    const result = await convertRecording({ ...settings(rec), fromMs: 2000, toMs: 3000 });
    expect(result).toMatchObject({ records: 2, epochSource: 'default', epochMs: DEFAULT_EPOCH_MS });
    const read = await records(join(dir, 'capture'));
    expect(read.map((r) => r.snapshot.takenAtMs)).toEqual([DEFAULT_EPOCH_MS + 2000, DEFAULT_EPOCH_MS + 3000]);
  });

  it('reads clocks lines and nothing else as the epoch', () => {
    expect(epochFromScenario('x=1\nclocks_start=monotonic_ms=8668 realtime_ms=1796276419414\n')).toBe(
      1796276410746,
    );
    expect(epochFromScenario('clocks_start=monotonic_ms=8668\n')).toBeUndefined();
  });

  it('stops at a sample without net/ip_vs, naming it, and keeps the records before it', async () => {
    const rec = makeRecording([1000, 2000, 3000]);
    unlinkSync(join(rec, 'samples/2000/net/ip_vs'));
    const failed = convertRecording(settings(rec));
    await expect(failed).rejects.toThrow(SampleError);
    await expect(failed).rejects.toThrow(`${join(rec, 'samples/2000')}: no net/ip_vs`);
    const read = await records(join(dir, 'capture'));
    expect(read.map((r) => r.snapshot.takenAtMs - REALTIME_AT_500 + 500)).toEqual([1000]);
  });

  it('names the listing a sample lacks', async () => {
    const rec = makeRecording([1000]);
    unlinkSync(join(rec, 'samples/1000/ipvsadm/ipvsadm-Ln--rate--exact--nosort.txt'));
    await expect(convertRecording(settings(rec))).rejects.toThrow(
      /samples\/1000: source ipvsadm_rate: .*no recording in .*samples\/1000\/ipvsadm for: -Ln --rate --exact --nosort/,
    );
  });

  it('names file, line and field of a damaged line, its control bytes escaped', async () => {
    const rec = makeRecording([1000]);
    const file = join(rec, 'samples/1000/net/ip_vs');
    writeFileSync(file, readFileSync(file, 'latin1').replace('Route   1 ', 'Route   \x1b[2J '), 'latin1');
    const error: unknown = await convertRecording(settings(rec)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SampleError);
    const { message } = error as SampleError;
    expect(message).toContain(
      `${join(rec, 'samples/1000')}: source ip_vs: 1 unparsable lines, first: ${file}:5`,
    );
    expect(message).not.toContain('\x1b');
    expect(message).toContain('\\u001b');
  });

  it('names index.tsv and the line of a malformed index', async () => {
    const rec = makeRecording([1000, 2000]);
    writeFileSync(join(rec, 'samples/index.tsv'), '1000 1230\nbad\x07line\n');
    await expect(convertRecording(settings(rec))).rejects.toThrow(
      `${join(rec, 'samples/index.tsv')}:2: expected "start_ms end_ms", got "bad\\u0007line"`,
    );
  });

  it('as a program: exit 2 with the usage on a bad command line', async () => {
    const run = promisify(execFile);
    const tool = join(ROOT, 'build/exporter/tools/capture-from-samples.js');
    const failed = await run(process.execPath, [tool, 'only-one-arg'], { timeout: 30_000 }).catch(
      (e: unknown) => e as { code: number; stderr: string },
    );
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toMatch(/^usage: capture-from-samples RECORDING OUTDIR/);
  });
});
