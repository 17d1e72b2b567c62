/**
 * The endpoint's listening socket, bounded: every raw connection passes the connection cap, then
 * (with TLS) a TLS engine built from the web config in force when it arrived, then Node's HTTP
 * server. A connection must finish its handshake and first request headers within the header
 * timeout, later requests too (Node's headersTimeout), and each response must be sent within the
 * write timeout, so a client that sends or reads one byte a second is cut rather than held.
 * Oversized request heads are answered 431 by Node (maxHeaderSize).
 */
import { type IncomingMessage, type ServerResponse, createServer as createHttpServer } from 'node:http';
import { type AddressInfo, type Socket, createServer as createNetServer } from 'node:net';
import { type Server as TlsServer, type TLSSocket, createServer as createTlsServer } from 'node:tls';
import type { Logger } from '../../core/log.js';
import { ConnectionLimit } from './connection-limit.js';
import type { ListenAddress } from './listen-address.js';
import { clientCertificateProblem } from './client-certificate.js';
import type { LoadedWebConfig, WebConfigSource } from './web-config-source.js';

/** Request line and headers at most (Node answers 431 past it); a scrape sends a few hundred bytes. */
export const MAX_HEADER_BYTES = 8192;
/** Idle keep-alive connections are kept this long: above a 15 s scrape interval, so Prometheus reuses them. */
export const KEEP_ALIVE_MS = 30_000;
/** How often Node checks header and request deadlines (its default, 30 s, let slow clients stay 71 s). */
const DEADLINE_CHECK_MS = 250;
const TLS_HANDSHAKE_RECORD = 0x16;
/** Go's answer to plain HTTP on a TLS port (net/http), word for word. */
const PLAIN_HTTP_TO_TLS = 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n';

export interface ListenerSettings {
  readonly address: ListenAddress;
  readonly maxConnections: number;
  readonly headerTimeoutMs: number;
  readonly writeTimeoutMs: number;
  /** undefined: plain HTTP without a web config. */
  readonly webConfig: WebConfigSource | undefined;
  readonly log: Logger;
}

export interface Listener {
  readonly address: AddressInfo;
  readonly tls: boolean;
  close(): Promise<void>;
}

/** A connection's peer, which the raw and the TLS socket share: unique among open connections. */
const peerKey = (socket: Socket): string => `${socket.remoteAddress}|${socket.remotePort}`;

export async function startListener(
  settings: ListenerSettings,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Listener> {
  const { headerTimeoutMs, writeTimeoutMs, log } = settings;
  const http = createHttpServer({
    headersTimeout: headerTimeoutMs,
    // A scrape is a GET without a body: the whole request is its head.
    requestTimeout: headerTimeoutMs * 2,
    keepAliveTimeout: KEEP_ALIVE_MS,
    connectionsCheckingInterval: DEADLINE_CHECK_MS,
    maxHeaderSize: MAX_HEADER_BYTES,
  });
  const connections = new ConnectionLimit(settings.maxConnections);
  /** The raw socket behind the socket a request came on (the TLS one, with TLS). */
  const rawOf = new WeakMap<Socket, Socket>();
  /** Raw sockets still waiting for their first request, with the timer that cuts them. */
  const firstRequest = new Map<Socket, NodeJS.Timeout>();
  /** Raw sockets in their TLS handshake, by peer, so the TLS socket can be tied back to its raw one. */
  const handshaking = new Map<string, Socket>();
  /** Every raw socket still open: close() ends them, idle keep-alive ones included. */
  const open = new Set<Socket>();

  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const raw = rawOf.get(req.socket) ?? req.socket;
    clearTimeout(firstRequest.get(raw));
    firstRequest.delete(raw);
    const finished = connections.busy(raw);
    const timer = setTimeout(() => {
      log.debug('response not sent within --web.write-timeout, connection cut', { path: req.url });
      req.socket.destroy();
    }, writeTimeoutMs);
    res.once('close', () => {
      clearTimeout(timer);
      finished();
    });
    handle(req, res);
  });

  let engine: { readonly options: LoadedWebConfig['tlsOptions']; readonly server: TlsServer } | undefined;
  const tlsEngine = (loaded: LoadedWebConfig): TlsServer => {
    if (engine && engine.options === loaded.tlsOptions) return engine.server;
    const server = createTlsServer({ ...loaded.tlsOptions, handshakeTimeout: headerTimeoutMs });
    server.on('secureConnection', (socket: TLSSocket) => {
      const raw = handshaking.get(peerKey(socket));
      if (raw) rawOf.set(socket, raw);
      handshaking.delete(peerKey(socket));
      const problem = clientCertificateProblem(socket, loaded.config.tls);
      if (problem) {
        log.debug('TLS client refused', { remote: socket.remoteAddress, reason: problem });
        socket.destroy();
        return;
      }
      http.emit('connection', socket);
    });
    server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
      log.debug('TLS handshake failed', { remote: socket.remoteAddress, error });
    });
    engine = { options: loaded.tlsOptions, server };
    return server;
  };

  const tls = settings.webConfig?.current().tlsOptions !== undefined;
  const front = createNetServer({ noDelay: true }, (raw: Socket) => {
    raw.on('error', () => undefined);
    if (!connections.admit(raw)) {
      log.debug('connection refused: every connection is busy', { remote: raw.remoteAddress });
      raw.destroy();
      return;
    }
    open.add(raw);
    raw.once('close', () => open.delete(raw));
    const timer = setTimeout(() => raw.destroy(), headerTimeoutMs);
    firstRequest.set(raw, timer);
    raw.once('close', () => {
      clearTimeout(timer);
      firstRequest.delete(raw);
    });
    const loaded = settings.webConfig?.current();
    if (loaded?.tlsOptions) {
      const key = peerKey(raw);
      handshaking.set(key, raw);
      raw.once('close', () => handshaking.delete(key));
      // Peek at the first byte, as Go's server does: a TLS record starts with 0x16 (handshake);
      // anything else is most likely plain HTTP, told so rather than left with a TLS alert.
      raw.once('readable', () => {
        const first = raw.read(1) as Buffer | null;
        if (first === null) return;
        if (first[0] !== TLS_HANDSHAKE_RECORD) {
          raw.end(PLAIN_HTTP_TO_TLS);
          return;
        }
        raw.unshift(first);
        tlsEngine(loaded).emit('connection', raw);
      });
    } else {
      http.emit('connection', raw);
    }
  });

  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen({ host: settings.address.host, port: settings.address.port }, () => {
      front.off('error', reject);
      resolve();
    });
  });

  return {
    address: front.address() as AddressInfo,
    tls,
    close: async () => {
      // front.close() waits for every connection to end, and a scraper keeps its keep-alive
      // connection open for KEEP_ALIVE_MS: end them all (idle, handshaking, mid-request), or a
      // SIGTERM would wait out the keep-alive timeout (longer than systemd's stop timeout).
      const closed = new Promise<void>((resolve) => front.close(() => resolve()));
      for (const timer of firstRequest.values()) clearTimeout(timer);
      for (const raw of open) raw.destroy();
      await closed;
    },
  };
}
