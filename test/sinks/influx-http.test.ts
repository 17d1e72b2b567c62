/**
 * The InfluxDB write paths against a recording HTTP server (no InfluxDB 2.x/3.x in Debian): the
 * exact URL, headers and line protocol each API sends, and how each answer is handled.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import type { InfluxConfig } from '../../exporter/outputs/influx/options.js';
import { waitFor } from '../support/process.js';
import { FamilyFeed, influxSink, syntheticFamilies } from './harness.js';

interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Answers every request with the next queued [status, body], 204 when the queue is empty. */
async function recordingServer() {
  const requests: Recorded[] = [];
  const answers: [number, string][] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const [status, body] = answers.shift() ?? [204, ''];
      res.writeHead(status, body ? { 'content-type': 'application/json' } : {}).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    answers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function run(config: InfluxConfig, feed = new FamilyFeed(syntheticFamilies())) {
  const { sink, health, lines } = await influxSink(config, feed);
  cleanups.push(() => sink.stop());
  return { sink, health, lines, feed };
}

function baseConfig(url: string): Omit<InfluxConfig, 'target'> {
  return {
    url,
    tags: { host: 'director-1', site: 'dc 1,a=b' },
    intervalMs: 60_000,
    timeoutMs: 2_000,
    batchSize: 100,
    bufferSize: 1_000,
    maxBackoffMs: 100,
  };
}

describe('InfluxDB 2.x/3.x API through @influxdata/influxdb-client', () => {
  const v2 = (url: string): InfluxConfig => ({
    ...baseConfig(url),
    target: { api: 'v2', token: 's3cr3t-token', org: 'my org', bucket: 'lvscope/autogen' },
  });

  test('one collection: URL, token header, content type and the exact line protocol', async () => {
    const server = await recordingServer();
    cleanups.push(server.close);
    const { sink, health, feed } = await run(v2(server.url));
    await sink.collectOnce();
    await waitFor('the write', 5_000, () => health.state.up === true);

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests as [Recorded];
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/api/v2/write?org=my%20org&bucket=lvscope%2Fautogen&precision=ms');
    expect(request.headers.authorization).toBe('Token s3cr3t-token');
    expect(request.headers['content-type']).toBe('text/plain; charset=utf-8');
    const t = feed.takenAt[0];
    const destination = 'ipvs_destination,host=director-1,local_address=192.168.0.22,local_port=3306';
    expect(request.body.split('\n')).toEqual([
      `${destination},proto=TCP,remote_address=192.168.82.22,remote_port=3306,site=dc\\ 1\\,a\\=b active_connections=248,weight=100 ${t}`,
      `${destination},proto=TCP,remote_address=192.168.83.24,remote_port=3306,site=dc\\ 1\\,a\\=b active_connections=248,weight=100 ${t}`,
      `ipvs_destination,host=director-1,local_mark=10001000,local_port=0,proto=FWM,remote_address=192.168.50.26,remote_port=3306,site=dc\\ 1\\,a\\=b active_connections=64,weight=20 ${t}`,
      `ipvs_stats,host=director-1,site=dc\\ 1\\,a\\=b connections=23765872 ${t}`,
      `ipvs_service,flags=persistent,host=director-1,local_address=2620:0:0:0:0:0:0:1,local_port=80,proto=TCP,scheduler=sh,site=dc\\ 1\\,a\\=b info=1 ${t}`,
      `keepalived_vrrp,host=director-1,iname=VI_1,intf=eth0,site=dc\\ 1\\,a\\=b,vrid=52 state=2 ${t}`,
    ]);
    expect(health.state.sentPoints).toBe(6);
  });

  test('503 keeps the batch and retries it; 400 drops it and counts it; the log never shows the token', async () => {
    const server = await recordingServer();
    cleanups.push(server.close);
    server.answers.push([503, '{"code":"unavailable","message":"down for a moment"}']);
    const { sink, health, lines } = await run(v2(server.url));
    await sink.collectOnce();
    await waitFor('the retried write', 5_000, () => health.state.up === true);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.body).toBe(server.requests[0]?.body);
    expect(health.state).toMatchObject({ failures: 1, retries: 1, droppedPoints: 0, sentPoints: 6 });

    server.answers.push([400, '{"code":"invalid","message":"unable to parse points"}']);
    await sink.collectOnce();
    await waitFor('the refused write', 5_000, () => health.state.droppedPoints === 6);
    expect(health.state.buffer?.points).toBe(0);
    expect(lines.some((line) => line.includes('InfluxDB refused points'))).toBe(true);
    expect(lines.join('')).not.toContain('s3cr3t-token');
  });
});

describe('InfluxDB 1.x API through influx', () => {
  const v1 = (url: string, username: string): InfluxConfig => ({
    ...baseConfig(url),
    target: {
      api: 'v1',
      database: 'lvscope',
      retentionPolicy: 'week',
      createDatabase: true,
      username,
      password: 'pw',
    },
  });

  test('creates the database, then writes with db, rp and ms precision; no credentials unless configured', async () => {
    const server = await recordingServer();
    cleanups.push(server.close);
    server.answers.push([200, '{"results":[{"statement_id":0}]}']);
    const { sink, health } = await run(v1(server.url, ''));
    await sink.collectOnce();
    await waitFor('the write', 5_000, () => health.state.up === true);

    const [create, write] = server.requests as [Recorded, Recorded];
    expect(create.method).toBe('POST');
    expect(create.url).toMatch(/^\/query\?/);
    expect(new URLSearchParams(create.url.split('?')[1]).get('q')).toBe('create database "lvscope"');
    expect(write.url).toBe('/write?db=lvscope&precision=ms&rp=week');
    expect(write.headers.authorization).toBeUndefined();
    expect(create.headers.authorization).toBeUndefined();
    expect(write.body.split('\n')[3]).toMatch(
      /^ipvs_stats,host=director-1,site=dc\\ 1\\,a\\=b connections=23765872 \d{13}$/,
    );
  });

  test('basic authentication when a user is configured', async () => {
    const server = await recordingServer();
    cleanups.push(server.close);
    server.answers.push([200, '{"results":[{"statement_id":0}]}']);
    const { sink, health } = await run(v1(server.url, 'writer'));
    await sink.collectOnce();
    await waitFor('the write', 5_000, () => health.state.up === true);
    const expected = `Basic ${Buffer.from('writer:pw').toString('base64')}`;
    expect(server.requests.map((request) => request.headers.authorization)).toEqual([expected, expected]);
  });
});
