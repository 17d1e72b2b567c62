/**
 * How compact the capture is for a 1,000-service director: writes a synthetic director (the same
 * generator as bench:scrape, 1,000 services × 4 real servers), reads it through the exporter's
 * parsers into a snapshot, and appends that snapshot with every counter, rate and connection
 * count moving as on a busy director, one record per collection, through the real CaptureWriter.
 * Prints bytes per keyframe and per delta record, compressed and not, and what a day costs at a
 * 15 s interval. `node dist/bench/capture/main.js [SERVICES] [RECORDS]`.
 */
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCapture } from '../../common/capture/reader.js';
import type { IpvsCounters, IpvsRates } from '../../common/ipvs/model.js';
import { IPVSADM_LISTINGS, type IpvsDraft, PROC_FILES } from '../../common/ipvs/read.js';
import { SNAPSHOT_VERSION, type Snapshot } from '../../common/snapshot.js';
import { createLogger } from '../../exporter/core/log.js';
import { CaptureWriter } from '../../exporter/outputs/capture/writer.js';
import { writeDirector } from '../scrape/generate.js';

const services = Number(process.argv[2] ?? 1000);
const records = Number(process.argv[3] ?? 200);
const dir = join(tmpdir(), `lvscope-bench-capture-${process.pid}`);
const captureDir = join(dir, 'capture');

await writeDirector(dir, { services, destinationsPerService: 4 }, 0);
const ipvs: IpvsDraft = {};
for (const file of PROC_FILES) {
  const text = readFileSync(join(dir, file.path), 'latin1');
  file.store(ipvs, file.parse(text, { hz: 250 }).value as never);
}
for (const spec of IPVSADM_LISTINGS) {
  const name = `ipvsadm${spec.args.join('')}.txt`;
  spec.store(ipvs, spec.parse(readFileSync(join(dir, 'ipvsadm', name), 'latin1')).value as never);
}

/** mulberry32, seeded: every run writes the same capture. */
let seed = 7;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const grow = (c: IpvsCounters): IpvsCounters => {
  const conns = Math.floor(random() * 60);
  const packets = conns * 12 + Math.floor(random() * 50);
  return {
    conns: c.conns + conns,
    inPackets: c.inPackets + packets,
    outPackets: c.outPackets + packets,
    inBytes: c.inBytes + packets * 310,
    outBytes: c.outBytes + packets * 1200,
  };
};
const rate = (): IpvsRates => ({
  cps: Math.floor(random() * 4),
  inPps: Math.floor(random() * 50),
  outPps: Math.floor(random() * 50),
  inBps: Math.floor(random() * 15_000),
  outBps: Math.floor(random() * 60_000),
});

/** The next collection: every number that moves on a busy director, moved. */
function next(snapshot: Snapshot, i: number): Snapshot {
  const stats = snapshot.ipvs.ipvsadmStats!;
  const rates = snapshot.ipvs.ipvsadmRates!;
  const table = snapshot.ipvs.table!;
  return {
    ...snapshot,
    takenAtMs: snapshot.takenAtMs + 15_000,
    durationSeconds: 0.2 + random() * 0.05,
    sources: snapshot.sources.map((s) => ({ ...s, durationSeconds: random() * 0.05 })),
    ipvs: {
      ...snapshot.ipvs,
      table: {
        ...table,
        services: table.services.map((s) => ({
          ...s,
          destinations: s.destinations.map((d) => ({
            ...d,
            activeConns: Math.max(0, d.activeConns + Math.floor(random() * 5) - 2),
            inactiveConns: Math.max(0, d.inactiveConns + Math.floor(random() * 7) - 3),
            weight: i % 50 === 0 && random() < 0.01 ? 0 : d.weight,
          })),
        })),
      },
      ipvsadmStats: {
        services: stats.services.map((s) => ({
          ...s,
          values: grow(s.values),
          destinations: s.destinations.map((d) => ({ ...d, values: grow(d.values) })),
        })),
      },
      ipvsadmRates: {
        services: rates.services.map((s) => ({
          ...s,
          values: rate(),
          destinations: s.destinations.map((d) => ({ ...d, values: rate() })),
        })),
      },
    },
  };
}

const writer = new CaptureWriter({
  dir: captureDir,
  segmentBytes: 1 << 30,
  segmentAgeMs: Number.MAX_SAFE_INTEGER,
  retentionBytes: 2 ** 40,
  maxQueue: records + 1,
  host: 'bench',
  exporterVersion: 'bench',
  connSampleOneIn: 0,
  log: createLogger('warn'),
});
let snapshot: Snapshot = {
  version: SNAPSHOT_VERSION,
  takenAtMs: Date.UTC(2026, 11, 1),
  durationSeconds: 0.2,
  sources: [...PROC_FILES, ...IPVSADM_LISTINGS].map((s) => ({
    source: s.name,
    up: true,
    durationSeconds: 0.01,
    parseErrors: 0,
  })),
  ipvs,
  keepalived: { daemons: [] },
  vrrpWire: { captures: [] },
};
const started = performance.now();
let keyframeBytes = 0;
for (let i = 0; i < records; i++) {
  writer.append(snapshot);
  await writer.idle(); // one record at a time: measure each
  if (i === 0) keyframeBytes = writer.stats.bytes;
  snapshot = next(snapshot, i);
}
await writer.close();
const writeMs = performance.now() - started;
const { bytes, rawBytes, keyframes } = writer.stats;
const onDisk = readdirSync(captureDir).reduce((sum, name) => sum + statSync(join(captureDir, name)).size, 0);
const readStarted = performance.now();
let read = 0;
for await (const record of readCapture(captureDir)) if (record) read++;
const readMs = performance.now() - readStarted;
const deltaBytes = (bytes - keyframes * keyframeBytes) / (records - keyframes);
const perDay = (86_400 / 15) * ((deltaBytes * (100 - 1) + keyframeBytes) / 100);
const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
console.log(`capture of ${services} services x 4 real servers, ${records} records (keyframe every 100)`);
console.log(`  keyframe: ${mb(keyframeBytes)} compressed`);
console.log(
  `  delta record: ${(deltaBytes / 1e3).toFixed(1)} kB compressed; all records ${mb(rawBytes)} raw -> ${mb(bytes)} (x${(rawBytes / bytes).toFixed(1)})`,
);
console.log(`  a day at a 15 s interval: ${mb(perDay)} (${(perDay / 1e6 / 24).toFixed(1)} MB/hour)`);
console.log(
  `  on disk ${mb(onDisk)}; write ${(writeMs / records).toFixed(1)} ms/record; read back ${read} records in ${(readMs / records).toFixed(1)} ms/record`,
);
if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
