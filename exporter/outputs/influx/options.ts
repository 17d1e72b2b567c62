/** InfluxDB sink settings: the 1.x API (default) or the 2.x/3.x API, plus batching and buffering. */
import { option, type OptionSpec, type Options, MAX_TIMER_MS } from '../../core/options.js';

const INFLUX_URL = option({
  name: 'influx.url',
  kind: 'string',
  description: 'InfluxDB base URL with port, e.g. http://127.0.0.1:8086; empty disables the InfluxDB sink',
  default: '',
});

const INFLUX_API = option({
  name: 'influx.api',
  kind: 'string',
  description:
    'write API: v1 (/write with database and retention policy; InfluxDB 1.x) or v2 (/api/v2/write with token, org and bucket; InfluxDB 2.x, 3.x and 1.8+; needs the optional package @influxdata/influxdb-client)',
  default: 'v1',
  choices: ['v1', 'v2'],
});

const INFLUX_DATABASE = option({
  name: 'influx.database',
  kind: 'string',
  description: 'v1: database to write to',
  default: 'lvscope',
});

const INFLUX_RETENTION_POLICY = option({
  name: 'influx.retention-policy',
  kind: 'string',
  description: "v1: retention policy; empty uses the database's default",
  default: '',
});

const INFLUX_CREATE_DATABASE = option({
  name: 'influx.create-database',
  kind: 'boolean',
  description:
    'v1: create the database (CREATE DATABASE is idempotent) before the first write and when a write says it is missing',
  default: true,
});

const INFLUX_USERNAME = option({
  name: 'influx.username',
  kind: 'string',
  description: 'v1: user for HTTP basic authentication; empty sends none',
  default: '',
  env: 'INFLUX_USERNAME',
});

const INFLUX_PASSWORD = option({
  name: 'influx.password',
  kind: 'string',
  description: 'v1: password for influx.username',
  default: '',
  env: 'INFLUX_PASSWORD',
  secret: true,
});

const INFLUX_TOKEN = option({
  name: 'influx.token',
  kind: 'string',
  description: 'v2: API token (sent as "Authorization: Token ...")',
  default: '',
  env: 'INFLUX_TOKEN',
  secret: true,
});

const INFLUX_ORG = option({
  name: 'influx.org',
  kind: 'string',
  description: 'v2: organization (InfluxDB 3 ignores it)',
  default: '',
  env: 'INFLUX_ORG',
});

const INFLUX_BUCKET = option({
  name: 'influx.bucket',
  kind: 'string',
  description: 'v2: bucket (InfluxDB 3: database)',
  default: '',
  env: 'INFLUX_BUCKET',
});

const INFLUX_TAGS = option({
  name: 'influx.tags',
  kind: 'list',
  description:
    'tags added to every point as key=value; a host tag with the machine hostname is added unless given here',
  default: [],
});

const INFLUX_INTERVAL = option({
  name: 'influx.interval',
  kind: 'number',
  max: MAX_TIMER_MS,
  description: 'milliseconds between two collections written to InfluxDB',
  default: 15_000,
});

const INFLUX_TIMEOUT = option({
  name: 'influx.timeout',
  kind: 'number',
  max: MAX_TIMER_MS,
  description: 'milliseconds one write request may take before it counts as failed',
  default: 10_000,
});

const INFLUX_BATCH_SIZE = option({
  name: 'influx.batch-size',
  kind: 'number',
  description: 'most points (lines) sent in one write request',
  default: 5_000,
});

const INFLUX_BUFFER_SIZE = option({
  name: 'influx.buffer-size',
  kind: 'number',
  description:
    'most points kept while InfluxDB is slow or down (plus one batch in flight); when full, the oldest are dropped and counted',
  default: 100_000,
});

const INFLUX_MAX_BACKOFF = option({
  name: 'influx.max-backoff',
  kind: 'number',
  max: MAX_TIMER_MS,
  description:
    'milliseconds: longest wait between retries; the wait starts at 1 s and doubles after each failure',
  default: 30_000,
});

export const influxOptions = [
  INFLUX_URL,
  INFLUX_API,
  INFLUX_DATABASE,
  INFLUX_RETENTION_POLICY,
  INFLUX_CREATE_DATABASE,
  INFLUX_USERNAME,
  INFLUX_PASSWORD,
  INFLUX_TOKEN,
  INFLUX_ORG,
  INFLUX_BUCKET,
  INFLUX_TAGS,
  INFLUX_INTERVAL,
  INFLUX_TIMEOUT,
  INFLUX_BATCH_SIZE,
  INFLUX_BUFFER_SIZE,
  INFLUX_MAX_BACKOFF,
];

export interface InfluxV1Target {
  readonly api: 'v1';
  readonly database: string;
  readonly retentionPolicy: string;
  readonly createDatabase: boolean;
  readonly username: string;
  readonly password: string;
}

export interface InfluxV2Target {
  readonly api: 'v2';
  readonly token: string;
  readonly org: string;
  readonly bucket: string;
}

export interface InfluxConfig {
  readonly url: string;
  readonly target: InfluxV1Target | InfluxV2Target;
  readonly tags: Readonly<Record<string, string>>;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly batchSize: number;
  readonly bufferSize: number;
  readonly maxBackoffMs: number;
}

function positiveInteger(options: Options, spec: OptionSpec<'number'>): number {
  const value = options.get(spec);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${spec.name} must be a whole number >= 1, got ${value}`);
  return value;
}

function parseTags(items: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const item of items) {
    const separator = item.indexOf('=');
    if (separator < 1 || separator === item.length - 1) {
      throw new Error(`influx.tags: "${item}" is not key=value with a non-empty key and value`);
    }
    tags[item.slice(0, separator)] = item.slice(separator + 1);
  }
  return tags;
}

/** The resolved InfluxDB settings, or undefined when influx.url is empty (sink off). */
export function influxConfig(options: Options, hostname: string): InfluxConfig | undefined {
  const url = options.get(INFLUX_URL);
  if (url === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`influx.url: not a URL (want e.g. http://127.0.0.1:8086)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`influx.url: want an http or https URL, got ${parsed.protocol}`);
  }
  const api = options.get(INFLUX_API);
  const target: InfluxV1Target | InfluxV2Target =
    api === 'v2'
      ? {
          api: 'v2',
          token: options.get(INFLUX_TOKEN),
          org: options.get(INFLUX_ORG),
          bucket: options.get(INFLUX_BUCKET),
        }
      : {
          api: 'v1',
          database: options.get(INFLUX_DATABASE),
          retentionPolicy: options.get(INFLUX_RETENTION_POLICY),
          createDatabase: options.get(INFLUX_CREATE_DATABASE),
          username: options.get(INFLUX_USERNAME),
          password: options.get(INFLUX_PASSWORD),
        };
  if (target.api === 'v2' && target.bucket === '') throw new Error('influx.api=v2 needs influx.bucket');
  if (target.api === 'v1' && target.database === '') throw new Error('influx.api=v1 needs influx.database');
  return {
    url,
    target,
    tags: { host: hostname, ...parseTags(options.get(INFLUX_TAGS)) },
    intervalMs: positiveInteger(options, INFLUX_INTERVAL),
    timeoutMs: positiveInteger(options, INFLUX_TIMEOUT),
    batchSize: positiveInteger(options, INFLUX_BATCH_SIZE),
    bufferSize: positiveInteger(options, INFLUX_BUFFER_SIZE),
    maxBackoffMs: positiveInteger(options, INFLUX_MAX_BACKOFF),
  };
}
