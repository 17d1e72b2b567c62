/**
 * The Prometheus endpoint: telemetry path, landing page, /-/healthy and /-/ready. Scrapes that
 * arrive together share one collection (the single-flight collector) and one streamed rendering,
 * so two Prometheus replicas cost one read of /proc and one rendering.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExporterModule, RuntimeContext } from '../../core/module.js';
import { option } from '../../core/options.js';
import { VERSION } from '../../../common/package.js';
import { parseListenAddress } from './listen-address.js';
import { ExpositionFanout } from './fanout.js';
import { PROMETHEUS_CONTENT_TYPE } from './render.js';

/** "IPVS" on a phone keypad; outside 9100-9999, which the exporter port registry has filled up. */
const DEFAULT_LISTEN_ADDRESS = ':14787';

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
  body: string | Buffer,
  headOnly: boolean,
): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(headOnly ? undefined : body);
}

const WEB_LISTEN_ADDRESS = option({
  name: 'web.listen-address',
  kind: 'string',
  default: DEFAULT_LISTEN_ADDRESS,
  description: 'address of the metrics endpoint: HOST:PORT, :PORT or [IPv6]:PORT',
});

const WEB_TELEMETRY_PATH = option({
  name: 'web.telemetry-path',
  kind: 'string',
  default: '/metrics',
  description: 'path of the metrics',
});

export const prometheusModule: ExporterModule = {
  name: 'prometheus',
  options: [WEB_LISTEN_ADDRESS, WEB_TELEMETRY_PATH],

  async start(ctx: RuntimeContext) {
    const address = parseListenAddress(ctx.options.get(WEB_LISTEN_ADDRESS));
    const telemetryPath = ctx.options.get(WEB_TELEMETRY_PATH);
    const fanout = new ExpositionFanout(ctx.families);

    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const headOnly = req.method === 'HEAD';
      if (req.method !== 'GET' && !headOnly)
        return send(res, 405, 'text/plain', 'Method Not Allowed\n', false);
      if (path === telemetryPath) {
        if (headOnly) return send(res, 200, PROMETHEUS_CONTENT_TYPE, '', true);
        const snapshot = await ctx.collector.collect(0);
        return fanout.serve(snapshot, { res, gzip: /\bgzip\b/.test(req.headers['accept-encoding'] ?? '') });
      }
      if (path === '/-/healthy') return send(res, 200, 'text/plain', 'Healthy\n', headOnly);
      if (path === '/-/ready') return send(res, 200, 'text/plain', 'Ready\n', headOnly);
      if (path === '/')
        return send(res, 200, 'text/html; charset=utf-8', landingPage(telemetryPath), headOnly);
      return send(res, 404, 'text/plain', 'Not Found\n', headOnly);
    };

    const server = createServer((req, res) => {
      handle(req, res).catch((error: unknown) => {
        ctx.log.error('request failed', { path: req.url, error });
        if (!res.headersSent) send(res, 500, 'text/plain', `${(error as Error).message}\n`, false);
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address.host, port: address.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = server.address() as AddressInfo;
    const shown =
      bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;
    ctx.log.info('listening', { address: shown, telemetry_path: telemetryPath });

    return async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  },
};
