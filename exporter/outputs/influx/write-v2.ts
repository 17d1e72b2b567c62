/**
 * InfluxDB 2.x/3.x writes (POST /api/v2/write?org=&bucket=&precision=ms, "Authorization: Token")
 * through @influxdata/influxdb-client, an optional dependency imported only when influx.api=v2.
 * Its own retry buffer is switched off: the sink's bounded buffer and backoff handle failures.
 */
import type { InfluxV2Target } from './options.js';
import { failureForStatus, InfluxWriteError, type InfluxWriter } from './writer.js';

const V2_PACKAGE = '@influxdata/influxdb-client';

async function loadClient() {
  try {
    return await import('@influxdata/influxdb-client');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `influx.api=v2 needs the optional package ${V2_PACKAGE} (npm install ${V2_PACKAGE}@1.35.0): ${reason}`,
      { cause: error },
    );
  }
}

function asWriteError(error: unknown): InfluxWriteError {
  const status = (error as { statusCode?: unknown }).statusCode;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof status !== 'number') return new InfluxWriteError(message, 'retry');
  const body = (error as { body?: unknown }).body;
  return new InfluxWriteError(
    message,
    failureForStatus(status, typeof body === 'string' ? body : message),
    status,
  );
}

export async function createV2Writer(
  url: string,
  target: InfluxV2Target,
  timeoutMs: number,
  batchSize: number,
): Promise<InfluxWriter> {
  const { InfluxDB, Point } = await loadClient();
  const client = new InfluxDB({
    url,
    timeout: timeoutMs,
    ...(target.token === '' ? {} : { token: target.token }),
  });
  const writeApi = client.getWriteApi(target.org, target.bucket, 'ms', {
    // One sink batch is one request: never flush on size or timer behind the sink's back.
    batchSize: batchSize + 1,
    flushInterval: 0,
    maxRetries: 0,
    maxBufferLines: batchSize,
    writeFailed: (error) => Promise.reject(error),
  });
  return {
    prepare: () => Promise.resolve(),
    async write(points) {
      for (const point of points) {
        const line = new Point(point.measurement);
        for (const [name, value] of Object.entries(point.tags)) line.tag(name, value);
        for (const [name, value] of Object.entries(point.fields)) line.floatField(name, value);
        writeApi.writePoint(line.timestamp(point.timestampMs));
      }
      try {
        await writeApi.flush();
      } catch (error) {
        throw asWriteError(error);
      }
    },
    async close() {
      writeApi.dispose();
      return Promise.resolve();
    },
  };
}
