/**
 * Streams the snapshots of a capture directory in time order (format.ts), holding one record
 * and the previous record's tree at a time, however long the capture. A torn or damaged line is
 * reported as an issue naming the segment and line, and skipped together with the deltas that
 * depend on it; every record before it, and every keyframe after it, is still read.
 */
import { type FileHandle, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crc32, inflateRaw } from 'node:zlib';
import type { IpAddr } from '../net/ip.js';
import type { ParseIssue } from '../parse/issue.js';
import type { Snapshot } from '../snapshot.js';
import {
  type CaptureHeader,
  type JsonValue,
  SEGMENT_PATTERN,
  applyPatch,
  checkHeader,
  decodeLine,
  fromPlain,
  memberLength,
  memberParts,
} from './format.js';

/** Far above a keyframe of a 10,000-service director (~30 MB); a longer member is not a record. */
const MAX_MEMBER_BYTES = 256 << 20;
const READ_BYTES = 1 << 20;

const inflate = promisify(inflateRaw);

export interface CaptureRecord {
  /** The segment file it came from. */
  readonly file: string;
  readonly header: CaptureHeader;
  readonly snapshot: Snapshot;
}

export interface CaptureReadOptions {
  /** Records taken before this (epoch ms) are decoded but not yielded. */
  readonly startMs?: number;
  /** Reading stops at the first record taken after this. */
  readonly endMs?: number;
  /** Every skipped line or segment, as it is found. */
  readonly onIssue?: (issue: ParseIssue) => void;
  /**
   * Picks the part of each record's plain tree to decode (e.g. one pool's services out of a
   * thousand): return a new object that refers to the parts kept, never change the tree.
   */
  readonly select?: (tree: JsonValue) => JsonValue;
}

/** The segment files of a capture directory, oldest first; throws when the directory cannot be read. */
export async function captureSegments(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names
    .filter((name) => SEGMENT_PATTERN.test(name))
    .sort()
    .map((name) => join(dir, name));
}

type SegmentItem =
  | { readonly text: string }
  /** The file ends inside a member: the record being written when the writer stopped. */
  | { readonly torn: true }
  /** A member that does not decode; `resync` false when the rest of the segment is unreadable. */
  | { readonly damaged: string; readonly resync: boolean };

/** Reads a file forward, keeping only the bytes not yet consumed. */
class ForwardReader {
  private buffer = Buffer.alloc(0);
  private eof = false;

  constructor(private readonly handle: FileHandle) {}

  /** At least `need` bytes buffered, fewer only at the end of the file. */
  async fill(need: number): Promise<Buffer> {
    if (this.buffer.length >= need || this.eof) return this.buffer;
    const next = Buffer.allocUnsafe(Math.max(need, READ_BYTES));
    this.buffer.copy(next);
    let filled = this.buffer.length;
    while (filled < need && !this.eof) {
      const { bytesRead } = await this.handle.read(next, filled, next.length - filled, null);
      if (bytesRead === 0) this.eof = true;
      filled += bytesRead;
    }
    this.buffer = next.subarray(0, filled);
    return this.buffer;
  }

  take(length: number): Buffer {
    const taken = Buffer.from(this.buffer.subarray(0, length));
    this.buffer = this.buffer.subarray(length);
    return taken;
  }
}

/** The lines of one segment, member by member (format.ts). */
async function* segmentLines(file: string): AsyncGenerator<SegmentItem> {
  const handle = await open(file, 'r');
  try {
    const reader = new ForwardReader(handle);
    for (;;) {
      const head = await reader.fill(32);
      if (head.length === 0) return;
      const length = memberLength(head, 0);
      if (typeof length === 'string') {
        // A crashed file system may leave zeros after the last write: the end, not damage.
        if (head.every((byte) => byte === 0)) return;
        yield length === 'truncated member header' ? { torn: true } : { damaged: length, resync: false };
        return;
      }
      if (length > MAX_MEMBER_BYTES) {
        yield { damaged: `member of ${length} bytes`, resync: false };
        return;
      }
      if ((await reader.fill(length)).length < length) {
        yield { torn: true };
        return;
      }
      const { deflated, crc, size } = memberParts(reader.take(length));
      let line: Buffer;
      try {
        line = await inflate(deflated);
      } catch (error) {
        yield { damaged: `member does not inflate (${(error as Error).message})`, resync: true };
        continue;
      }
      if (crc32(line) !== crc || line.length !== size || line[line.length - 1] !== 10) {
        yield { damaged: 'member CRC or length mismatch', resync: true };
        continue;
      }
      yield { text: line.subarray(0, -1).toString('utf8') };
    }
  } finally {
    await handle.close();
  }
}

export async function* readCapture(
  dir: string,
  options: CaptureReadOptions = {},
): AsyncGenerator<CaptureRecord> {
  const report = options.onIssue ?? (() => undefined);
  for (const file of await captureSegments(dir)) {
    let header: CaptureHeader | undefined;
    let tree: JsonValue | undefined;
    let line = 0;
    const addresses = new Map<string, IpAddr>();
    /** A record was lost: deltas are skipped until the next keyframe (reported once). */
    const lose = (message: string): void => {
      tree = undefined;
      report({
        file,
        line,
        field: 'record',
        message: `${message}: skipped with the deltas up to the next keyframe`,
      });
    };
    try {
      for await (const item of segmentLines(file)) {
        line++;
        if ('torn' in item) {
          report({
            file,
            line,
            field: 'record',
            message: 'torn last record (writer stopped mid-write): ignored',
          });
          break;
        }
        if ('damaged' in item) {
          if (!item.resync) {
            report({
              file,
              line,
              field: 'segment',
              message: `${item.damaged}: the rest of the segment is skipped`,
            });
            break;
          }
          lose(item.damaged);
          continue;
        }
        const value = decodeLine(item.text);
        if (line === 1) {
          const checked = typeof value === 'string' ? value : checkHeader(value);
          if (typeof checked === 'string') {
            report({ file, line, field: 'header', message: checked });
            break;
          }
          header = checked;
          continue;
        }
        if (typeof value === 'string') {
          lose(value);
          continue;
        }
        if (!header || value === null || typeof value !== 'object' || Array.isArray(value)) {
          lose('not a record');
          continue;
        }
        if ('k' in value) tree = value.k;
        else if (!('d' in value)) {
          lose('neither a keyframe nor a delta');
          continue;
        } else if (tree === undefined) continue;
        else {
          try {
            tree = applyPatch(tree, value.d ?? null);
          } catch (error) {
            lose(`delta does not apply (${(error as Error).message})`);
            continue;
          }
        }
        const t = typeof value.t === 'number' ? value.t : NaN;
        if (options.endMs !== undefined && t > options.endMs) return;
        if (options.startMs !== undefined && t < options.startMs) continue;
        yield { file, header, snapshot: fromPlain(options.select ? options.select(tree) : tree, addresses) };
      }
    } catch (error) {
      report({
        file,
        line,
        field: 'segment',
        message: `unreadable after this line: ${(error as Error).message}`,
      });
    }
  }
}
