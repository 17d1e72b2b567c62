/**
 * Reading files whose path an operator (or an attacker with write access to a directory) chose:
 * /proc/net/ip_vs*, keepalived dumps, pid files, keepalived.conf includes. A plain open() of a
 * FIFO blocks until a writer appears, and every such open holds one of libuv's four threadpool
 * threads: four scrapes later no file can be read at all and the process cannot exit. So files
 * are opened O_NONBLOCK (a FIFO opens at once), checked with fstat to be regular files (procfs
 * files are, with size 0) and read with a byte cap; a source also runs one read at a time
 * (ReadGate), so even a read the kernel never answers (a hung NFS or FUSE file) holds at most
 * one thread per source.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

// libuv adds O_CLOEXEC itself.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;
const CHUNK_BYTES = 64 * 1024;

/** What a path names when it is not a regular file, for the error message. */
function fileKind(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function notRegular(path: string, stats: Stats): Error {
  return Object.assign(new Error(`${path}: is ${fileKind(stats)}, not a regular file`), {
    code: 'ENOTREG',
  });
}

function tooLarge(path: string, maxBytes: number): Error {
  return Object.assign(new Error(`${path}: larger than ${maxBytes} bytes`), { code: 'EFBIG' });
}

/** Opens `path` for reading without blocking and only if it is a regular file. */
export async function openRegularFile(path: string): Promise<FileHandle> {
  const handle = await open(path, OPEN_FLAGS);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw notRegular(path, stats);
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

export interface RegularReadOptions {
  readonly maxBytes: number;
  readonly encoding: BufferEncoding;
  /** Checked between chunks: a read past the collection deadline stops early. */
  readonly signal?: AbortSignal;
}

/**
 * A regular file read whole, up to `maxBytes` (procfs reports size 0, so the size is not
 * trusted: chunks are read until EOF). Rejects with `path: why`.
 */
export async function readRegularFile(path: string, options: RegularReadOptions): Promise<string> {
  options.signal?.throwIfAborted();
  const handle = await openRegularFile(path);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, options.maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > options.maxBytes) throw tooLarge(path, options.maxBytes);
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total).toString(options.encoding);
  } finally {
    await handle.close();
  }
}

/** The synchronous form, for the keepalived.conf expansion (a pure parser with injected reads). */
export function readRegularFileSync(path: string, maxBytes: number): string {
  const fd = openSync(path, OPEN_FLAGS);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw notRegular(path, stats);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, maxBytes + 1 - total));
      const bytesRead = readSync(fd, chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(path, maxBytes);
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * One read at a time for one source: while a read has not returned (the kernel never answered
 * it), the next collection fails at once instead of queueing another thread behind it. The
 * caller's wait ends at `signal` (the collection deadline) with an error naming the path, even
 * when the read itself cannot be interrupted.
 */
export class ReadGate {
  private pendingSinceMs: number | undefined;

  run<T>(what: string, read: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.pendingSinceMs !== undefined) {
      const seconds = ((Date.now() - this.pendingSinceMs) / 1000).toFixed(1);
      return Promise.reject(
        new Error(`${what}: the previous read has not returned for ${seconds} s; not starting another`),
      );
    }
    this.pendingSinceMs = Date.now();
    const reading = read().finally(() => {
      this.pendingSinceMs = undefined;
    });
    if (!signal) return reading;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(new Error(`${what}: no answer before the collection deadline`));
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      reading.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}
