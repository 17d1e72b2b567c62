/**
 * Appends snapshots to a capture directory in the format of common/capture/format.ts. Writing
 * never holds up a collection: records wait in a short queue and a slow disk drops the newest
 * ones (counted); a full disk or an unwritable directory is counted and logged once, the segment
 * in use is abandoned (everything written before stays readable) and the next record tries a
 * fresh one. Segments rotate by size and age, and the oldest are deleted to keep the directory
 * under the retention bound.
 */
import { mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateRaw } from 'node:zlib';
import {
  CAPTURE_FORMAT,
  CAPTURE_VERSION,
  type CaptureHeader,
  type JsonValue,
  KEYFRAME_EVERY,
  SEGMENT_PATTERN,
  diff,
  encodeLine,
  gzipMember,
  segmentName,
  toPlain,
} from '../../../common/capture/format.js';
import { SNAPSHOT_VERSION, type Snapshot } from '../../../common/snapshot.js';
import type { Logger } from '../../core/log.js';

const deflate = promisify(deflateRaw);

export interface CaptureWriterSettings {
  readonly dir: string;
  /** Rotate when the segment holds this many (compressed) bytes. */
  readonly segmentBytes: number;
  readonly segmentAgeMs: number;
  /** The directory's segments are kept under this many bytes in all. */
  readonly retentionBytes: number;
  /** Records waiting for the disk beyond this are dropped. */
  readonly maxQueue: number;
  readonly host: string;
  readonly exporterVersion: string;
  readonly connSampleOneIn: number;
  readonly log: Logger;
  readonly now?: () => number;
}

/** What the capture's self-metrics report (cumulative since start, except the gauges). */
export interface CaptureStats {
  records: number;
  /** Compressed bytes appended. */
  bytes: number;
  /** Uncompressed record bytes, to state the compression. */
  rawBytes: number;
  keyframes: number;
  droppedRecords: number;
  writeErrors: number;
  deletedSegments: number;
  /** Bytes of every segment in the directory after the last retention pass. */
  diskBytes: number;
  lastRecordMs: number;
  /** The last write succeeded. */
  writing: boolean;
}

interface Segment {
  readonly file: FileHandle;
  readonly path: string;
  readonly startedMs: number;
  bytes: number;
  records: number;
  previous: JsonValue | undefined;
}

export class CaptureWriter {
  readonly stats: CaptureStats = {
    records: 0,
    bytes: 0,
    rawBytes: 0,
    keyframes: 0,
    droppedRecords: 0,
    writeErrors: 0,
    deletedSegments: 0,
    diskBytes: 0,
    lastRecordMs: 0,
    writing: false,
  };
  private readonly queue: Snapshot[] = [];
  private segment: Segment | undefined;
  private seq = 0;
  private draining: Promise<void> | undefined;
  /** Set by a failure, cleared by the next write that succeeds: one warning per failing spell. */
  private failing = false;
  private readonly now: () => number;

  constructor(private readonly settings: CaptureWriterSettings) {
    this.now = settings.now ?? Date.now;
  }

  /** Queues one snapshot; returns at once. */
  append(snapshot: Snapshot): void {
    if (this.queue.length >= this.settings.maxQueue) {
      this.stats.droppedRecords++;
      this.failure(
        new Error(`the disk is slower than the collections: ${this.queue.length} records waiting`),
      );
      return;
    }
    this.queue.push(snapshot);
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  /** Resolves when every queued record is written (or failed). */
  async idle(): Promise<void> {
    await this.draining;
  }

  /** Waits for the queue, then closes the segment. */
  async close(): Promise<void> {
    await this.draining;
    await this.closeSegment();
  }

  private async drain(): Promise<void> {
    for (let snapshot = this.queue.shift(); snapshot; snapshot = this.queue.shift()) {
      try {
        await this.write(snapshot);
        this.stats.writing = true;
        if (this.failing) this.settings.log.info('capture writing again', { dir: this.settings.dir });
        this.failing = false;
      } catch (error) {
        this.stats.writeErrors++;
        this.stats.writing = false;
        this.failure(error);
        // What was written stays readable; the next record starts a fresh segment.
        await this.abandonSegment();
      }
    }
  }

  /** Logged once while writes keep failing, then at debug, like a source that stays down. */
  private failure(error: unknown): void {
    const fields = { dir: this.settings.dir, error: error instanceof Error ? error.message : String(error) };
    if (this.failing) this.settings.log.debug('capture still failing', fields);
    else this.settings.log.warn('capture cannot write', fields);
    this.failing = true;
  }

  private async write(snapshot: Snapshot): Promise<void> {
    const segment = await this.currentSegment();
    const plain = toPlain(snapshot);
    const keyframe = segment.previous === undefined || segment.records % KEYFRAME_EVERY === 0;
    const line = keyframe
      ? encodeLine({ t: snapshot.takenAtMs, k: plain })
      : encodeLine({ t: snapshot.takenAtMs, d: diff(segment.previous, plain) ?? {} });
    await this.appendMember(segment, line);
    segment.previous = plain;
    segment.records++;
    this.stats.records++;
    if (keyframe) this.stats.keyframes++;
    this.stats.rawBytes += Buffer.byteLength(line);
    this.stats.lastRecordMs = snapshot.takenAtMs;
  }

  /** One gzip member per line, naming its length, written whole and synced: a crash can tear only the last. */
  private async appendMember(segment: Segment, line: string): Promise<void> {
    const text = Buffer.from(line);
    const member = gzipMember(text, await deflate(text));
    const { bytesWritten } = await segment.file.write(member, 0, member.length, null);
    if (bytesWritten !== member.length) throw new Error(`short write to ${segment.path}`);
    await segment.file.datasync();
    segment.bytes += member.length;
    this.stats.bytes += member.length;
    this.stats.diskBytes += member.length;
  }

  private async currentSegment(): Promise<Segment> {
    const now = this.now();
    const current = this.segment;
    if (
      current &&
      current.bytes < this.settings.segmentBytes &&
      now - current.startedMs < this.settings.segmentAgeMs
    ) {
      return current;
    }
    await this.closeSegment();
    await mkdir(this.settings.dir, { recursive: true });
    const path = join(this.settings.dir, segmentName(now, this.seq++ % 1_000_000));
    const file = await open(path, 'a');
    const segment: Segment = { file, path, startedMs: now, bytes: 0, records: 0, previous: undefined };
    this.segment = segment;
    const header: CaptureHeader = {
      format: CAPTURE_FORMAT,
      version: CAPTURE_VERSION,
      snapshotVersion: SNAPSHOT_VERSION,
      startedAtMs: now,
      host: this.settings.host,
      exporterVersion: this.settings.exporterVersion,
      connSampleOneIn: this.settings.connSampleOneIn,
    };
    await this.appendMember(segment, encodeLine(header));
    await this.enforceRetention(path);
    return segment;
  }

  private async closeSegment(): Promise<void> {
    const segment = this.segment;
    this.segment = undefined;
    await segment?.file.close();
  }

  private async abandonSegment(): Promise<void> {
    try {
      await this.closeSegment();
    } catch {
      // The handle is unusable anyway (a full disk can fail the close too).
    }
  }

  /** Deletes the oldest segments until the directory is under the bound (never the one in use). */
  private async enforceRetention(inUse: string): Promise<void> {
    const names = (await readdir(this.settings.dir)).filter((name) => SEGMENT_PATTERN.test(name)).sort();
    const sizes = await Promise.all(
      names.map(async (name) => ({
        path: join(this.settings.dir, name),
        bytes: (await stat(join(this.settings.dir, name))).size,
      })),
    );
    let total = sizes.reduce((sum, s) => sum + s.bytes, 0);
    for (const { path, bytes } of sizes) {
      if (total <= this.settings.retentionBytes || path === inUse) break;
      await unlink(path);
      total -= bytes;
      this.stats.deletedSegments++;
    }
    this.stats.diskBytes = total;
  }
}
