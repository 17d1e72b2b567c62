/**
 * OTLP sink settings. Each one also reads the standard OTEL_* variable, with the OTel meaning:
 * the generic endpoint is a base URL (http protocols append /v1/metrics), the metrics-specific
 * endpoint/protocol/headers win over the generic ones, and OTEL_METRIC_EXPORT_INTERVAL is in ms.
 */
import { option, type Options, MAX_TIMER_MS } from '../../core/options.js';

const DEFAULT_SERVICE_NAME = 'lvs-exporter';

export const PROTOCOLS = ['grpc', 'http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof PROTOCOLS)[number];

const OTLP_ENDPOINT = option({
  name: 'otlp.endpoint',
  kind: 'string',
  description:
    'OTLP receiver base URL (http://host:4318 for http/*, http://host:4317 for grpc); http protocols append /v1/metrics; empty disables the OTLP sink unless otlp.metrics-endpoint is set',
  default: '',
  env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
});

const OTLP_METRICS_ENDPOINT = option({
  name: 'otlp.metrics-endpoint',
  kind: 'string',
  description: 'OTLP metrics URL used as is; wins over otlp.endpoint',
  default: '',
  env: 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
});

const OTLP_PROTOCOL = option({
  name: 'otlp.protocol',
  kind: 'string',
  description: 'OTLP transport',
  default: 'http/protobuf',
  choices: PROTOCOLS,
  env: 'OTEL_EXPORTER_OTLP_PROTOCOL',
});

const OTLP_METRICS_PROTOCOL = option({
  name: 'otlp.metrics-protocol',
  kind: 'string',
  description: 'OTLP transport for metrics; wins over otlp.protocol when not empty',
  default: '',
  choices: ['', ...PROTOCOLS],
  env: 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL',
});

const OTLP_HEADERS = option({
  name: 'otlp.headers',
  kind: 'list',
  description: 'extra request headers (gRPC metadata) as key=value, values percent-encoded',
  default: [],
  env: 'OTEL_EXPORTER_OTLP_HEADERS',
  secret: true,
});

const OTLP_METRICS_HEADERS = option({
  name: 'otlp.metrics-headers',
  kind: 'list',
  description: 'extra headers for metrics as key=value; win over otlp.headers for the same key',
  default: [],
  env: 'OTEL_EXPORTER_OTLP_METRICS_HEADERS',
  secret: true,
});

const OTLP_INTERVAL = option({
  name: 'otlp.interval',
  kind: 'number',
  max: MAX_TIMER_MS,
  description: 'milliseconds between two exports',
  default: 60_000,
  env: 'OTEL_METRIC_EXPORT_INTERVAL',
});

const OTLP_TIMEOUT = option({
  name: 'otlp.timeout',
  kind: 'number',
  max: MAX_TIMER_MS,
  description:
    'milliseconds one export may take (retries included) before it counts as failed; at most otlp.interval',
  default: 10_000,
  env: 'OTEL_METRIC_EXPORT_TIMEOUT',
});

const OTLP_BATCH_SIZE = option({
  name: 'otlp.batch-size',
  kind: 'number',
  description:
    'most data points in one export request; bigger collections are split (gRPC receivers refuse messages over 4 MiB by default)',
  default: 5_000,
});

const OTLP_SERVICE_NAME = option({
  name: 'otlp.service-name',
  kind: 'string',
  description:
    'service.name resource attribute; left at its default, a service.name in otlp.resource-attributes is used instead',
  default: DEFAULT_SERVICE_NAME,
  env: 'OTEL_SERVICE_NAME',
});

const OTLP_RESOURCE_ATTRIBUTES = option({
  name: 'otlp.resource-attributes',
  kind: 'list',
  description:
    'extra resource attributes as key=value, values percent-encoded (host.name defaults to the hostname, service.version to the lvscope version)',
  default: [],
  env: 'OTEL_RESOURCE_ATTRIBUTES',
});

export const otlpOptions = [
  OTLP_ENDPOINT,
  OTLP_METRICS_ENDPOINT,
  OTLP_PROTOCOL,
  OTLP_METRICS_PROTOCOL,
  OTLP_HEADERS,
  OTLP_METRICS_HEADERS,
  OTLP_INTERVAL,
  OTLP_TIMEOUT,
  OTLP_BATCH_SIZE,
  OTLP_SERVICE_NAME,
  OTLP_RESOURCE_ATTRIBUTES,
];

export interface OtlpConfig {
  readonly url: string;
  readonly protocol: OtlpProtocol;
  readonly headers: Readonly<Record<string, string>>;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly batchSize: number;
  readonly serviceName: string;
  readonly resourceAttributes: Readonly<Record<string, string>>;
}

/** Parses `key=value` items (W3C baggage style, as the OTel spec defines for these variables). */
function parseKeyValues(items: readonly string[], option: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [index, item] of items.entries()) {
    if (item.trim() === '') continue;
    const separator = item.indexOf('=');
    const key = separator > 0 ? item.slice(0, separator).trim() : '';
    // Items may hold credentials: name the position, never the text.
    if (key === '') throw new Error(`${option}: item ${index + 1} is not key=value`);
    try {
      result[decodeURIComponent(key)] = decodeURIComponent(item.slice(separator + 1).trim());
    } catch {
      throw new Error(`${option}: the value of "${key}" is not valid percent-encoding`);
    }
  }
  return result;
}

function metricsUrl(options: Options, protocol: OtlpProtocol): string {
  const specific = options.get(OTLP_METRICS_ENDPOINT);
  if (specific !== '') return specific;
  const base = options.get(OTLP_ENDPOINT);
  if (base === '' || protocol === 'grpc') return base;
  return `${base.replace(/\/+$/, '')}/v1/metrics`;
}

/** The resolved OTLP settings, or undefined when no endpoint is configured (sink off). */
export function otlpConfig(options: Options): OtlpConfig | undefined {
  const protocol = (options.get(OTLP_METRICS_PROTOCOL) || options.get(OTLP_PROTOCOL)) as OtlpProtocol;
  const url = metricsUrl(options, protocol);
  if (url === '') return undefined;
  try {
    new URL(url);
  } catch {
    throw new Error(`otlp: "${url}" is not a URL (want e.g. http://127.0.0.1:4318)`);
  }
  const intervalMs = options.get(OTLP_INTERVAL);
  const timeoutMs = options.get(OTLP_TIMEOUT);
  if (!(intervalMs > 0)) throw new Error(`otlp.interval must be > 0 ms, got ${intervalMs}`);
  if (!(timeoutMs > 0)) throw new Error(`otlp.timeout must be > 0 ms, got ${timeoutMs}`);
  const batchSize = options.get(OTLP_BATCH_SIZE);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`otlp.batch-size must be a whole number >= 1, got ${batchSize}`);
  }
  const resourceAttributes = parseKeyValues(
    options.get(OTLP_RESOURCE_ATTRIBUTES),
    'otlp.resource-attributes',
  );
  const serviceName = options.get(OTLP_SERVICE_NAME);
  return {
    url,
    protocol,
    headers: {
      ...parseKeyValues(options.get(OTLP_HEADERS), 'otlp.headers'),
      ...parseKeyValues(options.get(OTLP_METRICS_HEADERS), 'otlp.metrics-headers'),
    },
    intervalMs,
    timeoutMs: Math.min(timeoutMs, intervalMs),
    batchSize,
    serviceName:
      serviceName === DEFAULT_SERVICE_NAME
        ? (resourceAttributes['service.name'] ?? serviceName)
        : serviceName,
    resourceAttributes,
  };
}
