/**
 * Parses a --web.listen-address value: `host:port`, `:port` (all interfaces) or `[v6]:port`.
 * The host must be a literal IPv4/IPv6 address or `localhost` (taken as 127.0.0.1): a name
 * would make Node ask the resolver at start, so the address the exporter serves on would depend
 * on DNS, /etc/hosts or nsswitch rather than on its own configuration.
 */
import { isIP } from 'node:net';
import { printable } from '../../core/log.js';

export interface ListenAddress {
  /** undefined listens on every interface, as Go's ":port" does. */
  readonly host: string | undefined;
  readonly port: number;
}

export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  const shown = JSON.stringify(printable(text, 100));
  if (!match || port > 65535) {
    throw new Error(`--web.listen-address wants HOST:PORT, :PORT or [IPv6]:PORT, got ${shown}`);
  }
  const bracketed = match[1];
  const host = bracketed ?? match[2] ?? '';
  if (host === '') return { host: undefined, port };
  if (host.toLowerCase() === 'localhost') return { host: '127.0.0.1', port };
  const family = isIP(host);
  if (family === 0 || (bracketed !== undefined && family !== 6)) {
    throw new Error(
      `--web.listen-address: ${JSON.stringify(printable(host, 100))} is not a literal IP address or localhost (no name lookups: give the address, e.g. 127.0.0.1:${port} or [::1]:${port})`,
    );
  }
  return { host, port };
}
