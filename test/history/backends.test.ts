/**
 * "Same reader, same answers": a real Prometheus scrapes an in-test exposition every second and
 * `remote_write`s to a real VictoriaMetrics; the raw samples of a series, read back from both with
 * an instant query of a range selector (`metric[range]` at `time=end`), must be identical once
 * normalised the way the history reader will: labels compared as a set, timestamps in ms, values
 * as numbers, NaN dropped (VictoriaMetrics returns Prometheus's staleness markers as NaN samples,
 * Prometheus hides them), and each chunk taken as (start, end] (Prometheus 2.x includes a sample
 * at exactly `end - range`, VictoriaMetrics does not).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installed, tempDir, waitFor } from '../support/process.js';
import {
  type MatrixSeries,
  type Prometheus,
  promApi,
  remoteWriteConfig,
  startPrometheus,
} from '../support/prometheus.js';
import {
  startVictoriaMetrics,
  type VictoriaMetrics,
  victoriaMetricsInstalled,
} from '../support/victoria-metrics.js';

const missing = !installed('prometheus')
  ? 'prometheus not installed (apt package prometheus)'
  : !victoriaMetricsInstalled
    ? 'victoria-metrics not installed (apt package victoria-metrics)'
    : undefined;
if (missing) console.warn(`skipping history backend check: ${missing}`);

/** Scrapes seen by the exposition; the series change with the scrape number, not the clock. */
let scrapes = 0;
function exposition(): string {
  const n = ++scrapes;
  return [
    '# TYPE lvscope_test_requests_total counter',
    // Grows by 7 per scrape, resets after the 6th scrape.
    `lvscope_test_requests_total{service="10.0.0.1:80"} ${n <= 6 ? 7 * n : 7 * (n - 6)}`,
    '# TYPE lvscope_test_weight gauge',
    `lvscope_test_weight{remote_address="10.0.1.1"} ${n % 3}`,
    '# TYPE lvscope_test_flappy gauge',
    // Present on scrapes 1-3, gone on 4-5 (Prometheus writes a staleness marker), back from 6.
    ...(n <= 3 || n >= 6 ? [`lvscope_test_flappy ${n}`] : []),
    '',
  ].join('\n');
}

const SAMPLES = 9;
const dir = tempDir('history');
let server: Server | undefined;
let prometheus: Prometheus | undefined;
let vm: VictoriaMetrics | undefined;

type Sample = [ms: number, value: number];

/**
 * `selector[<seconds>s]` at `timeMs` from either server, keyed by the sorted label set. The window is
 * whole seconds: VictoriaMetrics 1.79 parses `Nms` through a float and loses 1 ms for some N
 * (`[8001ms]` is read as 8000 ms), and Prometheus rejects fractional seconds (`[8.001s]`).
 */
async function raw(url: string, selector: string, timeMs: number, seconds: number) {
  const answer = await promApi<{ resultType: string; result: MatrixSeries[] }>(url, '/api/v1/query', {
    query: `${selector}[${seconds}s]`,
    time: (timeMs / 1000).toFixed(3),
  });
  if (answer.status !== 'success' || answer.data?.resultType !== 'matrix')
    throw new Error(`${url}: ${answer.httpStatus} ${answer.error}`);
  const bySeries = new Map<string, Sample[]>();
  for (const found of answer.data.result) {
    const key = JSON.stringify(Object.entries(found.metric).sort(([a], [b]) => (a < b ? -1 : 1)));
    bySeries.set(
      key,
      found.values.map(([t, v]): Sample => [Math.round(t * 1000), Number(v)]),
    );
  }
  return bySeries;
}

/** What the reader keeps of one chunk: (start, end], NaN (staleness markers) dropped. */
function chunk(samples: Map<string, Sample[]>, startMs: number, endMs: number): Map<string, Sample[]> {
  return new Map(
    [...samples].map(([key, list]) => [
      key,
      list.filter(([t, v]) => t > startMs && t <= endMs && !Number.isNaN(v)),
    ]),
  );
}

const only = (samples: Map<string, Sample[]>): Sample[] => {
  expect(samples.size).toBe(1);
  return [...samples.values()][0] ?? [];
};

/** The range read back: whole seconds, from before the first scrape to after the SAMPLES-th. */
let startMs = 0;
let endMs = 0;
const seconds = () => (endMs - startMs) / 1000;

beforeAll(async () => {
  if (missing) return;
  server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(exposition());
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  vm = await startVictoriaMetrics(join(dir, 'vm'));
  prometheus = await startPrometheus(
    join(dir, 'prometheus'),
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n  - job_name: history\n    static_configs:\n      - targets: ['${target}']\n` +
      remoteWriteConfig(vm.writeUrl),
  );
  const url = prometheus.url;
  // New targets are picked up on a 5 s tick: the first sample shows up ~6 s after start.
  const counter = await waitFor(
    `${SAMPLES + 1} scrapes in Prometheus`,
    25_000,
    async () => {
      const found = [...(await raw(url, 'lvscope_test_requests_total', Date.now(), 60)).values()][0];
      return found !== undefined && found.length > SAMPLES && found;
    },
    200,
  );
  // A whole second at or before the newest scrape: every sample up to it is already stored.
  endMs = Math.floor((counter.at(-1)?.[0] ?? 0) / 1000) * 1000;
  startMs = Math.floor((counter[0]?.[0] ?? 0) / 1000) * 1000 - 1000;
  const last = counter.filter(([t]) => t <= endMs).at(-1)?.[0];
  // remote_write batches leave every 200 ms; wait until VictoriaMetrics has that last scrape too.
  const vmUrl = vm.url;
  await waitFor(
    'the last scrape in VictoriaMetrics',
    10_000,
    async () => {
      await vm?.flush();
      const found = await raw(vmUrl, 'lvscope_test_requests_total', endMs, seconds());
      return [...found.values()][0]?.at(-1)?.[0] === last;
    },
    100,
  );
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await vm?.stop();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(missing !== undefined)('history backends: Prometheus and VictoriaMetrics', () => {
  const both = async (selector: string, timeMs: number, windowSeconds: number) => {
    if (!prometheus || !vm) throw new Error('servers not started');
    return Promise.all([
      raw(prometheus.url, selector, timeMs, windowSeconds),
      raw(vm.url, selector, timeMs, windowSeconds),
    ]);
  };

  it('return the same raw samples of a counter, reset included', async () => {
    const [fromPrometheus, fromVm] = await both('lvscope_test_requests_total', endMs, seconds());
    expect([...fromVm.keys()]).toEqual([...fromPrometheus.keys()]);
    const samples = only(chunk(fromPrometheus, startMs, endMs));
    expect(samples.length).toBeGreaterThanOrEqual(SAMPLES);
    expect(only(chunk(fromVm, startMs, endMs))).toEqual(samples);
    // The reset after the 6th scrape is an ordinary lower value in the raw samples.
    expect(samples.slice(0, 7).map(([, v]) => v)).toEqual([7, 14, 21, 28, 35, 42, 7]);
  });

  it('differ only in the staleness marker of a series that disappeared', async () => {
    const [fromPrometheus, fromVm] = await both('lvscope_test_flappy', endMs, seconds());
    // Prometheus hides the marker in range selectors; VictoriaMetrics returns it as a NaN sample.
    expect(
      only(fromPrometheus)
        .slice(0, 4)
        .map(([, v]) => v),
    ).toEqual([1, 2, 3, 6]);
    expect(
      only(fromVm)
        .slice(0, 5)
        .map(([, v]) => v),
    ).toEqual([1, 2, 3, NaN, 6]);
    expect(only(chunk(fromVm, startMs, endMs))).toEqual(only(chunk(fromPrometheus, startMs, endMs)));
  });

  it('disagree on a sample at exactly time - window, and agree once chunks are taken as (start, end]', async () => {
    const [whole] = await both('lvscope_test_weight', endMs, seconds());
    const expected = only(chunk(whole, startMs, endMs));
    // A window that starts exactly on a scrape: Prometheus 2.x keeps it, VictoriaMetrics does not.
    const middle = expected[Math.floor(expected.length / 2)]?.[0] ?? 0;
    const [onBoundPrometheus, onBoundVm] = await both('lvscope_test_weight', middle + 2000, 2);
    expect(only(onBoundPrometheus)[0]?.[0]).toBe(middle);
    expect(only(onBoundVm)[0]?.[0]).toBeGreaterThan(middle);
    // Two chunks split on a whole second, each read as (start, end], join to the whole range.
    const split = startMs + Math.floor(seconds() / 2) * 1000;
    const [firstPrometheus, firstVm] = await both('lvscope_test_weight', split, (split - startMs) / 1000);
    const [secondPrometheus, secondVm] = await both('lvscope_test_weight', endMs, (endMs - split) / 1000);
    const joined = (first: Map<string, Sample[]>, second: Map<string, Sample[]>) => [
      ...only(chunk(first, startMs, split)),
      ...only(chunk(second, split, endMs)),
    ];
    expect(joined(firstPrometheus, secondPrometheus)).toEqual(expected);
    expect(joined(firstVm, secondVm)).toEqual(expected);
  });
});
