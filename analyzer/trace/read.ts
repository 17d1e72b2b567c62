import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { FieldError } from './ipvsadm.js';
import { parseTraceLine } from './parse.js';
import type { TraceError, TraceLine } from './types.js';

export type TraceRecord =
  { readonly ok: true; readonly line: TraceLine } | { readonly ok: false; readonly error: TraceError };

/**
 * Reads a trace in chunks (memory stays bounded however long the file is) and yields, per chunk,
 * every parsed line or error in order. A bad line yields an error and never stops the rest.
 * Lines without a time take the time of the line before (0 at the start), so `ipvsadm -S`
 * output can head a trace as it is; times must never decrease.
 */
export async function* readTrace(input: Readable, file: string): AsyncGenerator<TraceRecord[]> {
  let lineNo = 0;
  let lastTime = 0;
  let rest = '';
  const parse = (text: string, out: TraceRecord[]): void => {
    lineNo++;
    try {
      const parsed = parseTraceLine(text.endsWith('\r') ? text.slice(0, -1) : text);
      if (parsed === null) return;
      const timeMs = parsed.timeMs ?? lastTime;
      if (timeMs < lastTime)
        throw new FieldError('time', `${timeMs} is before the previous line's ${lastTime}`);
      lastTime = timeMs;
      out.push({ ok: true, line: { line: lineNo, timeMs, item: parsed.item } });
    } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      out.push({ ok: false, error: { file, line: lineNo, field: e.field, message: e.message } });
    }
  };
  for await (const chunk of input) {
    const text = rest + (typeof chunk === 'string' ? chunk : String(chunk));
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    const batch: TraceRecord[] = [];
    for (const line of lines) parse(line, batch);
    yield batch;
  }
  if (rest !== '') {
    const batch: TraceRecord[] = [];
    parse(rest, batch);
    yield batch;
  }
}

/** Opens a trace file ("-" = standard input); rejects when it cannot be opened. */
export async function openTrace(path: string): Promise<Readable> {
  if (path === '-') return process.stdin;
  const stream = createReadStream(path, { encoding: 'utf8' });
  await once(stream, 'open');
  return stream;
}
