/**
 * Time windows for reading a range in requests the server accepts: every window is (start, end],
 * a whole number of seconds long (VictoriaMetrics 1.79 parses `[Nms]` through a float and loses a
 * millisecond for some N; Prometheus refuses fractional seconds), sized so that one answer holds
 * about `targetPerRequest` samples or rows (measured on the previous window), never longer than
 * `maxWindowSeconds`. A window the server refuses for its size (a limit, a timeout) is halved and
 * read again, down to one second; later windows stay at most half the shortest one refused.
 */

/** The server refused a request for its size or ran out of time: a shorter window may pass. */
export class WindowTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WindowTooLargeError';
  }
}

export interface WindowOptions {
  /** Samples (rows) one answer should hold at most, about. */
  readonly targetPerRequest: number;
  /** Longest window, seconds. */
  readonly maxWindowSeconds: number;
  /** First window, seconds (later ones follow the density measured). */
  readonly initialWindowSeconds?: number;
  /** Halvings of one window before giving up (default 16: a day down to about a second). */
  readonly maxHalvings?: number;
}

export interface WindowStats {
  requests: number;
  items: number;
  halvings: number;
}

/**
 * Calls `read(startMs, endMs, seconds)` for consecutive windows covering (startMs, endMs]; `read`
 * returns how many samples the answer held (before filtering) and throws WindowTooLargeError when
 * the server refused the size. `seconds` is the whole-second length to ask for (≥ the window).
 */
export async function forEachWindow(
  startMs: number,
  endMs: number,
  options: WindowOptions,
  read: (startMs: number, endMs: number, seconds: number) => Promise<number>,
): Promise<WindowStats> {
  const stats: WindowStats = { requests: 0, items: 0, halvings: 0 };
  const maxWindow = Math.max(1, Math.floor(options.maxWindowSeconds));
  let window = Math.min(maxWindow, Math.max(1, Math.floor(options.initialWindowSeconds ?? 3600)));
  let halvings = 0;
  // Half the shortest window refused so far: windows never grow back to a size the server refused.
  let ceiling = maxWindow;
  let s = startMs;
  while (s < endMs) {
    const e = Math.min(endMs, s + window * 1000);
    const seconds = Math.max(1, Math.ceil((e - s) / 1000));
    let items: number;
    try {
      stats.requests++;
      items = await read(s, e, seconds);
    } catch (error) {
      if (!(error instanceof WindowTooLargeError)) throw error;
      if (seconds <= 1 || halvings >= (options.maxHalvings ?? 16))
        throw new Error(`${error.message} (still refused with a window of ${seconds} s)`, { cause: error });
      halvings++;
      stats.halvings++;
      ceiling = Math.min(ceiling, Math.max(1, Math.floor(seconds / 2)));
      window = ceiling;
      continue;
    }
    halvings = 0;
    stats.items += items;
    // Next window: as many seconds as hold the target at this window's density, at most 4× longer.
    const density = items / seconds;
    const fit = density > 0 ? Math.floor(options.targetPerRequest / density) : Infinity;
    window = Math.max(1, Math.min(ceiling, window * 4, fit));
    s = e;
  }
  return stats;
}
