/**
 * Streaming reader of the classic pcap format (what `tcpdump -w -` writes): the global header in
 * either byte order, microsecond or nanosecond timestamps, then records that may arrive split
 * across any number of chunks. pcap has no sync marker, so a record whose length cannot be right
 * stops the stream for good (reported once): the caller restarts the capture. Memory is bounded
 * by one record (at most MAX_RECORD bytes) plus one chunk.
 */
import type { ParseIssue } from '../parse/issue.js';

export interface PcapRecord {
  /** 1-based position in the stream, for error messages. */
  readonly number: number;
  /** Capture time, epoch milliseconds. */
  readonly timestampMs: number;
  readonly linkType: number;
  /** The captured bytes (at most the snapshot length): a view into the pushed data. */
  readonly data: Buffer;
  /** Length of the packet on the wire. */
  readonly originalLength: number;
}

const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;
/** libpcap's own upper bound on a snapshot length (MAXIMUM_SNAPLEN). */
export const MAX_RECORD = 262_144;

const MAGIC_MICRO = 0xa1b2c3d4;
const MAGIC_NANO = 0xa1b23c4d;

interface Header {
  readonly littleEndian: boolean;
  readonly nano: boolean;
  readonly snapLength: number;
  readonly linkType: number;
}

function swap32(value: number): number {
  return (((value & 0xff) << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | (value >>> 24)) >>> 0;
}

function readHeader(bytes: Buffer): Header | string {
  const magic = bytes.readUInt32LE(0);
  let littleEndian: boolean;
  if (magic === MAGIC_MICRO || magic === MAGIC_NANO) littleEndian = true;
  else if (swap32(magic) === MAGIC_MICRO || swap32(magic) === MAGIC_NANO) littleEndian = false;
  else return `not a pcap stream (magic 0x${magic.toString(16).padStart(8, '0')})`;
  const nano = (littleEndian ? magic : swap32(magic)) === MAGIC_NANO;
  const u16 = (at: number) => (littleEndian ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const u32 = (at: number) => (littleEndian ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  if (u16(4) !== 2) return `pcap version ${u16(4)}.${u16(6)} is not 2.x`;
  // The upper bits of the link-type word carry FCS information (pcap-savefile(5)).
  return { littleEndian, nano, snapLength: u32(16), linkType: u32(20) & 0x0fff_ffff };
}

export class PcapStream {
  private header?: Header;
  private pending: Buffer = Buffer.alloc(0);
  private recordNumber = 0;
  private failure?: ParseIssue;

  /** Set once the stream stopped on bad input; no record is produced after it. */
  get issue(): ParseIssue | undefined {
    return this.failure;
  }

  /** Link type from the global header (undefined until it was read). */
  get linkType(): number | undefined {
    return this.header?.linkType;
  }

  /** Bytes held back waiting for the rest of a record. */
  get buffered(): number {
    return this.pending.length;
  }

  /** Feeds the next chunk; calls onRecord for every record completed by it. */
  push(chunk: Buffer, onRecord: (record: PcapRecord) => void): void {
    if (this.failure) return;
    const bytes = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let offset = 0;
    if (!this.header) {
      if (bytes.length < GLOBAL_HEADER) {
        this.pending = bytes;
        return;
      }
      const header = readHeader(bytes);
      if (typeof header === 'string') return this.fail(0, 'header', header);
      this.header = header;
      offset = GLOBAL_HEADER;
    }
    const { littleEndian, nano, snapLength, linkType } = this.header;
    const u32 = (at: number) => (littleEndian ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
    const limit = Math.min(snapLength > 0 ? snapLength : MAX_RECORD, MAX_RECORD);
    while (bytes.length - offset >= RECORD_HEADER) {
      const seconds = u32(offset);
      const fraction = u32(offset + 4);
      const included = u32(offset + 8);
      const original = u32(offset + 12);
      const number = this.recordNumber + 1;
      if (included > limit)
        return this.fail(number, 'incl_len', `${included} bytes exceeds the snapshot length ${limit}`);
      if (fraction >= (nano ? 1e9 : 1e6))
        return this.fail(number, 'ts_frac', `${fraction} is not a fraction of a second`);
      if (bytes.length - offset - RECORD_HEADER < included) break;
      const start = offset + RECORD_HEADER;
      this.recordNumber = number;
      offset = start + included;
      onRecord({
        number,
        timestampMs: seconds * 1000 + fraction / (nano ? 1e6 : 1e3),
        linkType,
        data: bytes.subarray(start, start + included),
        originalLength: original,
      });
    }
    // Copied so the whole chunk is not kept alive by a small remainder.
    this.pending = offset === bytes.length ? Buffer.alloc(0) : Buffer.from(bytes.subarray(offset));
  }

  /** The input ended: a partial record left over is reported (tcpdump was killed mid-write). */
  end(): ParseIssue | undefined {
    if (this.failure) return this.failure;
    if (this.pending.length === 0) return undefined;
    const field = this.header ? 'record' : 'header';
    this.fail(this.recordNumber + 1, field, `stream ended inside a ${field} (${this.pending.length} bytes)`);
    return this.failure;
  }

  private fail(line: number, field: string, message: string): void {
    this.failure = { file: 'pcap', line, field, message };
    this.pending = Buffer.alloc(0);
  }
}
