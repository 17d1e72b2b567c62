import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { FieldError } from './ipvsadm.js';
import { parseTraceLine } from './parse.js';
import type { TraceError, TraceLine } from './types.js';

export type TraceRecord =
  { readonly ok: true; readonly line: TraceLine } | { readonly ok: false; readonly error: TraceError };

/**
 * Reads a trace line by line (memory stays bounded however long the file is) and yields every
 * parsed line or error in order. A bad line yields an error and never stops the rest. Lines
 * without a time take the time of the line before (0 at the start), so `ipvsadm -S` output can
 * head a trace as it is; times must never decrease.
 */
export async function* readTrace(input: Readable, file: string): AsyncGenerator<TraceRecord> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  let lastTime = 0;
  for await (const text of lines) {
    lineNo++;
    try {
      const parsed = parseTraceLine(text);
      if (parsed === null) continue;
      const timeMs = parsed.timeMs ?? lastTime;
      if (timeMs < lastTime)
        throw new FieldError('time', `${timeMs} is before the previous line's ${lastTime}`);
      lastTime = timeMs;
      yield { ok: true, line: { line: lineNo, timeMs, item: parsed.item } };
    } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      yield { ok: false, error: { file, line: lineNo, field: e.field, message: e.message } };
    }
  }
}

/** Opens a trace file ("-" = standard input); rejects when it cannot be opened. */
export async function openTrace(path: string): Promise<Readable> {
  if (path === '-') return process.stdin;
  const stream = createReadStream(path, { encoding: 'utf8' });
  await once(stream, 'open');
  return stream;
}
