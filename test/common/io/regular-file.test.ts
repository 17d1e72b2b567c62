/** Reads that must not block: real FIFOs (mkfifo), a directory, a device, procfs, a byte cap. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReadGate, readRegularFile, readRegularFileSync } from '../../../common/io/regular-file.js';

const dir = mkdtempSync(join(tmpdir(), 'lvscope-fz-regular-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fifo = join(dir, 'fifo');
execFileSync('mkfifo', [fifo], { timeout: 5000 });
const read = (path: string, maxBytes = 1 << 20) => readRegularFile(path, { maxBytes, encoding: 'utf8' });

describe('readRegularFile', () => {
  it('refuses a FIFO at once, naming the path, without waiting for a writer', async () => {
    await expect(read(fifo)).rejects.toThrow(`${fifo}: is a FIFO, not a regular file`);
    expect(() => readRegularFileSync(fifo, 100)).toThrow(`${fifo}: is a FIFO, not a regular file`);
  });

  it('refuses directories and devices', async () => {
    await expect(read(dir)).rejects.toThrow('is a directory');
    await expect(read('/dev/zero')).rejects.toThrow('is a character device');
  });

  it('reads procfs files (size 0) whole and regular files up to the cap', async () => {
    expect(await read('/proc/self/status')).toMatch(/^Name:/);
    const file = join(dir, 'f');
    writeFileSync(file, 'x'.repeat(1000));
    expect(await read(file, 1000)).toHaveLength(1000);
    await expect(read(file, 999)).rejects.toThrow(`${file}: larger than 999 bytes`);
  });
});

describe('ReadGate', () => {
  it('runs one read at a time and ends the wait at the deadline with the path', async () => {
    const gate = new ReadGate();
    let finish: (() => void) | undefined;
    const stuck = new Promise<string>((resolve) => (finish = () => resolve('late')));
    const deadline = new AbortController();
    const first = gate.run('/proc/net/ip_vs', () => stuck, deadline.signal);
    await expect(gate.run('/proc/net/ip_vs', () => Promise.resolve('x'))).rejects.toThrow(
      /^\/proc\/net\/ip_vs: the previous read has not returned for \d+\.\d s; not starting another$/,
    );
    deadline.abort();
    await expect(first).rejects.toThrow('/proc/net/ip_vs: no answer before the collection deadline');
    finish?.();
    await stuck;
    await new Promise((resolve) => setImmediate(resolve));
    expect(await gate.run('/proc/net/ip_vs', () => Promise.resolve('next'))).toBe('next');
  });
});
