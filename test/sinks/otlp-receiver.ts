/**
 * In-test OTLP metrics receiver for the three protocols, decoding with the official
 * opentelemetry-proto definitions (Debian package `opentelemetry-proto`): protobufjs for
 * http/protobuf and to validate http/json bodies against the same schema, @grpc/grpc-js with
 * @grpc/proto-loader for grpc. Every request is normalised to the same plain shape.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

const PROTO_ROOT = '/usr/include';
const SERVICE_PROTO = 'opentelemetry/proto/collector/metrics/v1/metrics_service.proto';
export const protosInstalled = existsSync(join(PROTO_ROOT, SERVICE_PROTO));

const TO_OBJECT = { longs: String, enums: String, defaults: false, arrays: true, oneofs: true } as const;

export type AttributeValue = string | number | boolean;

export interface ReceivedPoint {
  readonly attributes: Record<string, AttributeValue>;
  readonly value: number;
  readonly startTimeUnixNano: string;
  readonly timeUnixNano: string;
}

export interface ReceivedMetric {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  readonly kind: 'sum' | 'gauge' | 'other';
  readonly monotonic?: boolean;
  readonly temporality?: string;
  readonly points: ReceivedPoint[];
}

export interface ReceivedExport {
  readonly resource: Record<string, AttributeValue>;
  readonly scopes: string[];
  readonly metrics: ReceivedMetric[];
  readonly headers: Record<string, string>;
}

interface RawKeyValue {
  key: string;
  value?: { stringValue?: string; intValue?: string; doubleValue?: number; boolValue?: boolean };
}
interface RawPoint {
  attributes?: RawKeyValue[];
  asDouble?: number;
  asInt?: string;
  startTimeUnixNano?: string;
  timeUnixNano?: string;
}
interface RawMetric {
  name: string;
  unit?: string;
  description?: string;
  sum?: { dataPoints?: RawPoint[]; isMonotonic?: boolean; aggregationTemporality?: string };
  gauge?: { dataPoints?: RawPoint[] };
}
interface RawRequest {
  resourceMetrics?: {
    resource?: { attributes?: RawKeyValue[] };
    scopeMetrics?: { scope?: { name?: string }; metrics?: RawMetric[] }[];
  }[];
}

function attributes(list: RawKeyValue[] | undefined): Record<string, AttributeValue> {
  const result: Record<string, AttributeValue> = {};
  for (const { key, value } of list ?? []) {
    if (value?.stringValue !== undefined) result[key] = value.stringValue;
    else if (value?.intValue !== undefined) result[key] = Number(value.intValue);
    else if (value?.doubleValue !== undefined) result[key] = value.doubleValue;
    else if (value?.boolValue !== undefined) result[key] = value.boolValue;
  }
  return result;
}

function points(list: RawPoint[] | undefined): ReceivedPoint[] {
  return (list ?? []).map((point) => ({
    attributes: attributes(point.attributes),
    value: point.asDouble ?? Number(point.asInt ?? NaN),
    startTimeUnixNano: point.startTimeUnixNano ?? '0',
    timeUnixNano: point.timeUnixNano ?? '0',
  }));
}

/** Flattens a decoded ExportMetricsServiceRequest (one resource per request from our exporter). */
function normalise(request: RawRequest, headers: Record<string, string>): ReceivedExport {
  const resourceMetrics = request.resourceMetrics ?? [];
  const metrics: ReceivedMetric[] = [];
  const scopes: string[] = [];
  for (const { scopeMetrics } of resourceMetrics) {
    for (const scope of scopeMetrics ?? []) {
      scopes.push(scope.scope?.name ?? '');
      for (const metric of scope.metrics ?? []) {
        const common = { name: metric.name, unit: metric.unit ?? '', description: metric.description ?? '' };
        if (metric.sum) {
          metrics.push({
            ...common,
            kind: 'sum',
            monotonic: metric.sum.isMonotonic ?? false,
            temporality: metric.sum.aggregationTemporality,
            points: points(metric.sum.dataPoints),
          });
        } else if (metric.gauge) {
          metrics.push({ ...common, kind: 'gauge', points: points(metric.gauge.dataPoints) });
        } else {
          metrics.push({ ...common, kind: 'other', points: [] });
        }
      }
    }
  }
  return { resource: attributes(resourceMetrics[0]?.resource?.attributes), scopes, metrics, headers };
}

/** How the receiver answers: normally, with 503 Service Unavailable, or never (a hung backend). */
export type ReceiverMode = 'ok' | 'unavailable' | 'hang';

export interface Receiver {
  readonly protocol: 'http' | 'grpc';
  readonly port: number;
  /** Base URL: http://127.0.0.1:PORT */
  readonly url: string;
  readonly exports: ReceivedExport[];
  mode: ReceiverMode;
  /** Stops listening and drops open connections (the backend dies). */
  kill(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
}

async function loadRequestType(): Promise<protobuf.Type> {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(PROTO_ROOT, target);
  await root.load(SERVICE_PROTO, { keepCase: false });
  return root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** http/protobuf and http/json on POST /v1/metrics. */
export async function startHttpReceiver(): Promise<Receiver> {
  const requestType = await loadRequestType();
  const responseBodies = { json: '{}', protobuf: Buffer.alloc(0) };
  const hung = new Set<ServerResponse>();
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (receiver.mode === 'hang') {
        hung.add(res);
        return;
      }
      if (receiver.mode === 'unavailable') {
        res.writeHead(503).end();
        return;
      }
      const body = Buffer.concat(chunks);
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([key, value]) => [
          key,
          Array.isArray(value) ? value.join(',') : (value ?? ''),
        ]),
      );
      const json = (req.headers['content-type'] ?? '').includes('json');
      // JSON bodies go through fromObject so they are checked against the official schema too.
      const message = json
        ? requestType.fromObject(JSON.parse(body.toString('utf8')) as Record<string, unknown>)
        : requestType.decode(body);
      receiver.exports.push(normalise(requestType.toObject(message, TO_OBJECT), headers));
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? responseBodies.json : responseBodies.protobuf);
    });
  };
  let server = createServer(handle);
  const port = await listen(server, 0);
  const receiver: Receiver = {
    protocol: 'http',
    port,
    url: `http://127.0.0.1:${port}`,
    exports: [],
    mode: 'ok',
    async kill() {
      for (const res of hung) res.destroy();
      hung.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async restart() {
      server = createServer(handle);
      await listen(server, port);
    },
  };
  return receiver;
}

/** grpc MetricsService/Export. */
export async function startGrpcReceiver(): Promise<Receiver> {
  const definition = await protoLoader.load(SERVICE_PROTO, {
    includeDirs: [PROTO_ROOT],
    keepCase: false,
    ...TO_OBJECT,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    opentelemetry: {
      proto: { collector: { metrics: { v1: { MetricsService: { service: grpc.ServiceDefinition } } } } };
    };
  };
  const service = loaded.opentelemetry.proto.collector.metrics.v1.MetricsService.service;
  const hung: (() => void)[] = [];
  const makeServer = (): grpc.Server => {
    const server = new grpc.Server();
    server.addService(service, {
      Export: (call: grpc.ServerUnaryCall<RawRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        if (receiver.mode === 'hang') {
          hung.push(() => callback({ code: grpc.status.UNAVAILABLE }));
          return;
        }
        if (receiver.mode === 'unavailable') {
          callback({ code: grpc.status.UNAVAILABLE, details: 'test receiver unavailable' });
          return;
        }
        const headers = Object.fromEntries(
          Object.entries(call.metadata.getMap()).map(([key, value]) => [key, String(value)]),
        );
        receiver.exports.push(normalise(call.request, headers));
        callback(null, {});
      },
    });
    return server;
  };
  const bind = (server: grpc.Server, port: number): Promise<number> =>
    new Promise((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
  let server = makeServer();
  const port = await bind(server, 0);
  const receiver: Receiver = {
    protocol: 'grpc',
    port,
    url: `http://127.0.0.1:${port}`,
    exports: [],
    mode: 'ok',
    kill() {
      hung.splice(0).forEach((answer) => answer());
      server.forceShutdown();
      return Promise.resolve();
    },
    async restart() {
      server = makeServer();
      await bind(server, port);
    },
  };
  return receiver;
}
