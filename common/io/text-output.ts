/**
 * Text written to standard output or a file by the command-line tools (`lvs-exporter --once`,
 * `lvs-analyze simulate`), with back-pressure so memory never holds more than the stream's buffer,
 * and the Unix convention for a reader that stops early (`| head`): the write fails with EPIPE,
 * and that ends the output quietly instead of crashing the process with an unhandled 'error'.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Resolves when `stream` can take more, or is gone (a reader that left must not stall us). */
export async function drained(stream: Writable): Promise<void> {
  if (stream.destroyed || stream.errored || !stream.writableNeedDrain) return;
  const abort = new AbortController();
  // once() rejects on an 'error' event: whoever owns the stream records that error.
  await Promise.race([
    once(stream, 'drain', { signal: abort.signal }),
    once(stream, 'close', { signal: abort.signal }),
  ]).catch(() => undefined);
  abort.abort();
}

export class TextOutput {
  private readerGone = false;
  private error: Error | undefined;

  /** `owned`: the output is ours to end (a file); standard output is left open for the process. */
  constructor(
    private readonly stream: Writable,
    private readonly owned = false,
  ) {
    stream.on('error', (error: Error) => this.fail(error));
  }

  /** False once the reader went away or writing failed: producers may stop early. */
  get open(): boolean {
    return !this.readerGone && this.error === undefined;
  }

  /** Writes a chunk, waiting while the stream's buffer is full; does nothing once closed. */
  async write(chunk: string): Promise<void> {
    if (!this.open) return;
    try {
      // A synchronous pipe (stdout on Linux) may throw EPIPE here instead of emitting it.
      if (this.stream.write(chunk)) return;
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    await drained(this.stream);
  }

  /**
   * Flushes, ends an owned stream, and rejects with the first write error other than EPIPE (a
   * full disk must not pass for a finished output).
   */
  async end(): Promise<void> {
    if (this.owned && this.open) {
      // end()'s callback gets a failed final write's error before the 'error' event does.
      await new Promise<void>((resolve) =>
        this.stream.end((error?: Error | null) => {
          if (error) this.fail(error);
          resolve();
        }),
      );
    } else if (this.open) {
      await drained(this.stream);
      // A failed write reports its error on a later tick (on a file as on a pipe): wait for it.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.error) throw this.error;
  }

  private fail(error: Error): void {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') this.readerGone = true;
    else this.error ??= error;
  }
}
