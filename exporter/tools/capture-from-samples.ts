/**
 * Turns a workload-lab recording (test/kernel/workload/record.sh: `samples/<ms>/net/ip_vs*` and
 * `samples/<ms>/ipvsadm/*.txt`, one folder a second) into a capture directory, the one
 * `lvs-exporter --capture.dir` would have written had it collected at each sample's instant. Each
 * sample goes through the exporter's own path: the ipvs module's sources (with `--path.procfs`
 * set to the sample folder, and ipvsadm answered from the sample's recorded listings by
 * test/exporter/ipvsadm-replay.sh), the single-flight collector, then the capture writer; there
 * is no second snapshot builder. One sample is in memory at a time.
 *
 *   node build/exporter/tools/capture-from-samples.js RECORDING OUTDIR [--conn-sample N]
 *        [--top-clients N] [--from MS] [--to MS] [--epoch-ms MS] [--host NAME] [--ipvsadm PATH]
 *
 * Record times: a sample is named by the guest's CLOCK_MONOTONIC in ms, mapped to wall-clock time
 * by the `clocks_start=monotonic_ms=M realtime_ms=R` line of RECORDING/scenario.txt; recordings
 * older than that line start at DEFAULT_EPOCH_MS (or --epoch-ms) plus the sample's name.
 * --from/--to keep the samples whose name (monotonic ms) is in [from, to]. Samples holding
 * net/ip_vs_conn (the sampler copies it every 10th sample) are collected with
 * --collector.ipvs.conn, and with --capture.conn-sample N so the capture keeps one connection in N.
 * A sample that does not read cleanly stops the conversion with its folder and file named; the
 * records already written stay readable.
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT, VERSION } from '../../common/package.js';
import type { Snapshot } from '../../common/snapshot.js';
import { SingleFlightCollector } from '../core/collector.js';
import { type Logger, createLogger, printable } from '../core/log.js';
import { type OptionValue, Options } from '../core/options.js';
import { ipvsModule } from '../ipvs/module.js';
import { captureConfig } from '../outputs/capture/options.js';
import { CaptureWriter } from '../outputs/capture/writer.js';

/** 2026-12-01T00:00:00Z: where a recording without a clocks line starts (plus its monotonic ms). */
export const DEFAULT_EPOCH_MS = Date.UTC(2026, 11, 1);
export const DEFAULT_IPVSADM_REPLAY = join(PACKAGE_ROOT, 'test/exporter/ipvsadm-replay.sh');
/** One sample's sources together (TCG-recorded listings are small; this bounds a stuck replay). */
const COLLECTION_TIMEOUT_MS = 30_000;
const IPVSADM_TIMEOUT_S = 10;

export interface ConvertSettings {
  readonly recording: string;
  readonly out: string;
  /** Keep one sampled connection in N in the records that have the connection table (0: none). */
  readonly connSample: number;
  readonly topClients: number;
  readonly fromMs?: number;
  readonly toMs?: number;
  /** Overrides the clocks line of scenario.txt: wall-clock ms of monotonic 0. */
  readonly epochMs?: number;
  readonly host: string;
  readonly ipvsadm: string;
  readonly log?: Logger;
}

export interface ConvertResult {
  readonly records: number;
  readonly withConnTable: number;
  readonly firstMs: number;
  readonly lastMs: number;
  /** Wall-clock ms of monotonic 0, and where it came from. */
  readonly epochMs: number;
  readonly epochSource: 'clocks_start' | 'default' | 'flag';
  readonly bytes: number;
  readonly rawBytes: number;
}

/** A conversion failure naming the sample (and file) at fault. */
export class SampleError extends Error {
  override readonly name = 'SampleError';
}

/** `clocks_start=monotonic_ms=M realtime_ms=R` → R − M, the wall-clock time of monotonic 0. */
export function epochFromScenario(text: string): number | undefined {
  const match = /^clocks_start=monotonic_ms=(\d+) realtime_ms=(\d+)\s*$/m.exec(text);
  return match ? Number(match[2]) - Number(match[1]) : undefined;
}

/** The recording's sample names (monotonic ms), in time order: from index.tsv, else the folder. */
async function* sampleNames(samplesDir: string): AsyncGenerator<number> {
  const index = join(samplesDir, 'index.tsv');
  if (!existsSync(index)) {
    const names = (await readdir(samplesDir)).filter((n) => /^\d+$/.test(n)).map(Number);
    yield* names.sort((a, b) => a - b);
    return;
  }
  const lines = createInterface({ input: createReadStream(index, 'utf8'), crlfDelay: Infinity });
  let lineNo = 0;
  let previous = -Infinity;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    const start = /^(\d+)\s+\d+\s*$/.exec(line)?.[1];
    if (start === undefined) {
      throw new SampleError(`${index}:${lineNo}: expected "start_ms end_ms", got "${printable(line, 80)}"`);
    }
    const ms = Number(start);
    if (ms <= previous) throw new SampleError(`${index}:${lineNo}: sample ${ms} is not after ${previous}`);
    previous = ms;
    yield ms;
  }
}

/** The exporter's options for one sample, as its flags would set them. */
function sampleOptions(dir: string, withConn: boolean, settings: ConvertSettings): Options {
  const values = new Map<string, OptionValue>([
    ['path.procfs', dir],
    ['ipvsadm.path', settings.ipvsadm],
    ['ipvsadm.timeout', IPVSADM_TIMEOUT_S],
    ['collector.ipvs.conn', withConn],
    ['collector.ipvs.conn.top-clients', settings.topClients],
    ['capture.conn-sample', settings.connSample],
  ]);
  return new Options(values);
}

/** One collection of the sample folder at `takenAtMs`; throws on any source down or damaged input. */
async function collectSample(
  dir: string,
  takenAtMs: number,
  settings: ConvertSettings,
  log: Logger,
): Promise<{ snapshot: Snapshot; withConn: boolean }> {
  if (!existsSync(join(dir, 'net/ip_vs'))) throw new SampleError(`${dir}: no net/ip_vs in the sample`);
  const withConn = existsSync(join(dir, 'net/ip_vs_conn'));
  const sources = ipvsModule.sources?.(sampleOptions(dir, withConn, settings)) ?? [];
  const collector = new SingleFlightCollector(sources, {
    timeoutMs: COLLECTION_TIMEOUT_MS,
    log,
    now: () => takenAtMs,
  });
  // The replay stand-in reads the listings recorded next to the procfs files.
  process.env.IPVSADM_REPLAY_DIR = join(dir, 'ipvsadm');
  const snapshot = await collector.collect();
  const bad = snapshot.sources.find((s) => !s.up || s.parseErrors > 0);
  if (bad) {
    const why = bad.up
      ? `${bad.parseErrors} unparsable lines, first: ${bad.error ?? '?'}`
      : (bad.error ?? 'down');
    throw new SampleError(`${dir}: source ${bad.source}: ${printable(why, 400)}`);
  }
  return { snapshot, withConn };
}

export async function convertRecording(settings: ConvertSettings): Promise<ConvertResult> {
  const log = settings.log ?? createLogger('error');
  const samplesDir = join(settings.recording, 'samples');
  if (!existsSync(samplesDir))
    throw new SampleError(`${settings.recording}: no samples/ folder (not a lab recording?)`);
  const scenario = join(settings.recording, 'scenario.txt');
  const fromScenario = existsSync(scenario) ? epochFromScenario(await readFile(scenario, 'utf8')) : undefined;
  const epochMs = settings.epochMs ?? fromScenario ?? DEFAULT_EPOCH_MS;
  const epochSource =
    settings.epochMs !== undefined ? 'flag' : fromScenario !== undefined ? 'clocks_start' : 'default';

  let wall = epochMs;
  const config = captureConfig(new Options(new Map([['capture.dir', settings.out]])));
  if (!config) throw new Error('capture settings did not resolve');
  const writer = new CaptureWriter({
    // (the defaults of --capture.*: a lab run fits in one segment)
    ...config,
    // Each record is awaited before the next sample is read, so nothing ever waits in the queue.
    maxQueue: 1,
    host: settings.host,
    exporterVersion: VERSION,
    connSampleOneIn: settings.connSample,
    log,
    now: () => wall,
  });
  let records = 0;
  let withConnTable = 0;
  let firstMs = NaN;
  let lastMs = NaN;
  try {
    for await (const ms of sampleNames(samplesDir)) {
      if (
        (settings.fromMs !== undefined && ms < settings.fromMs) ||
        (settings.toMs !== undefined && ms > settings.toMs)
      )
        continue;
      wall = epochMs + ms;
      const dir = join(samplesDir, String(ms));
      const { snapshot, withConn } = await collectSample(dir, wall, settings, log);
      writer.append(snapshot);
      await writer.idle();
      if (writer.stats.writeErrors > 0)
        throw new Error(`${settings.out}: the capture could not be written (see the log)`);
      records++;
      if (withConn) withConnTable++;
      if (records === 1) firstMs = ms;
      lastMs = ms;
    }
  } finally {
    await writer.close();
  }
  if (records === 0) throw new SampleError(`${samplesDir}: no sample in the range asked for`);
  return {
    records,
    withConnTable,
    firstMs,
    lastMs,
    epochMs,
    epochSource,
    bytes: writer.stats.bytes,
    rawBytes: writer.stats.rawBytes,
  };
}

const USAGE =
  'usage: capture-from-samples RECORDING OUTDIR [--conn-sample N] [--top-clients N] [--from MS] [--to MS] [--epoch-ms MS] [--host NAME] [--ipvsadm PATH]';

function wholeNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text))
    throw new SampleError(`--${flag} wants a whole number, got "${printable(text, 40)}"`);
  return Number(text);
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        'conn-sample': { type: 'string', default: '1' },
        'top-clients': { type: 'string', default: '0' },
        from: { type: 'string' },
        to: { type: 'string' },
        'epoch-ms': { type: 'string' },
        host: { type: 'string', default: 'lab-director' },
        ipvsadm: { type: 'string', default: DEFAULT_IPVSADM_REPLAY },
      },
    });
  } catch (error) {
    process.stderr.write(`capture-from-samples: ${printable((error as Error).message)}\n${USAGE}\n`);
    return 2;
  }
  const [recording, out, ...rest] = parsed.positionals;
  if (recording === undefined || out === undefined || rest.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const v = parsed.values;
  try {
    const fromMs = wholeNumber('from', v.from);
    const toMs = wholeNumber('to', v.to);
    const epochMs = wholeNumber('epoch-ms', v['epoch-ms']);
    const result = await convertRecording({
      recording: resolve(recording),
      out: resolve(out),
      connSample: wholeNumber('conn-sample', v['conn-sample']) ?? 1,
      topClients: wholeNumber('top-clients', v['top-clients']) ?? 0,
      ...(fromMs !== undefined && { fromMs }),
      ...(toMs !== undefined && { toMs }),
      ...(epochMs !== undefined && { epochMs }),
      host: v.host,
      ipvsadm: resolve(v.ipvsadm),
    });
    process.stdout.write(
      `${result.records} records (${result.withConnTable} with the connection table), samples ${result.firstMs}–${result.lastMs} ms, ` +
        `epoch ${new Date(result.epochMs).toISOString()} (${result.epochSource}), ${result.bytes} bytes compressed of ${result.rawBytes}\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(
      `capture-from-samples: ${printable(error instanceof Error ? error.message : String(error), 2000)}\n`,
    );
    return error instanceof SampleError ? 1 : 3;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
