import type { InfluxPoint } from './points.js';

/**
 * What went wrong with a write: `retry` keeps the batch for another attempt (network error,
 * timeout, 5xx, auth, throttling); `reject` means InfluxDB refused the data itself (400: bad line
 * protocol, field type conflict), which no retry can fix; `missing-database` asks for CREATE
 * DATABASE first.
 */
export type WriteFailure = 'retry' | 'reject' | 'missing-database';

export class InfluxWriteError extends Error {
  constructor(
    message: string,
    readonly failure: WriteFailure,
    /** HTTP status when InfluxDB answered; undefined for network errors and timeouts. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'InfluxWriteError';
  }
}

export function failureForStatus(status: number, body: string): WriteFailure {
  if (status === 404 && /database not found/i.test(body)) return 'missing-database';
  if (status === 400 || status === 413 || status === 422) return 'reject';
  return 'retry';
}

/** One InfluxDB write API. `write` throws InfluxWriteError. */
export interface InfluxWriter {
  /** Makes the target ready (v1: CREATE DATABASE when enabled). */
  prepare(): Promise<void>;
  write(points: readonly InfluxPoint[]): Promise<void>;
  close(): Promise<void>;
}
