/**
 * Loopback push receivers for the soak: an OTLP/HTTP endpoint and an InfluxDB v1 /write endpoint
 * that follow a schedule of phases: `up` (answer), `hang` (read the request, never answer) and
 * `down` (listener closed: connection refused). They count what reached them, so the soak can show
 * the sinks kept trying and recovered.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type Phase = 'up' | 'hang' | 'down';

export interface ReceiverCounts {
  answered: number;
  hung: number;
  bytes: number;
}

export class Receiver {
  readonly counts: ReceiverCounts = { answered: 0, hung: 0, bytes: 0 };
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private phase: Phase = 'down';

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly answer: (req: IncomingMessage, res: ServerResponse) => void,
  ) {}

  get current(): Phase {
    return this.phase;
  }

  async set(phase: Phase): Promise<void> {
    if (phase === this.phase) return;
    this.phase = phase;
    // Leaving `hang` or going `down` drops the held requests, as a dying process would.
    for (const socket of this.sockets) socket.destroy();
    if (phase === 'down') await this.close();
    else await this.listen();
  }

  async stop(): Promise<void> {
    await this.set('down');
  }

  private listen(): Promise<void> {
    if (this.server) return Promise.resolve();
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  private close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    req.on('data', (chunk: Buffer) => (this.counts.bytes += chunk.length));
    req.on('end', () => {
      if (this.phase === 'hang') {
        this.counts.hung++;
        return;
      }
      this.counts.answered++;
      this.answer(req, res);
    });
  }
}

/** OTLP/HTTP: any POST to /v1/metrics is accepted (an empty ExportMetricsServiceResponse). */
export function otlpReceiver(port: number): Receiver {
  return new Receiver('otlp', port, (req, res) => {
    const ok = req.method === 'POST' && req.url?.startsWith('/v1/metrics');
    res.writeHead(ok ? 200 : 404, { 'content-type': 'application/x-protobuf' }).end();
  });
}

/** InfluxDB 1.x: /write answers 204, /query (CREATE DATABASE) an empty result, /ping 204. */
export function influxReceiver(port: number): Receiver {
  return new Receiver('influx', port, (req, res) => {
    const path = req.url?.split('?')[0];
    if (path === '/write' || path === '/ping') res.writeHead(204).end();
    else if (path === '/query')
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"results":[{"statement_id":0}]}');
    else res.writeHead(404).end();
  });
}

/**
 * The schedule both receivers follow, one cycle every `cycleMs`: up for the first 40 %, hung for
 * the next 25 %, dead for the next 20 %, back up for the rest. OTLP is shifted by half a cycle so
 * the two sinks fail at different times as well as together.
 */
export function phaseAt(elapsedMs: number, cycleMs: number, shift = 0): Phase {
  const at = (((elapsedMs / cycleMs + shift) % 1) + 1) % 1;
  if (at < 0.4) return 'up';
  if (at < 0.65) return 'hang';
  if (at < 0.85) return 'down';
  return 'up';
}
