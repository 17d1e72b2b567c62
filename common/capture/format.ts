/**
 * The capture format (version 1): how `lvs-exporter --capture.dir` writes one record per
 * collection and how the analyzer reads them back. Shared by both programs so the two can only
 * disagree by version.
 *
 * A capture directory holds segments named `segment-<startMs>-<seq>.lvsc.gz`, in time order by
 * name. A segment is a series of gzip members, one per line, each written whole and fsynced (so
 * `zcat` reads a segment). As in BGZF (samtools' blocked gzip), every member's header carries its
 * own length in an extra field (subfield `LV`, 4 bytes little-endian), so a reader steps from
 * member to member: a member cut short by a crash or power loss is the torn last record, and a
 * damaged one in the middle costs only itself. Decompressed, the members are lines:
 *
 *     <crc32 of JSON, 8 hex digits> <JSON>\n
 *
 * The first line is the header ({"format": "lvscope-capture", "version": 1, ...}); every other
 * line is a record: `{"t": takenAtMs, "k": snapshot}` (a keyframe: the whole snapshot) or
 * `{"t": takenAtMs, "d": patch}` (what changed since the previous record of the segment). Every
 * segment starts with a keyframe, and one follows every KEYFRAME_EVERY records, so a damaged
 * record costs at most the records up to the next keyframe. A line whose CRC or JSON does not
 * check is torn: it and the deltas that depend on it are skipped, nothing before it is lost.
 *
 * Snapshots are stored as plain JSON with every IpAddr written as its text (the reader parses
 * them back). Version rule: CAPTURE_VERSION changes when the framing, the header or the patch
 * encoding changes meaning; the snapshot inside carries its own SNAPSHOT_VERSION. Readers refuse
 * versions they do not know, naming the file.
 */
import { crc32 } from 'node:zlib';
import { type IpAddr, parseIp } from '../net/ip.js';
import { SNAPSHOT_VERSION, type Snapshot } from '../snapshot.js';

export const CAPTURE_FORMAT = 'lvscope-capture';
export const CAPTURE_VERSION = 1;
export const KEYFRAME_EVERY = 100;
export const SEGMENT_PATTERN = /^segment-(\d{13})-(\d{6})\.lvsc\.gz$/;

export function segmentName(startMs: number, seq: number): string {
  return `segment-${String(startMs).padStart(13, '0')}-${String(seq).padStart(6, '0')}.lvsc.gz`;
}

export interface CaptureHeader {
  readonly format: typeof CAPTURE_FORMAT;
  readonly version: typeof CAPTURE_VERSION;
  readonly snapshotVersion: number;
  readonly startedAtMs: number;
  /** The director that wrote it (host name), the analyzer's `director`. */
  readonly host: string;
  readonly exporterVersion: string;
  /** `--capture.conn-sample`: one connection in N is in each record's ipvs.connSample (0 = none). */
  readonly connSampleOneIn: number;
}

/** gzip header with FEXTRA: ID1 ID2 CM FLG MTIME(4) XFL OS, XLEN(2), SI1 SI2 LEN(2) member length(4). */
const MEMBER_HEADER_BYTES = 20;
const MEMBER_TRAILER_BYTES = 8;

/** One line as a gzip member that names its own length (raw deflate data already compressed). */
export function gzipMember(line: Buffer, deflated: Buffer): Buffer {
  const total = MEMBER_HEADER_BYTES + deflated.length + MEMBER_TRAILER_BYTES;
  const member = Buffer.alloc(total);
  member.set([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff], 0);
  member.writeUInt16LE(8, 10);
  member.set([0x4c, 0x56], 12); // 'LV'
  member.writeUInt16LE(4, 14);
  member.writeUInt32LE(total, 16);
  deflated.copy(member, MEMBER_HEADER_BYTES);
  member.writeUInt32LE(crc32(line), total - 8);
  member.writeUInt32LE(line.length >>> 0, total - 4);
  return member;
}

/**
 * The length of the member starting at `buffer[offset]` from its header, or a reason it is not
 * one of ours. Needs MEMBER_HEADER_BYTES of input.
 */
export function memberLength(buffer: Buffer, offset: number): number | string {
  if (buffer.length - offset < MEMBER_HEADER_BYTES) return 'truncated member header';
  const ok =
    buffer[offset] === 0x1f &&
    buffer[offset + 1] === 0x8b &&
    buffer[offset + 2] === 8 &&
    buffer[offset + 3] === 4 &&
    buffer.readUInt16LE(offset + 10) === 8 &&
    buffer[offset + 12] === 0x4c &&
    buffer[offset + 13] === 0x56 &&
    buffer.readUInt16LE(offset + 14) === 4;
  if (!ok) return 'not a capture gzip member';
  const total = buffer.readUInt32LE(offset + 16);
  return total >= MEMBER_HEADER_BYTES + MEMBER_TRAILER_BYTES ? total : 'member length too small';
}

/** The raw deflate data and trailer fields of a whole member. */
export function memberParts(member: Buffer): { deflated: Buffer; crc: number; size: number } {
  return {
    deflated: member.subarray(MEMBER_HEADER_BYTES, member.length - MEMBER_TRAILER_BYTES),
    crc: member.readUInt32LE(member.length - 8),
    size: member.readUInt32LE(member.length - 4),
  };
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

export function encodeLine(value: unknown): string {
  const json = JSON.stringify(value);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/** The JSON of one line (without its newline), or why the line is torn. */
export function decodeLine(line: string): JsonValue | string {
  if (line.length < 10 || line[8] !== ' ') return 'not a capture line';
  const json = line.slice(9);
  if (crc32(json).toString(16).padStart(8, '0') !== line.slice(0, 8)) return 'CRC mismatch';
  try {
    return JSON.parse(json) as JsonValue;
  } catch {
    return 'CRC matches but the JSON does not parse';
  }
}

const isIpAddr = (value: object): value is IpAddr =>
  'words' in value && 'text' in value && 'family' in value && Object.keys(value).length === 3;

/** A snapshot as plain JSON: IpAddr records become their text. */
export function toPlain(snapshot: Snapshot): JsonObject {
  return JSON.parse(
    JSON.stringify(snapshot, (_key, value: unknown) =>
      value !== null && typeof value === 'object' && isIpAddr(value) ? value.text : value,
    ),
  ) as JsonObject;
}

/** Keys whose string values are addresses in the snapshot model (every IpAddr field is one of these). */
const ADDRESS_KEYS = new Set(['addr', 'remote', 'client', 'virtual']);

/**
 * The inverse of toPlain: address texts under ADDRESS_KEYS become IpAddr again. IpAddr records
 * are immutable, so one per distinct text is shared (a reader revives the same few addresses in
 * every record).
 */
export function fromPlain(plain: JsonValue, addresses = new Map<string, IpAddr>()): Snapshot {
  const address = (text: string): IpAddr | string => {
    let addr = addresses.get(text);
    if (!addr) {
      const parsed = parseIp(text);
      if (!parsed) return text;
      addresses.set(text, (addr = parsed));
    }
    return addr;
  };
  const revive = (value: JsonValue, key: string): unknown => {
    if (typeof value === 'string') return ADDRESS_KEYS.has(key) ? address(value) : value;
    if (Array.isArray(value)) return value.map((item) => revive(item, key));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const k in value) out[k] = revive(value[k]!, k);
      return out;
    }
    return value;
  };
  return revive(plain, '') as Snapshot;
}

/**
 * A patch turns one plain tree into the next: a bare string, boolean or null, or a number where
 * the old value was not an integer, replaces; `[d]` adds d to an integer (counters grow by small
 * steps: short text, and gzip likes it); `{"$": value}` replaces with an object or array; an
 * object without `$` patches the keys it names (`"$del": [...]` removes keys); `{"$a": {index:
 * patch}, "$n": length}` patches an array. Snapshot keys never start with `$`; an object that has
 * such a key is replaced whole rather than patched, so the encoding stays unambiguous.
 */
export type Patch = JsonValue;

const isObject = (value: JsonValue | undefined): value is JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const hasReservedKey = (value: JsonObject): boolean => Object.keys(value).some((key) => key.startsWith('$'));

/** An own property, whatever its name (`__proto__` and `toString` included). */
const own = (value: JsonObject, key: string): JsonValue | undefined =>
  Object.hasOwn(value, key) ? value[key] : undefined;

function setOwn(target: JsonObject, key: string, value: JsonValue): void {
  // Plain assignment, except for the one key whose assignment would set the prototype instead.
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

export function diff(before: JsonValue | undefined, after: JsonValue): Patch | undefined {
  if (before === after) return undefined;
  if (typeof after === 'number' && Number.isSafeInteger(after) && Number.isSafeInteger(before)) {
    return [after - (before as number)];
  }
  if (after === null || typeof after !== 'object') {
    // A bare number would read as "replace", which is right unless both were integers (above).
    return after;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const items: JsonObject = {};
    let changed = before.length !== after.length;
    for (let i = 0; i < after.length; i++) {
      const patch = diff(before[i], after[i]!);
      if (patch !== undefined) {
        items[i] = patch;
        changed = true;
      }
    }
    return changed ? { $a: items, $n: after.length } : undefined;
  }
  if (isObject(before) && isObject(after) && !hasReservedKey(after) && !hasReservedKey(before)) {
    const patch: JsonObject = {};
    let changed = false;
    for (const [key, value] of Object.entries(after)) {
      const sub = diff(own(before, key), value);
      if (sub !== undefined) {
        setOwn(patch, key, sub);
        changed = true;
      }
    }
    const removed = Object.keys(before).filter((key) => !Object.hasOwn(after, key));
    if (removed.length > 0) {
      patch.$del = removed;
      changed = true;
    }
    return changed ? patch : undefined;
  }
  return { $: after };
}

/**
 * Applies a patch made by diff() and returns the new tree. The old tree is changed in place
 * (a reader keeps only the latest one); throws on a patch that does not fit it (a damaged chain).
 */
export function applyPatch(before: JsonValue | undefined, patch: Patch): JsonValue {
  if (patch === null || typeof patch !== 'object') return patch;
  if (Array.isArray(patch)) {
    if (typeof before !== 'number' || typeof patch[0] !== 'number')
      throw new Error('a number patch on a non-number');
    return before + patch[0];
  }
  if (Object.hasOwn(patch, '$')) return patch.$ ?? null;
  if (Object.hasOwn(patch, '$a')) {
    if (!Array.isArray(before) || !isObject(patch.$a) || typeof patch.$n !== 'number') {
      throw new Error('array patch on a non-array');
    }
    if (patch.$n > before.length + Object.keys(patch.$a).length) throw new Error('array patch leaves holes');
    before.length = Math.min(before.length, patch.$n);
    for (const [index, sub] of Object.entries(patch.$a))
      before[Number(index)] = applyPatch(before[Number(index)], sub);
    for (let i = 0; i < patch.$n; i++) if (!(i in before)) throw new Error('array patch leaves holes');
    return before;
  }
  if (!isObject(before)) throw new Error('object patch on a non-object');
  for (const [key, sub] of Object.entries(patch)) {
    if (key !== '$del') setOwn(before, key, applyPatch(own(before, key), sub));
  }
  if (Array.isArray(patch.$del))
    for (const key of patch.$del) if (typeof key === 'string') delete before[key];
  return before;
}

/** Whether a decoded header is one this code can read; a string says why not. */
export function checkHeader(value: JsonValue): CaptureHeader | string {
  if (!isObject(value) || value.format !== CAPTURE_FORMAT) return 'not an lvscope capture (no header)';
  if (value.version !== CAPTURE_VERSION) {
    return `capture format version ${JSON.stringify(value.version)}; this lvscope reads version ${CAPTURE_VERSION}`;
  }
  if (value.snapshotVersion !== SNAPSHOT_VERSION) {
    return `snapshot version ${JSON.stringify(value.snapshotVersion)}; this lvscope reads version ${SNAPSHOT_VERSION}`;
  }
  return value as unknown as CaptureHeader;
}
