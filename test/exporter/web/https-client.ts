/** One HTTPS or HTTP request on loopback, answered or failed, for the endpoint tests. */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export interface RequestOptions {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly user?: string;
  readonly password?: string;
  readonly method?: string;
  readonly timeoutMs?: number;
  /** OpenSSL cipher list and highest TLS version the client offers. */
  readonly ciphers?: string;
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/** Resolves with the answer, or with the Error that ended the exchange (refused, reset, alert). */
export function get(url: string, options: RequestOptions = {}): Promise<Answer | Error> {
  const secure = url.startsWith('https:');
  const headers: Record<string, string> = {};
  if (options.user !== undefined) {
    headers.Authorization = `Basic ${Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64')}`;
  }
  const tls = secure
    ? {
        ca: options.ca && readFileSync(options.ca),
        cert: options.cert && readFileSync(options.cert),
        key: options.key && readFileSync(options.key),
        ...(options.ciphers && { ciphers: options.ciphers }),
        ...(options.maxVersion && { maxVersion: options.maxVersion }),
        ...(options.minVersion && { minVersion: options.minVersion }),
      }
    : {};
  return new Promise((resolve) => {
    const req = (secure ? httpsRequest : httpRequest)(
      url,
      { method: options.method ?? 'GET', headers, agent: false, timeout: options.timeoutMs ?? 5000, ...tls },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', resolve);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', resolve);
    req.end();
  });
}

export function isAnswer(value: Answer | Error): value is Answer {
  return !(value instanceof Error);
}
