/**
 * The Prometheus-API reader against an in-test server that answers the way Prometheus 2.42 and
 * VictoriaMetrics 1.79 do (/tmp/history-backends.md): raw samples with a closed or an open lower
 * bound, sorted or unsorted labels, staleness markers hidden or returned as NaN, value texts of
 * either; their limit errors with the real texts; auth headers, TLS with a private CA, a hung
 * server. Fast: loopback only, no real store.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ServiceKey } from '../../common/ipvs/vocabulary.js';
import { parseIp } from '../../common/net/ip.js';
import { readPrometheusHistory, sampleValue } from '../../analyzer/inputs/history/prometheus.js';
import { installed, run, tempDir } from '../support/process.js';

const SERVICE: ServiceKey = { kind: 'addr', proto: 'tcp', addr: parseIp('192.0.2.10')!, port: 80 };
const OTHER: ServiceKey = { kind: 'addr', proto: 'tcp', addr: parseIp('192.0.2.99')!, port: 80 };
const MARK: ServiceKey = { kind: 'fwmark', mark: 1, family: 4 };
const T0 = 1_796_230_000_000;

type Flavour = 'prometheus' | 'victoria-metrics';

interface StoredSeries {
  readonly labels: Record<string, string>;
  /** [ms, value text as Prometheus prints it]; 'stale' is a staleness marker. */
  readonly samples: [number, string][];
}

const dest = { remote_address: '10.0.0.1', remote_port: '80' };
const svc = { proto: 'TCP', local_address: '192.0.2.10', local_port: '80' };

/** What the fake store holds: a counter with a reset, a gauge that goes away and back, weird values. */
function stored(): StoredSeries[] {
  const times = Array.from({ length: 20 }, (_, i) => T0 + 1000 * (i + 1) + 7);
  return [
    {
      labels: {
        __name__: 'ipvs_destination_connections_total',
        instance: 'lb1',
        job: 'lvs',
        ...svc,
        ...dest,
      },
      samples: times.map((t, i) => [t, String(i < 12 ? 10 * i : 10 * (i - 12))]),
    },
    {
      labels: { __name__: 'ipvs_destination_weight', instance: 'lb1', job: 'lvs', ...svc, ...dest },
      samples: times.flatMap((t, i): [number, string][] =>
        i >= 5 && i < 8 ? (i === 5 ? [[t, 'stale']] : []) : [[t, i < 10 ? '1' : '-0']],
      ),
    },
    {
      labels: {
        __name__: 'ipvs_destination_incoming_bytes_total',
        instance: 'lb1',
        job: 'lvs',
        ...svc,
        ...dest,
      },
      samples: times.map((t, i) => [t, i % 4 === 3 ? 'NaN' : i % 4 === 2 ? '+Inf' : '1e+21']),
    },
    {
      // Another service: never asked for.
      labels: {
        __name__: 'ipvs_destination_weight',
        instance: 'lb1',
        job: 'lvs',
        ...svc,
        local_address: '192.0.2.99',
        ...dest,
      },
      samples: times.map((t) => [t, '5']),
    },
  ];
}

/** VictoriaMetrics's texts for the same numbers. */
function vmText(text: string): string {
  return text === '1e+21' ? '1000000000000000000000' : text === '-0' ? '0' : text;
}

interface Fake {
  readonly url: string;
  readonly requests: { path: string; params: URLSearchParams; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

interface FakeOptions {
  readonly flavour: Flavour;
  /** Refuse raw queries longer than this many seconds with the flavour's limit error. */
  readonly maxSeconds?: number;
  /** Answer every request with this instead. */
  readonly answer?: (res: ServerResponse) => void;
  readonly tls?: { key: Buffer; cert: Buffer };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function fakeStore(options: FakeOptions): Promise<Fake> {
  const requests: Fake['requests'] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const params = req.method === 'POST' ? new URLSearchParams(body) : url.searchParams;
      requests.push({ path: url.pathname, params, headers: req.headers });
      if (options.answer) return options.answer(res);
      if (url.pathname === '/api/v1/label/__name__/values')
        return json(res, 200, {
          status: 'success',
          data: [...new Set(stored().map((s) => s.labels.__name__))],
        });
      if (url.pathname !== '/api/v1/query') return json(res, 404, { status: 'error', error: 'not found' });
      const match = /^\{__name__=~?"([^"]*)".*\}\[(\d+)s\]$/.exec(params.get('query') ?? '');
      const time = params.get('time') ?? '';
      if (!match || !/^\d+\.\d{3}$/.test(time))
        return json(res, 400, {
          status: 'error',
          errorType: 'bad_data',
          error: `bad query ${params.get('query')}`,
        });
      const names = new Set((match[1] ?? '').split('|'));
      const seconds = Number(match[2]);
      if (options.maxSeconds !== undefined && seconds > options.maxSeconds)
        return options.flavour === 'prometheus'
          ? json(res, 422, {
              status: 'error',
              errorType: 'execution',
              error: 'query processing would load too many samples into memory in query execution',
            })
          : json(res, 422, {
              status: 'error',
              errorType: '422',
              error: `error when exporting data for query="x": cannot select more than -search.maxSamplesPerQuery=100 samples; possible solutions: ...`,
            });
      const end = Math.round(Number(time) * 1000);
      const start = end - seconds * 1000;
      const vm = options.flavour === 'victoria-metrics';
      const result = stored()
        .filter((series) => names.has(series.labels.__name__ ?? ''))
        .map((series) => {
          // VictoriaMetrics: labels unsorted (__name__ first), (start, end], staleness as NaN, its value
          // texts, no real NaN (dropped at ingestion). Prometheus: [start, end], markers hidden.
          const metric = vm
            ? Object.fromEntries(Object.entries(series.labels).reverse())
            : Object.fromEntries(Object.entries(series.labels).sort(([a], [b]) => (a < b ? -1 : 1)));
          const values = series.samples
            .filter(
              ([t, v]) => (vm ? t > start : t >= start) && t <= end && (vm ? v !== 'NaN' : v !== 'stale'),
            )
            .map(([t, v]) => [t / 1000, vm ? vmText(v === 'stale' ? 'NaN' : v) : v]);
          return { metric, values };
        })
        .filter((series) => series.values.length > 0);
      return json(res, 200, {
        status: 'success',
        data: { resultType: 'matrix', result: vm ? result.reverse() : result },
      });
    });
  };
  const server = options.tls ? createHttpsServer(options.tls, handler) : createHttpServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const query = { services: [SERVICE], start: T0, end: T0 + 30_000 };

describe('readPrometheusHistory against Prometheus- and VictoriaMetrics-like answers', () => {
  it('normalises both into the same history', async () => {
    const [prom, vm] = await Promise.all([
      fakeStore({ flavour: 'prometheus' }),
      fakeStore({ flavour: 'victoria-metrics' }),
    ]);
    // Windows of 7 s: the boundaries fall between samples here, so Prometheus's closed lower bound
    // matters only where a sample sits exactly on one (see the next test).
    const options = { maxWindowSeconds: 7, follow: false as const };
    const [a, b] = await Promise.all([
      readPrometheusHistory(query, { url: prom.url, ...options }),
      readPrometheusHistory(query, { url: vm.url, ...options }),
    ]);
    const strip = (h: typeof a) => ({ ...h, source: '', notes: h.notes.filter((n) => n.kind !== 'source') });
    expect(strip(b)).toEqual(strip(a));
    const destination = a.services[0]?.destinations[0];
    expect(destination?.addr.text).toBe('10.0.0.1');
    const obs = destination?.observations ?? [];
    expect(obs.map((o) => o.counters?.conns)).toEqual([
      0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 0, 10, 20, 30, 40, 50, 60, 70,
    ]);
    // The weight is absent while the series was gone, "-0" is 0, and only the asked service is read.
    expect(obs.map((o) => o.weight)).toEqual([
      1,
      1,
      1,
      1,
      1,
      undefined,
      undefined,
      undefined,
      1,
      1,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
    ]);
    expect(Object.is(obs[12]?.weight, 0)).toBe(true);
    // 1e+21 in both texts; +Inf and NaN never become observations.
    expect(obs.map((o) => o.counters?.inBytes)).toEqual(
      obs.map((_, i) => (i % 4 === 0 || i % 4 === 1 ? 1e21 : undefined)),
    );
    expect(a.services).toHaveLength(1);
    // Every request: a whole-second window, `time` with three decimals.
    for (const request of [...prom.requests, ...vm.requests].filter((r) => r.path === '/api/v1/query')) {
      expect(request.params.get('query')).toMatch(/\[\d+s\]$/);
      expect(request.params.get('time')).toMatch(/^\d+\.\d{3}$/);
    }
  });

  it('takes each window as (start, end]: a sample on a boundary is read once', async () => {
    const prom = await fakeStore({ flavour: 'prometheus' });
    // Windows of 1 s ending on T0 + k·1000 + 7: every sample sits on a boundary.
    const shifted = { ...query, start: T0 + 7, end: T0 + 20_007 };
    const history = await readPrometheusHistory(shifted, {
      url: prom.url,
      maxWindowSeconds: 1,
      follow: false,
    });
    const times = history.services[0]?.destinations[0]?.observations.map((o) => o.t) ?? [];
    expect(times).toEqual(Array.from({ length: 20 }, (_, i) => T0 + 1000 * (i + 1) + 7));
  });

  it('selects the services by their labels, escaped, and the directors asked for', async () => {
    const prom = await fakeStore({ flavour: 'prometheus' });
    await readPrometheusHistory(
      { ...query, services: [SERVICE, OTHER, MARK], directors: ['lb1', 'lb"2'] },
      { url: prom.url, follow: false },
    );
    const first = prom.requests.find((r) => r.path === '/api/v1/query')?.params.get('query') ?? '';
    expect(first).toContain('proto=~"FWM|TCP"');
    expect(first).toContain('local_address=~"|192\\\\.0\\\\.2\\\\.10|192\\\\.0\\\\.2\\\\.99"');
    expect(first).toContain('local_port=~"0|80"');
    expect(first).toContain('local_mark=~"|00000001"');
    expect(first).toContain('instance=~"lb\\"2|lb1"');
  });

  for (const flavour of ['prometheus', 'victoria-metrics'] as const)
    it(`halves a window the ${flavour} refuses for its size, and reads the same`, async () => {
      const limited = await fakeStore({ flavour, maxSeconds: 4 });
      const free = await fakeStore({ flavour });
      const [a, b] = await Promise.all([
        readPrometheusHistory(query, { url: limited.url, follow: false }),
        readPrometheusHistory(query, { url: free.url, follow: false }),
      ]);
      expect(a.services).toEqual(b.services);
      expect(a.notes.at(-1)?.message).toMatch(/windows halved after a server limit$/);
      const seconds = limited.requests
        .filter((r) => r.path === '/api/v1/query')
        .map((r) => Number(/\[(\d+)s\]/.exec(r.params.get('query') ?? '')?.[1]));
      expect(Math.max(...seconds.slice(-3))).toBeLessThanOrEqual(4);
    });

  it('fails at once on a bad request, with the server’s text, the URL and the query', async () => {
    const store = await fakeStore({
      flavour: 'prometheus',
      answer: (res) =>
        json(res, 400, {
          status: 'error',
          errorType: 'bad_data',
          error: 'invalid parameter "query": 1:2: parse error',
        }),
    });
    await expect(readPrometheusHistory(query, { url: `${store.url}/prefix/` })).rejects.toThrow(
      `Prometheus API ${store.url}/prefix/api/v1/label/__name__/values: metric names: HTTP 400 bad_data: invalid parameter "query": 1:2: parse error`,
    );
    expect(store.requests[0]?.path).toBe('/prefix/api/v1/label/__name__/values');
  });

  it('sends the bearer token or basic auth, and never prints credentials', async () => {
    const store = await fakeStore({
      flavour: 'prometheus',
      answer: (res) => json(res, 401, { status: 'error', error: 'Unauthorized' }),
    });
    const bearer = await readPrometheusHistory(query, { url: store.url, bearerToken: 'tok-123' }).then(
      () => new Error('no error'),
      (e: unknown) => e as Error,
    );
    expect(store.requests[0]?.headers.authorization).toBe('Bearer tok-123');
    expect(bearer.message).toContain(
      'HTTP 401: Unauthorized (check the bearer token or basic auth credentials)',
    );
    const inUrl = store.url.replace('http://', 'http://reader:s%3Acret@');
    const basic = await readPrometheusHistory(query, { url: inUrl }).then(
      () => new Error('no error'),
      (e: unknown) => e as Error,
    );
    expect(store.requests[1]?.headers.authorization).toBe(
      `Basic ${Buffer.from('reader:s:cret').toString('base64')}`,
    );
    expect(basic.message).not.toMatch(/reader|cret/);
    await readPrometheusHistory(query, { url: store.url, basicAuth: { username: 'u', password: 'p' } }).catch(
      () => undefined,
    );
    expect(store.requests[2]?.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('gives up on a server that never answers, within its timeouts', async () => {
    const store = await fakeStore({ flavour: 'prometheus', answer: () => undefined });
    const started = Date.now();
    await expect(readPrometheusHistory(query, { url: store.url, timeoutMs: 150 })).rejects.toThrow(
      /metric names: no complete answer within 150 ms/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('says when the answer is not the Prometheus API', async () => {
    const store = await fakeStore({
      flavour: 'prometheus',
      answer: (res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>Grafana</html>');
      },
    });
    await expect(readPrometheusHistory(query, { url: store.url })).rejects.toThrow(
      `the answer is not JSON (is ${store.url} a Prometheus API?)`,
    );
  });

  it('parses both servers’ value texts', () => {
    expect([sampleValue('1e+21'), sampleValue('1000000000000000000000')]).toEqual([1e21, 1e21]);
    expect(Object.is(sampleValue('-0'), 0)).toBe(true);
    expect([sampleValue('+Inf'), sampleValue('-Inf')]).toEqual([Infinity, -Infinity]);
    expect(sampleValue('NaN')).toBeNaN();
  });
});

const openssl = installed('openssl');
if (!openssl) console.warn('skipping the TLS reader test: openssl not installed');

describe.skipIf(!openssl)('readPrometheusHistory over https with a private CA', () => {
  let dir = '';
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('trusts the CA file given, and only then', async () => {
    dir = tempDir('history-tls');
    const made = await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]);
    expect(made.code, made.stderr).toBe(0);
    const store = await fakeStore({
      flavour: 'prometheus',
      tls: { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    });
    const history = await readPrometheusHistory(query, {
      url: store.url,
      caFile: join(dir, 'cert.pem'),
      follow: false,
    });
    expect(history.services[0]?.destinations[0]?.observations).toHaveLength(20);
    await expect(readPrometheusHistory(query, { url: store.url })).rejects.toThrow(
      new RegExp(
        `^cannot read Prometheus API ${store.url}/api/v1/label/__name__/values: metric names: self[- ]signed certificate`,
      ),
    );
    await expect(
      readPrometheusHistory(query, { url: store.url, caFile: join(dir, 'missing.pem') }),
    ).rejects.toThrow(/cannot read the CA file .*missing\.pem/);
  });
});
