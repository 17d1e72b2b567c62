/** Parses a --web.listen-address value: `host:port`, `:port` (all interfaces) or `[v6]:port`. */
export interface ListenAddress {
  /** undefined listens on every interface, as Go's ":port" does. */
  readonly host: string | undefined;
  readonly port: number;
}

export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new Error(`--web.listen-address wants HOST:PORT, :PORT or [IPv6]:PORT, got "${text}"`);
  }
  const host = match[1] ?? match[2];
  return { host: host === '' ? undefined : host, port };
}
