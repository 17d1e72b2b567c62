import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TextOutput } from '../../../common/io/text-output.js';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`write ${code}`), { code });
}

/** A stream that takes `accepted` writes, then fails every write with `code`. */
function failingAfter(accepted: number, code: string): { stream: Writable; written: string[] } {
  const written: string[] = [];
  const stream = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _encoding, done) {
      if (written.length >= accepted) return done(errno(code));
      written.push(chunk.toString());
      setImmediate(done);
    },
  });
  return { stream, written };
}

describe('TextOutput', () => {
  it('waits while the buffer is full, so a slow reader bounds memory', async () => {
    let pendingMax = 0;
    const stream = new Writable({
      highWaterMark: 64,
      write(_chunk: Buffer, _encoding, done) {
        pendingMax = Math.max(pendingMax, stream.writableLength);
        setTimeout(done, 1);
      },
    });
    const output = new TextOutput(stream, true);
    for (let i = 0; i < 50; i++) await output.write('x'.repeat(40));
    await output.end();
    expect(pendingMax).toBeLessThanOrEqual(80);
  });

  it('a reader that left (EPIPE) closes the output quietly', async () => {
    const { stream, written } = failingAfter(2, 'EPIPE');
    const output = new TextOutput(stream);
    for (let i = 0; i < 10 && output.open; i++) await output.write(`line ${i}\n`);
    expect(output.open).toBe(false);
    await expect(output.end()).resolves.toBeUndefined();
    expect(written).toEqual(['line 0\n', 'line 1\n']);
  });

  it('any other write error closes it too, and end() reports it', async () => {
    const { stream } = failingAfter(1, 'ENOSPC');
    const output = new TextOutput(stream, true);
    for (let i = 0; i < 10 && output.open; i++) await output.write(`line ${i}\n`);
    expect(output.open).toBe(false);
    await expect(output.end()).rejects.toThrow(/ENOSPC/);
  });
});
