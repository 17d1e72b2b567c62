/**
 * The capture recorder end to end: the built exporter writing a capture while it serves scrapes,
 * killed with SIGKILL, cut at every byte, rotated, kept under its retention bound, on a full disk
 * and in an unwritable directory; the writer's queue under a burst.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CaptureRecord, readCapture } from '../../common/capture/reader.js';
import { CAPTURE_FAMILIES } from '../../common/metrics/catalog/capture.js';
import type { ParseIssue } from '../../common/parse/issue.js';
import { SNAPSHOT_VERSION, type Snapshot } from '../../common/snapshot.js';
import { createLogger } from '../../exporter/core/log.js';
import { CaptureWriter } from '../../exporter/outputs/capture/writer.js';
import { tempDir, waitFor } from '../support/process.js';
import { PROCFS, REPLAY, byName, parseExposition, startExporter } from './helpers.js';

const MYSQL = join(PROCFS, 'mysql');
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const scratch = (name: string) => {
  const dir = tempDir(name);
  dirs.push(dir);
  return dir;
};

async function readAll(dir: string): Promise<{ records: CaptureRecord[]; issues: ParseIssue[] }> {
  const records: CaptureRecord[] = [];
  const issues: ParseIssue[] = [];
  for await (const record of readCapture(dir, { onIssue: (issue) => issues.push(issue) }))
    records.push(record);
  return { records, issues };
}

/** The capture flags, with `more` added; a `--capture.interval` in `more` replaces the default (a flag may be given once). */
const captureArgs = (dir: string, more: string[] = []) => [
  `--path.procfs=${MYSQL}`,
  `--ipvsadm.path=${REPLAY}`,
  '--collector.ipvs.conn',
  '--collector.ipvs.conn.top-clients=5',
  `--capture.dir=${dir}`,
  ...(more.some((flag) => flag.startsWith('--capture.interval')) ? [] : ['--capture.interval=0.2']),
  ...more,
];
const replayEnv = { IPVSADM_REPLAY_DIR: join(MYSQL, 'ipvsadm') };

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return byName(parseExposition(text).samples, name)[0]?.value ?? NaN;
}

describe('lvs-exporter --capture.dir', () => {
  it('appends every collection, and a SIGKILL loses nothing written before it', async () => {
    const dir = scratch('capture-kill');
    const exporter = await startExporter(captureArgs(dir, ['--capture.conn-sample=2']), replayEnv);
    // Scrapes are collections too: each is recorded, whoever asked for it.
    for (let i = 0; i < 3; i++) expect((await fetch(`${exporter.url}/metrics`)).status).toBe(200);
    const written = await waitFor('10 records', 15_000, async () => {
      const n = await metric(exporter.url, 'lvscope_capture_records_total');
      return n >= 10 && n;
    });
    exporter.child.kill('SIGKILL');
    await exporter.exited;
    const { records, issues } = await readAll(dir);
    expect(records.length).toBeGreaterThanOrEqual(written);
    expect(issues.filter((i) => !i.message.startsWith('torn last record'))).toEqual([]);
    const times = records.map((r) => r.snapshot.takenAtMs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const last = records.at(-1)!.snapshot;
    expect(last.version).toBe(SNAPSHOT_VERSION);
    expect(last.ipvs.table?.services[0]).toMatchObject({
      kind: 'addr',
      proto: 'tcp',
      port: 3306,
      scheduler: 'wrr',
    });
    expect(last.ipvs.table?.services[0]?.destinations.map((d) => d.addr.text).sort()).toEqual([
      '172.16.1.51',
      '172.16.1.7',
    ]);
    expect(last.ipvs.ipvsadmStats?.services.length).toBe(1);
    expect(last.ipvs.conn?.topClients.length).toBe(5);
    // The same connections are sampled in every record (hash of client address and port).
    const sampled = records.map((r) =>
      r.snapshot.ipvs.connSample?.conns.map((c) => `${c.client.text}:${c.clientPort}`).join(),
    );
    expect(new Set(sampled).size).toBe(1);
    expect(records[0]!.header).toMatchObject({ format: 'lvscope-capture', version: 1, connSampleOneIn: 2 });
  });

  it('reports itself with the families the catalog declares', async () => {
    const dir = scratch('capture-families');
    const exporter = await startExporter(captureArgs(dir), replayEnv);
    await waitFor(
      'a record',
      15_000,
      async () => (await metric(exporter.url, 'lvscope_capture_records_total')) >= 1,
    );
    const { samples, meta } = parseExposition(await (await fetch(`${exporter.url}/metrics`)).text());
    await exporter.stop();
    for (const spec of CAPTURE_FAMILIES) {
      expect(meta.get(spec.name), spec.name).toEqual({ help: spec.help, type: spec.type });
      expect(byName(samples, spec.name)).toHaveLength(1);
    }
  });

  it('a record cut at any byte (power loss mid-write) costs only that record', async () => {
    const dir = scratch('capture-cut');
    const exporter = await startExporter(captureArgs(dir), replayEnv);
    await waitFor(
      '6 records',
      15_000,
      async () => (await metric(exporter.url, 'lvscope_capture_records_total')) >= 6,
    );
    await exporter.stop();
    const [segment] = readdirSync(dir);
    const whole = readFileSync(join(dir, segment!));
    const complete = (await readAll(dir)).records.length;
    const cut = scratch('capture-cut-copy');
    let previous = 0;
    // Every 7th byte offset and the last 64 one by one, each also followed by the zeros a crashed
    // file system may leave where the lost bytes were.
    const offsets = [
      ...new Set([
        ...Array.from({ length: Math.ceil(whole.length / 7) }, (_, i) => i * 7),
        ...Array.from({ length: 64 }, (_, i) => whole.length - i),
      ]),
    ]
      .filter((n) => n > 0 && n <= whole.length)
      .sort((a, b) => a - b);
    for (const length of offsets) {
      const counts: number[] = [];
      for (const zeros of [0, 512]) {
        writeFileSync(join(cut, segment!), Buffer.concat([whole.subarray(0, length), Buffer.alloc(zeros)]));
        const { records, issues } = await readAll(cut);
        // Each issue names the segment, and the line after which nothing could be read (0: none).
        expect(issues.filter((i) => !i.file?.endsWith(segment!))).toEqual([]);
        counts.push(records.length);
      }
      const [cutOnly = 0, withZeros = 0] = counts;
      expect(cutOnly, `cut at ${length} of ${whole.length}`).toBeGreaterThanOrEqual(previous);
      // Zeros where the lost bytes were can only complete a record whose lost bytes were zeros.
      expect(withZeros).toBeGreaterThanOrEqual(cutOnly);
      expect(withZeros).toBeLessThanOrEqual(complete);
      previous = cutOnly;
    }
    expect(previous).toBe(complete);
    truncateSync(join(cut, segment!), 0);
    expect((await readAll(cut)).records).toEqual([]);
  });

  it('rotates segments by size and deletes the oldest beyond the retention bound', async () => {
    const dir = scratch('capture-rotate');
    const exporter = await startExporter(
      captureArgs(dir, [
        '--capture.segment-size=4KiB',
        '--capture.retention=12KiB',
        '--capture.interval=0.05',
      ]),
      replayEnv,
    );
    await waitFor(
      'a deleted segment',
      20_000,
      async () => (await metric(exporter.url, 'lvscope_capture_deleted_segments_total')) >= 2,
    );
    await exporter.stop();
    const segments = readdirSync(dir);
    expect(segments.length).toBeGreaterThan(1);
    const total = segments.reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
    // The bound holds at every rotation; the segment in use may have grown by one record since.
    expect(total).toBeLessThanOrEqual(12 * 1024 + 4 * 1024);
    const { records, issues } = await readAll(dir);
    expect(issues).toEqual([]);
    const times = records.map((r) => r.snapshot.takenAtMs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it.skipIf(process.getuid?.() !== 0)(
    'a full disk never stops scrapes, is logged once, and writing resumes when space returns',
    async () => {
      const mount = scratch('capture-full');
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48k', 'tmpfs', mount]);
      try {
        const dir = join(mount, 'capture');
        mkdirSync(dir);
        writeFileSync(join(mount, 'ballast'), Buffer.alloc(40 * 1024));
        const exporter = await startExporter(captureArgs(dir, ['--capture.interval=0.1']), replayEnv);
        await waitFor(
          'write errors',
          15_000,
          async () => (await metric(exporter.url, 'lvscope_capture_write_errors_total')) >= 3,
        );
        for (let i = 0; i < 5; i++) expect((await fetch(`${exporter.url}/metrics`)).status).toBe(200);
        expect(await metric(exporter.url, 'lvscope_capture_writing')).toBe(0);
        expect(exporter.stderr().match(/capture cannot write/g)?.length).toBe(1);
        rmSync(join(mount, 'ballast'));
        const before = await metric(exporter.url, 'lvscope_capture_records_total');
        await waitFor(
          'records again',
          15_000,
          async () => (await metric(exporter.url, 'lvscope_capture_records_total')) > before + 3,
        );
        expect(await metric(exporter.url, 'lvscope_capture_writing')).toBe(1);
        expect(exporter.stderr()).toContain('capture writing again');
        await exporter.stop();
        const { records } = await readAll(dir);
        expect(records.length).toBeGreaterThan(3);
      } finally {
        execFileSync('umount', [mount]);
      }
    },
  );

  it('an unwritable directory is counted and the exporter serves on', async () => {
    const file = join(scratch('capture-notdir'), 'a-file');
    writeFileSync(file, '');
    const exporter = await startExporter(captureArgs(join(file, 'capture')), replayEnv);
    await waitFor(
      'write errors',
      15_000,
      async () => (await metric(exporter.url, 'lvscope_capture_write_errors_total')) >= 2,
    );
    expect(await metric(exporter.url, 'ipvs_destination_weight')).toBe(1);
    expect(exporter.stderr()).toMatch(/capture cannot write.*ENOTDIR/);
    await exporter.stop();
  });
});

describe('CaptureWriter', () => {
  it('drops the newest records, counted, when the disk lags behind a burst', async () => {
    const dir = scratch('capture-burst');
    const writer = new CaptureWriter({
      dir,
      segmentBytes: 1 << 20,
      segmentAgeMs: 3_600_000,
      retentionBytes: 1 << 30,
      maxQueue: 8,
      host: 'test',
      exporterVersion: '0',
      connSampleOneIn: 0,
      log: createLogger('error'),
    });
    const snapshot = (i: number): Snapshot => ({
      version: SNAPSHOT_VERSION,
      takenAtMs: 1_000 + i,
      durationSeconds: 0,
      sources: [],
      ipvs: {},
      keepalived: { daemons: [] },
      vrrpWire: { captures: [] },
    });
    // All 50 arrive before the first write completes: one is being written, 8 wait, 41 are dropped.
    for (let i = 0; i < 50; i++) writer.append(snapshot(i));
    await writer.close();
    expect(writer.stats).toMatchObject({ records: 9, droppedRecords: 41, writeErrors: 0 });
    const { records } = await readAll(dir);
    expect(records.map((r) => r.snapshot.takenAtMs)).toEqual([
      1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008,
    ]);
  });
});
