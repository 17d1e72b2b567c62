import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { FieldError } from '../ipvsadm/parse-command.js';
import { parseTraceLine } from './parse.js';
import { type ParseIssue, boundedIssue } from '../../../common/parse/issue.js';
import type { TraceLine } from './types.js';

/** Far above any trace line (an ipvsadm command with every option is a few hundred characters). */
const MAX_LINE_CHARS = 1 << 16;

export type TraceRecord =
  { readonly ok: true; readonly line: TraceLine } | { readonly ok: false; readonly error: ParseIssue };

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
      // The command parser quotes its input freely: bounded and escaped here.
      out.push({
        ok: false,
        error: boundedIssue({ file, line: lineNo, field: e.field, message: e.message }),
      });
    }
  };
  // A line longer than any real trace line (a binary file, no newline at all) is reported and
  // skipped up to its newline, so memory stays bounded.
  let skipping = false;
  for await (const chunk of input) {
    const lines = (rest + (typeof chunk === 'string' ? chunk : String(chunk))).split('\n');
    rest = lines.pop() ?? '';
    const batch: TraceRecord[] = [];
    for (const line of lines) {
      if (skipping) {
        skipping = false;
        continue;
      }
      parse(line, batch);
    }
    if (rest.length > MAX_LINE_CHARS) {
      if (!skipping) {
        lineNo++;
        const message = `longer than ${MAX_LINE_CHARS} characters`;
        batch.push({ ok: false, error: { file, line: lineNo, field: 'line', message } });
      }
      skipping = true;
      rest = '';
    }
    yield batch;
  }
  if (rest !== '' && !skipping) {
    const batch: TraceRecord[] = [];
    parse(rest, batch);
    yield batch;
  }
}

/** Opens a trace file ("-" = standard input); rejects when it cannot be opened. */
export async function openTrace(path: string): Promise<Readable> {
  // Decoded as a stream: a multi-byte character may straddle two chunks.
  if (path === '-') return process.stdin.setEncoding('utf8');
  const stream = createReadStream(path, { encoding: 'utf8' });
  await once(stream, 'open');
  return stream;
}
