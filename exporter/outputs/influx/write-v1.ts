/** InfluxDB 1.x writes through the `influx` package: POST /write?db=&rp=&precision=ms. */
import { InfluxDB, type IPoint } from 'influx';
import type { InfluxV1Target } from './options.js';
import type { InfluxPoint } from './points.js';
import { failureForStatus, InfluxWriteError, type InfluxWriter } from './writer.js';

/** The sink does its own retries and backoff; the package must not disable the host meanwhile. */
const NO_BACKOFF = {
  getDelay: () => 0,
  next() {
    return NO_BACKOFF;
  },
  reset() {
    return NO_BACKOFF;
  },
};

function asWriteError(error: unknown): InfluxWriteError {
  const status = (error as { res?: { statusCode?: number } }).res?.statusCode;
  const message = error instanceof Error ? error.message : String(error);
  return status === undefined
    ? new InfluxWriteError(message, 'retry')
    : new InfluxWriteError(message, failureForStatus(status, message), status);
}

export function createV1Writer(url: string, target: InfluxV1Target, timeoutMs: number): InfluxWriter {
  const parsed = new URL(url);
  const https = parsed.protocol === 'https:';
  const client = new InfluxDB({
    host: parsed.hostname,
    port: parsed.port === '' ? (https ? 443 : 80) : Number(parsed.port),
    protocol: https ? 'https' : 'http',
    path: parsed.pathname.replace(/\/+$/, ''),
    database: target.database,
    // The package fills in root/root for an undefined user; null sends no credentials at all.
    username: target.username === '' ? (null as unknown as undefined) : target.username,
    password: target.password,
    pool: { maxRetries: 0, requestTimeout: timeoutMs, backoff: NO_BACKOFF },
  });
  const options = {
    database: target.database,
    precision: 'ms' as const,
    ...(target.retentionPolicy === '' ? {} : { retentionPolicy: target.retentionPolicy }),
  };
  return {
    async prepare() {
      if (!target.createDatabase) return;
      try {
        await client.createDatabase(target.database);
      } catch (error) {
        throw asWriteError(error);
      }
    },
    async write(points) {
      const payload: IPoint[] = points.map((point: InfluxPoint) => ({
        measurement: point.measurement,
        tags: point.tags,
        fields: point.fields,
        timestamp: point.timestampMs,
      }));
      try {
        await client.writePoints(payload, options);
      } catch (error) {
        throw asWriteError(error);
      }
    },
    close: () => Promise.resolve(),
  };
}
