/**
 * The HTTP client of the history readers: node:http / node:https (Node 20's fetch cannot take a
 * custom CA without the undici package, node:https takes `ca` directly), one deadline for the whole
 * answer, a bound on its size, and errors that name the URL without credentials. Bodies are read
 * whole (`request`) or line by line (`requestLines`, InfluxDB's chunked answers).
 */
import { readFileSync } from 'node:fs';
import { type ClientRequest, type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** How a reader reaches its server: credentials, CA, time and size bounds. */
export interface HttpClientOptions {
  /** `Authorization: Bearer <token>`. */
  readonly bearerToken?: string;
  /** HTTP basic auth; user info in the URL (`http://user:pass@host`) is used when this is absent. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** PEM file of the CA(s) that signed the server's certificate (https only). */
  readonly caFile?: string;
  /** Milliseconds one request may take, answer included (default 30 s). */
  readonly timeoutMs?: number;
  /** Largest answer accepted, bytes (default 256 MiB). */
  readonly maxBytes?: number;
  /** Cancels every request in flight. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_BYTES = 256 << 20;

/** A request failed before an answer was complete: network, timeout, size, TLS. */
export class HttpError extends Error {
  constructor(
    message: string,
    /** The answer took too long or was too big: a smaller request may pass. */
    readonly tooMuch = false,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The store could not be read, or refused the query: says which URL (no credentials) and query. */
export class HistoryReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistoryReadError';
  }
}

/** Query parameters whose values are secrets (InfluxDB 1.x `u`/`p`, tokens). */
const SECRET_PARAMS = new Set(['p', 'u', 'password', 'token', 'access_token']);

/** The URL without user info and secret parameters, safe for messages. */
export function redactUrl(url: string | URL): string {
  try {
    const parsed = new URL(String(url));
    parsed.username = '';
    parsed.password = '';
    for (const key of [...parsed.searchParams.keys()])
      if (SECRET_PARAMS.has(key)) parsed.searchParams.set(key, 'REDACTED');
    return parsed.toString();
  } catch {
    return '<invalid URL>';
  }
}

/** A base URL for messages: redacted, without the trailing slash URL.toString() adds to a bare host. */
export function displayUrl(url: URL): string {
  return redactUrl(url).replace(/\/$/, '');
}

/** A base URL (`--prometheus URL`) checked and without a trailing slash; throws a clear error. */
export function baseUrl(text: string, flag: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${flag}: "${redactUrl(text)}" is not a URL (expected e.g. http://127.0.0.1:9090)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`${flag}: ${redactUrl(url)}: only http:// and https:// are supported`);
  url.pathname = url.pathname.replace(/\/+$/, '');
  url.search = '';
  url.hash = '';
  return url;
}

/** `base` + `path` (base may carry a path prefix, e.g. behind a reverse proxy) + parameters. */
export function endpoint(base: URL, path: string, params: URLSearchParams = new URLSearchParams()): URL {
  const url = new URL(base.toString());
  url.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`;
  url.search = params.toString();
  return url;
}

export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  /** A form body (POST), sent as application/x-www-form-urlencoded. */
  readonly form?: URLSearchParams;
}

function authorization(url: URL, options: HttpClientOptions): string | undefined {
  if (options.bearerToken) return `Bearer ${options.bearerToken}`;
  const basic =
    options.basicAuth ??
    (url.username || url.password
      ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
      : undefined);
  if (basic) return `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
  return undefined;
}

const caCache = new Map<string, Buffer>();

function readCa(file: string): Buffer {
  let ca = caCache.get(file);
  if (!ca) {
    try {
      ca = readFileSync(file);
    } catch (error) {
      throw new HttpError(`cannot read the CA file ${file}: ${(error as Error).message}`);
    }
    caCache.set(file, ca);
  }
  return ca;
}

/**
 * Sends one request and hands the answer's stream to `consume`; the deadline covers connecting,
 * the headers and the whole body. Never rejects with anything but HttpError (or consume's error),
 * whose message the caller prefixes with the URL and what it asked.
 */
async function send<T>(
  req: HttpRequest,
  options: HttpClientOptions,
  consume: (response: IncomingMessage, limit: () => void) => Promise<T>,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const body = req.form?.toString();
  const headers: Record<string, string> = { accept: 'application/json', 'accept-encoding': 'identity' };
  const auth = authorization(req.url, options);
  if (auth) headers.authorization = auth;
  if (body !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  const target = new URL(req.url.toString());
  target.username = '';
  target.password = '';
  const https = target.protocol === 'https:';
  if (options.caFile && !https) throw new HttpError('a CA file was given but the URL is not https');
  const ca = https && options.caFile ? readCa(options.caFile) : undefined;
  if (options.signal?.aborted) throw new HttpError('cancelled');
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const sent: { request?: ClientRequest } = {};
    const finish = (error: Error | undefined, value?: T): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) {
        sent.request?.destroy();
        reject(error instanceof Error ? error : new Error(String(error)));
      } else resolve(value as T);
    };
    const timer = setTimeout(
      () => finish(new HttpError(`no complete answer within ${timeoutMs} ms`, true)),
      timeoutMs,
    );
    const onAbort = (): void => finish(new HttpError('cancelled'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const onResponse = (response: IncomingMessage): void => {
      const limit = (): void =>
        finish(new HttpError(`answer larger than ${options.maxBytes ?? DEFAULT_MAX_BYTES} bytes`, true));
      consume(response, limit).then(
        (value) => finish(undefined, value),
        (error: unknown) =>
          finish(
            error instanceof HttpError || !(error instanceof Error)
              ? (error as Error)
              : new HttpError(error.message),
          ),
      );
      response.once('error', (error) => finish(new HttpError(error.message)));
    };
    const requestOptions = { method: req.method, headers, ...(ca ? { ca } : {}) };
    const request = https
      ? httpsRequest(target, requestOptions, onResponse)
      : httpRequest(target, requestOptions, onResponse);
    sent.request = request;
    request.once('error', (error: NodeJS.ErrnoException) =>
      finish(new HttpError(error.message || error.code || 'request failed')),
    );
    request.end(body);
  });
}

/** One request, the whole answer as text (any status: the caller reads the server's error). */
export function request(req: HttpRequest, options: HttpClientOptions = {}): Promise<HttpAnswer> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  return send(req, options, (response, limit) => {
    const chunks: Buffer[] = [];
    let size = 0;
    return new Promise<HttpAnswer>((resolve) => {
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) return limit();
        chunks.push(chunk);
      });
      response.once('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          contentType: String(response.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
  });
}

/**
 * One request whose answer is read line by line (newline-delimited JSON): `onLine` sees each
 * complete line as it arrives, so memory holds one line, not the answer. A non-2xx answer is
 * returned whole instead (it is an error text). `maxBytes` bounds one line and the whole answer.
 */
export function requestLines(
  req: HttpRequest,
  onLine: (line: string) => void,
  options: HttpClientOptions = {},
): Promise<{ readonly status: number; readonly errorBody?: string }> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  return send(req, options, (response, limit) => {
    const status = response.statusCode ?? 0;
    return new Promise((resolve, reject) => {
      let pending = '';
      let errorBody = '';
      let size = 0;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        size += chunk.length;
        if (status < 200 || status > 299) {
          if (errorBody.length < 1 << 16) errorBody += chunk;
          return;
        }
        if (size > maxBytes) return limit();
        pending += chunk;
        let newline = pending.indexOf('\n');
        try {
          while (newline >= 0) {
            const line = pending.slice(0, newline);
            pending = pending.slice(newline + 1);
            if (line.trim() !== '') onLine(line);
            newline = pending.indexOf('\n');
          }
        } catch (error) {
          response.destroy();
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      response.once('end', () => {
        if (status < 200 || status > 299) return resolve({ status, errorBody });
        try {
          if (pending.trim() !== '') onLine(pending);
          resolve({ status });
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
  });
}
