/**
 * The Prometheus endpoint: telemetry path, landing page, /-/healthy and /-/ready, behind the
 * web config's TLS and basic auth and the bounds of listener.ts. Scrapes that arrive together
 * share one collection (the single-flight collector) and one streamed rendering, so two
 * Prometheus replicas cost one read of /proc and one rendering; more than --web.max-requests at
 * once are answered 503 rather than queued.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExporterModule, RuntimeContext } from '../../core/module.js';
import type { Options } from '../../core/options.js';
import { VERSION } from '../../../common/package.js';
import { acceptsGzip } from './accept-encoding.js';
import { BasicAuthVerifier } from './basic-auth.js';
import { ExpositionFanout } from './fanout.js';
import { parseListenAddress } from './listen-address.js';
import { startListener } from './listener.js';
import { PROMETHEUS_CONTENT_TYPE } from './render.js';
import { WebConfigSource, loadWebConfig } from './web-config-source.js';
import {
  WEB_CONFIG_FILE,
  WEB_LISTEN_ADDRESS,
  WEB_MAX_CONNECTIONS,
  WEB_MAX_REQUESTS,
  WEB_OPTIONS,
  WEB_READ_HEADER_TIMEOUT,
  WEB_TELEMETRY_PATH,
  WEB_WRITE_TIMEOUT,
} from './web-options.js';

/** Longest request target served; longer ones get 414 (longer than the header cap: 431 from Node). */
export const MAX_URL_BYTES = 2048;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function landingPage(telemetryPath: string): string {
  const path = escapeHtml(telemetryPath);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>lvscope exporter</title></head>
<body>
<h1>lvscope exporter ${escapeHtml(VERSION)}</h1>
<p>IPVS (LVS) and keepalived metrics, node_exporter-compatible <code>node_ipvs_*</code> families included.</p>
<ul>
<li><a href="${path}">${path}</a>: metrics in the Prometheus text format</li>
<li><a href="/-/healthy">/-/healthy</a>: liveness</li>
</ul>
</body></html>
`;
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headOnly: boolean,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(headOnly ? undefined : body);
}

interface Limits {
  readonly maxRequests: number;
  readonly maxConnections: number;
  readonly headerTimeoutMs: number;
  readonly writeTimeoutMs: number;
}

/** The caps and timeouts, checked: a negative cap or a zero timeout is a start-up error. */
function limits(options: Options): Limits {
  const whole = (spec: typeof WEB_MAX_REQUESTS): number => {
    const value = options.get(spec);
    if (!Number.isInteger(value) || value < 0) {
      throw new Error(`--${spec.name} wants a whole number ≥ 0 (0: no limit), got ${value}`);
    }
    return value;
  };
  const seconds = (spec: typeof WEB_READ_HEADER_TIMEOUT): number => {
    const value = options.get(spec);
    if (!(value > 0 && value <= 3600))
      throw new Error(`--${spec.name} wants seconds in (0, 3600], got ${value}`);
    return Math.round(value * 1000);
  };
  return {
    maxRequests: whole(WEB_MAX_REQUESTS),
    maxConnections: whole(WEB_MAX_CONNECTIONS),
    headerTimeoutMs: seconds(WEB_READ_HEADER_TIMEOUT),
    writeTimeoutMs: seconds(WEB_WRITE_TIMEOUT),
  };
}

export const prometheusModule: ExporterModule = {
  name: 'prometheus',
  options: WEB_OPTIONS,

  async start(ctx: RuntimeContext) {
    const address = parseListenAddress(ctx.options.get(WEB_LISTEN_ADDRESS));
    const telemetryPath = ctx.options.get(WEB_TELEMETRY_PATH);
    const bounds = limits(ctx.options);
    const configFile = ctx.options.get(WEB_CONFIG_FILE);
    const webConfig =
      configFile === '' ? undefined : new WebConfigSource(configFile, ctx.log, loadWebConfig(configFile));
    const auth = new BasicAuthVerifier();
    const fanout = new ExpositionFanout(ctx.families);
    let scrapes = 0;

    const metrics = async (req: IncomingMessage, res: ServerResponse, headOnly: boolean): Promise<void> => {
      if (bounds.maxRequests > 0 && scrapes >= bounds.maxRequests) {
        const message = `Limit of concurrent requests reached (${bounds.maxRequests}), try again later.\n`;
        return send(res, 503, 'text/plain', message, headOnly, { 'Retry-After': '1' });
      }
      // Same headers as a GET, no body: the length of a streamed exposition is not known up front.
      if (headOnly) return void res.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE }).end();
      scrapes += 1;
      res.once('close', () => (scrapes -= 1));
      const snapshot = await ctx.collector.collect(0);
      if (res.destroyed) return;
      return fanout.serve(snapshot, { res, gzip: acceptsGzip(req.headers['accept-encoding']) });
    };

    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const headOnly = req.method === 'HEAD';
      if ((req.url ?? '').length > MAX_URL_BYTES)
        return send(res, 414, 'text/plain', 'URI Too Long\n', headOnly);
      const loaded = webConfig?.current();
      for (const [name, value] of loaded?.config.headers ?? []) res.setHeader(name, value);
      if (loaded && loaded.config.users.size > 0) {
        const outcome = await auth.check(req.headers.authorization, loaded.config.users);
        if (outcome === 'busy') {
          return send(res, 503, 'text/plain', 'Too many logins being checked, try again later.\n', headOnly, {
            'Retry-After': '1',
          });
        }
        if (outcome === 'denied') {
          return send(res, 401, 'text/plain', 'Unauthorized\n', headOnly, {
            'WWW-Authenticate': 'Basic realm="lvs-exporter", charset="UTF-8"',
          });
        }
      }
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (req.method !== 'GET' && !headOnly) {
        return send(res, 405, 'text/plain', 'Method Not Allowed\n', false, { Allow: 'GET, HEAD' });
      }
      if (path === telemetryPath) return metrics(req, res, headOnly);
      if (path === '/-/healthy') return send(res, 200, 'text/plain', 'Healthy\n', headOnly);
      if (path === '/-/ready') return send(res, 200, 'text/plain', 'Ready\n', headOnly);
      if (path === '/')
        return send(res, 200, 'text/html; charset=utf-8', landingPage(telemetryPath), headOnly);
      return send(res, 404, 'text/plain', 'Not Found\n', headOnly);
    };

    const listener = await startListener(
      {
        address,
        maxConnections: bounds.maxConnections,
        headerTimeoutMs: bounds.headerTimeoutMs,
        writeTimeoutMs: bounds.writeTimeoutMs,
        webConfig,
        log: ctx.log,
      },
      (req, res) => {
        handle(req, res).catch((error: unknown) => {
          ctx.log.error('request failed', { path: req.url, error });
          if (!res.headersSent) send(res, 500, 'text/plain', 'Internal Server Error\n', false);
          else res.destroy();
        });
      },
    );
    const bound = listener.address;
    const shown =
      bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;
    ctx.log.info('listening', {
      address: shown,
      telemetry_path: telemetryPath,
      tls: listener.tls,
      basic_auth: (webConfig?.current().config.users.size ?? 0) > 0,
    });
    return () => listener.close();
  },
};
