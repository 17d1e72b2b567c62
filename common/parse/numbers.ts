/**
 * Numbers as the inputs print them, refused when no kernel or keepalived could have printed them:
 * a counter beyond 64 bits, a 309-digit weight (Infinity once read), a negative count, a NaN.
 * Each returns undefined for those, and the parser reports the field.
 */

/** 2^64: no kernel counter reaches it (u64). */
export const COUNTER_LIMIT = 2n ** 64n;

const DECIMAL = /^\d+$/;
const SIGNED_DECIMAL = /^-?\d+$/;

/**
 * The largest counter passed on: 2^64 less the 1024 values a double rounds up to 2^64 itself
 * (a u64 that close to wrapping is no real counter either).
 */
export const MAX_COUNTER = 2 ** 64 - 2048;

/** A counter read as a double, or undefined when it would round to 2^64 or beyond. */
export function boundedCounter(value: number): number | undefined {
  return value >= 0 && value <= MAX_COUNTER ? value : undefined;
}

/** An unsigned decimal counter below 2^64 (exact to 2^53, rounded beyond like float64(uint64)). */
export function decimalCounter(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  if (text.length <= 15) return Number(text);
  if (text.length > 40 || BigInt(text) >= COUNTER_LIMIT) return undefined;
  return boundedCounter(Number(text));
}

/** A decimal integer within [min, max] (both safe integers). */
export function boundedInteger(text: string, min: number, max: number): number | undefined {
  if (text.length > 20 || !SIGNED_DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}

/** A finite decimal fraction (`12.5`) within [min, max]; no exponents, no signs unless min < 0. */
export function boundedDecimal(text: string, min: number, max: number): number | undefined {
  if (text.length > 40 || !/^-?\d+(\.\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= min && value <= max ? value : undefined;
}
