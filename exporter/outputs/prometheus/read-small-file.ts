/**
 * Reads a small configuration file (web config, certificate, key) without letting it hang the
 * process: the file is opened non-blocking, so a FIFO put at the path cannot block open() or
 * read(), and anything that is not a regular file, or is larger than the cap, is refused with an
 * error naming the path. Synchronous on purpose: these reads happen at start and when a
 * connection arrives, are a few kB, and a regular file's read does not wait on anyone.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Far above any certificate chain or web config; a bigger file is a mistake, not a config. */
export const MAX_CONFIG_BYTES = 1 << 20;

export interface FileSignature {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

export function sameSignature(a: FileSignature, b: FileSignature): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** The file's text and the signature it had when read. */
export function readSmallFile(
  path: string,
  maxBytes = MAX_CONFIG_BYTES,
): { text: string; signature: FileSignature } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error(`${path}: not a regular file`);
    if (stat.size > maxBytes)
      throw new Error(`${path}: ${stat.size} bytes, more than the ${maxBytes} allowed`);
    const buffer = Buffer.alloc(stat.size);
    let filled = 0;
    while (filled < buffer.length) {
      const read = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    const signature = { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs };
    return { text: buffer.subarray(0, filled).toString('utf8'), signature };
  } finally {
    closeSync(fd);
  }
}
