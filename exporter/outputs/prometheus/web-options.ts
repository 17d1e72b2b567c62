/**
 * The endpoint's settings. The caps and timeouts have defaults an SRE can leave alone: a scrape
 * sends its request at once and Prometheus never opens more than a few connections, so only a
 * broken or hostile client meets them. `--web.max-requests` has node_exporter's name, default
 * and meaning.
 */
import { option, MAX_TIMER_SECONDS } from '../../core/options.js';

/** "IPVS" on a phone keypad; outside 9100-9999, which the exporter port registry has filled up. */
const DEFAULT_LISTEN_ADDRESS = ':14787';

export const WEB_LISTEN_ADDRESS = option({
  name: 'web.listen-address',
  kind: 'string',
  default: DEFAULT_LISTEN_ADDRESS,
  description:
    'address of the metrics endpoint: HOST:PORT, :PORT or [IPv6]:PORT (HOST: an IP address or localhost)',
});

export const WEB_TELEMETRY_PATH = option({
  name: 'web.telemetry-path',
  kind: 'string',
  default: '/metrics',
  description: 'path of the metrics',
});

export const WEB_CONFIG_FILE = option({
  name: 'web.config.file',
  kind: 'string',
  default: '',
  description:
    'web config file in the Prometheus exporter-toolkit format (TLS, client certificates, basic auth, headers), re-read when it or its certificate files change; empty: plain HTTP',
});

export const WEB_MAX_REQUESTS = option({
  name: 'web.max-requests',
  kind: 'number',
  default: 40,
  description: 'scrapes served at once; more are answered 503 with Retry-After (0: no limit)',
});

export const WEB_MAX_CONNECTIONS = option({
  name: 'web.max-connections',
  kind: 'number',
  default: 100,
  description:
    'open connections at most; at the cap a new one replaces the oldest connection that has no request being answered, and is refused only when all are busy (0: no limit)',
});

export const WEB_READ_HEADER_TIMEOUT = option({
  name: 'web.read-header-timeout',
  kind: 'number',
  max: MAX_TIMER_SECONDS,
  default: 5,
  description:
    'seconds a client has to finish the TLS handshake and send its request headers; then it is cut',
});

export const WEB_WRITE_TIMEOUT = option({
  name: 'web.write-timeout',
  kind: 'number',
  max: MAX_TIMER_SECONDS,
  default: 60,
  description: 'seconds a response may take to be sent; a client that stops reading is cut then',
});

export const WEB_OPTIONS = [
  WEB_LISTEN_ADDRESS,
  WEB_TELEMETRY_PATH,
  WEB_CONFIG_FILE,
  WEB_MAX_REQUESTS,
  WEB_MAX_CONNECTIONS,
  WEB_READ_HEADER_TIMEOUT,
  WEB_WRITE_TIMEOUT,
];
