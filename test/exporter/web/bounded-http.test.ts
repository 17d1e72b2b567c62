/**
 * The endpoint's bounds, driven on loopback against a running lvs-exporter with small, bounded
 * counts and times: slow clients (slowloris) and silent ones are cut after the header timeout and
 * never starve a real scrape, the connection cap makes room by closing waiting connections,
 * --web.max-requests answers the excess 503 with Retry-After, oversized requests get 414/431, a
 * client that stops reading is cut without holding up a scrape sharing its rendering, and HEAD
 * and Accept-Encoding are answered as a GET would be.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeDirector } from '../../../bench/scrape/generate.js';
import { sleep, tempDir, waitFor } from '../../support/process.js';
import { LAGGARD_GRACE_MS } from '../../../exporter/outputs/prometheus/fanout.js';
import { IPVSADM_FIXTURES, REPLAY, T1, startExporter } from '../helpers.js';
import { type Answer, get } from './https-client.js';

const dirs: string[] = [];
const stoppers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  await Promise.all(stoppers.map((stop) => stop()));
  dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

async function exporter(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const running = await startExporter(args, env);
  stoppers.push(() => running.stop());
  return running;
}

const FIXTURE = [`--path.procfs=${T1}`, '--no-collector.ipvs.ipvsadm'];

interface RawClient {
  readonly socket: Socket;
  /** ms from connect to the server closing it; undefined while open. */
  closedAfter(): number | undefined;
  received(): string;
}

/** A raw TCP client; `send` is written once connected. */
function rawClient(url: string, send = ''): Promise<RawClient> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let closed: number | undefined;
    let data = '';
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      if (send) socket.write(send);
      resolve({ socket, closedAfter: () => closed, received: () => data });
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => (closed = Date.now() - started));
    socket.once('error', reject);
  });
}

async function scrape(url: string, timeoutMs = 3000): Promise<{ status: number; ms: number; body: string }> {
  const started = Date.now();
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  const body = await response.text();
  return { status: response.status, ms: Date.now() - started, body };
}

describe('bounded HTTP', () => {
  it('slow clients dribbling headers cannot starve real scrapes, and are cut after the header timeout', async () => {
    const { url } = await exporter([...FIXTURE, '--web.read-header-timeout=2', '--web.max-connections=20']);
    // 30 slowloris clients (more than the cap), each sending one header byte a second.
    const slow = await Promise.all(
      Array.from({ length: 30 }, () => rawClient(url, 'GET /metrics HTTP/1.1\r\nHost: x\r\n')),
    );
    const dribble = setInterval(() => {
      for (const client of slow) if (client.closedAfter() === undefined) client.socket.write('X');
    }, 1000);
    try {
      const scrapes: { status: number; ms: number }[] = [];
      for (let i = 0; i < 4; i++) {
        scrapes.push(await scrape(url));
        await sleep(400);
      }
      expect(scrapes.map((s) => s.status)).toEqual([200, 200, 200, 200]);
      expect(Math.max(...scrapes.map((s) => s.ms))).toBeLessThan(2000);
      await sleep(1500);
      // Every slow client is gone: evicted for room or cut at the 2 s header timeout.
      const closed = slow.map((client) => client.closedAfter());
      expect(closed.every((ms) => ms !== undefined && ms < 3000)).toBe(true);
      // None of them got an exposition.
      expect(slow.some((client) => client.received().includes('node_ipvs'))).toBe(false);
    } finally {
      clearInterval(dribble);
      slow.forEach((client) => client.socket.destroy());
    }
  });

  it('cuts a connection that sends nothing after the header timeout (no 71 s wait)', async () => {
    const { url } = await exporter([...FIXTURE, '--web.read-header-timeout=1']);
    const silent = await rawClient(url);
    const partial = await rawClient(url, 'GET /metr');
    await sleep(1800);
    expect(silent.closedAfter()).toBeGreaterThanOrEqual(900);
    expect(silent.closedAfter()).toBeLessThan(1700);
    expect(partial.closedAfter()).toBeLessThan(1700);
  });

  it('at the connection cap, a new connection replaces an idle one; when every one is busy it is refused', async () => {
    const dir = tempDir('endpoint-cap');
    dirs.push(dir);
    const log = join(dir, 'ipvsadm.log');
    writeFileSync(log, '');
    const { url } = await exporter(
      [
        `--path.procfs=${T1}`,
        `--ipvsadm.path=${REPLAY}`,
        '--web.max-connections=2',
        '--web.read-header-timeout=5',
      ],
      {
        IPVSADM_REPLAY_DIR: join(IPVSADM_FIXTURES, 'kernel-6.1-t1'),
        IPVSADM_REPLAY_LOG: log,
        IPVSADM_REPLAY_DELAY: '1',
      },
    );
    const idle = await Promise.all([rawClient(url), rawClient(url)]);
    const first = await scrape(url, 5000);
    expect(first.status).toBe(200);
    await sleep(100);
    expect(idle.filter((client) => client.closedAfter() !== undefined).length).toBeGreaterThanOrEqual(1);
    idle.forEach((client) => client.socket.destroy());
    await sleep(100);

    // Two scrapes in progress (the collection waits a second on ipvsadm) fill both slots.
    const busy = [scrape(url, 5000), scrape(url, 5000)];
    await sleep(300);
    const third = await rawClient(url, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(300);
    expect(third.closedAfter()).toBeDefined();
    expect(third.received()).toBe('');
    expect((await Promise.all(busy)).map((s) => s.status)).toEqual([200, 200]);
    expect((await scrape(url, 5000)).status).toBe(200);
  });

  it('answers scrapes beyond --web.max-requests 503 with Retry-After, not queued', async () => {
    const dir = tempDir('endpoint-max-requests');
    dirs.push(dir);
    const log = join(dir, 'ipvsadm.log');
    writeFileSync(log, '');
    const { url } = await exporter(
      [`--path.procfs=${T1}`, `--ipvsadm.path=${REPLAY}`, '--web.max-requests=2'],
      {
        IPVSADM_REPLAY_DIR: join(IPVSADM_FIXTURES, 'kernel-6.1-t1'),
        IPVSADM_REPLAY_LOG: log,
        IPVSADM_REPLAY_DELAY: '1',
      },
    );
    const started = Date.now();
    const first = [scrape(url, 5000), scrape(url, 5000)];
    await sleep(200);
    const excess = await Promise.all(
      Array.from({ length: 3 }, () => fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })),
    );
    // Answered at once, while the first two still wait on the collection.
    expect(Date.now() - started).toBeLessThan(900);
    for (const response of excess) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await response.text()).toBe('Limit of concurrent requests reached (2), try again later.\n');
    }
    // Health is not a scrape: it is answered.
    expect((await fetch(`${url}/-/healthy`)).status).toBe(200);
    expect((await Promise.all(first)).map((s) => s.status)).toEqual([200, 200]);
    expect((await scrape(url, 5000)).status).toBe(200);
  });

  it('answers a long URL 414 and an oversized head 431', async () => {
    const { url } = await exporter(FIXTURE);
    expect(((await get(`${url}/metrics?${'a'.repeat(3000)}`)) as Answer).status).toBe(414);
    expect(((await get(`${url}/metrics?${'a'.repeat(9000)}`)) as Answer).status).toBe(431);
    const big = await rawClient(
      url,
      `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(10_000)}\r\n\r\n`,
    );
    await sleep(300);
    expect(big.received()).toMatch(/^HTTP\/1\.1 431 /);
    expect((await scrape(url)).status).toBe(200);
  });

  it('cuts a client that stops reading, without holding up a scrape that shares its rendering', async () => {
    const dir = tempDir('endpoint-nonreader');
    dirs.push(dir);
    await writeDirector(dir, { services: 3000, destinationsPerService: 4 }, 10);
    const { url } = await exporter([
      `--path.procfs=${dir}`,
      '--no-collector.ipvs.ipvsadm',
      '--web.write-timeout=30',
    ]);
    const alone = await scrape(url, 20_000);
    // Both requests arrive during one collection, so they share one rendering.
    const [stuck, real] = await Promise.all([
      rawClient(url, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n').then((client) => {
        client.socket.pause();
        return client;
      }),
      scrape(url, 20_000),
    ]);
    expect(real.status).toBe(200);
    expect(real.body.length).toBeGreaterThan(8_000_000);
    // The reader that stopped fell behind by more than the 5 s grace: cut, long before the 30 s
    // write timeout, and the real scrape was held up by about that grace at most.
    expect(real.ms).toBeLessThan(alone.ms + LAGGARD_GRACE_MS + 3000);
    // A paused socket does not see the server close it: read what was buffered, then look. A
    // response left whole would keep the connection open (keep-alive); a cut one ends short.
    stuck.socket.resume();
    await waitFor('the stuck client to see the cut', 5000, () => stuck.closedAfter() !== undefined);
    expect(stuck.received().length).toBeLessThan(real.body.length);
  }, 30_000);

  it('answers HEAD like GET without a body, and honours gzip;q=0', async () => {
    const { url } = await exporter(FIXTURE);
    const head = (await get(`${url}/metrics`, { method: 'HEAD' })) as Answer;
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(head.headers['content-length']).toBeUndefined();
    expect(head.body).toBe('');
    const encoded = async (accept: string) => {
      const response = await fetch(`${url}/metrics`, { headers: { 'Accept-Encoding': accept } });
      return {
        encoding: response.headers.get('content-encoding'),
        body: Buffer.from(await response.arrayBuffer()),
      };
    };
    // fetch decodes gzip itself; the header says what was sent.
    expect((await encoded('gzip;q=0, identity')).encoding).toBeNull();
    expect((await encoded('br, gzip;q=0.5')).encoding).toBe('gzip');
    expect((await encoded('*;q=0.1')).encoding).toBe('gzip');
  });
});
