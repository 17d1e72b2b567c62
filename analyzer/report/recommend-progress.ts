/**
 * A progress bar on standard error for recommend/whatif runs: shown only on a terminal, only
 * once a run has lasted PROGRESS_AFTER_MS (a quick run prints nothing), redrawn at most every
 * REDRAW_MS, and erased at the end so the report starts on a clean line.
 */
import type { Writable } from 'node:stream';

const PROGRESS_AFTER_MS = 1000;
const REDRAW_MS = 100;
const WIDTH = 30;

export type ProgressStream = Writable & { readonly isTTY?: boolean };

export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly enabled: boolean,
    private readonly label: string,
  ) {}

  /** Whether a bar can appear at all: a terminal, not JSON, not --quiet. */
  static wanted(stream: ProgressStream, format: string, quiet: boolean): boolean {
    return stream.isTTY === true && format !== 'json' && !quiet;
  }

  update(done: number, total: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.started < PROGRESS_AFTER_MS || now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const share = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(share * WIDTH);
    const secs = ((now - this.started) / 1000).toFixed(0);
    this.stream.write(
      `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total} replays, ${secs} s`,
    );
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}
