/** Least-squares slope and extremes of a sampled series (the soak's growth figures). */

export interface Sample {
  /** Minutes since the soak started. */
  readonly minute: number;
  readonly value: number;
}

export interface Trend {
  readonly min: number;
  readonly max: number;
  /** Units per minute, least squares over the samples given. */
  readonly slopePerMinute: number;
  readonly count: number;
}

export function trend(samples: readonly Sample[]): Trend {
  if (samples.length < 2) throw new Error(`a trend needs at least 2 samples, got ${samples.length}`);
  let min = Infinity;
  let max = -Infinity;
  let sx = 0;
  let sy = 0;
  for (const { minute, value } of samples) {
    min = Math.min(min, value);
    max = Math.max(max, value);
    sx += minute;
    sy += value;
  }
  const mx = sx / samples.length;
  const my = sy / samples.length;
  let sxy = 0;
  let sxx = 0;
  for (const { minute, value } of samples) {
    sxy += (minute - mx) * (value - my);
    sxx += (minute - mx) ** 2;
  }
  if (sxx === 0) throw new Error('a trend needs samples at different times');
  return { min, max, slopePerMinute: sxy / sxx, count: samples.length };
}
