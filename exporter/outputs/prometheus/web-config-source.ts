/**
 * The web config as the endpoint uses it, kept current the way exporter-toolkit does: the file
 * (and the certificate, key and CA files it names) is checked on each new connection and each
 * request, so a renewed certificate or a changed password takes effect without a restart. The
 * check is a stat of each file; a file whose device, inode, size or mtime changed makes the
 * whole config be read again. A config that fails to load keeps the last good one in force and
 * is logged once per distinct error. Whether TLS is on is fixed at start (as in the toolkit), and
 * so is whether basic auth is: a re-read that would turn either off (or TLS on) is refused until
 * a restart, so a file caught half-written cannot open the endpoint.
 */
import { statSync } from 'node:fs';
import { type SecureContextOptions, createSecureContext } from 'node:tls';
import type { Logger } from '../../core/log.js';
import { type FileSignature, readSmallFile, sameSignature } from './read-small-file.js';
import { TLS13_SUITES } from './tls-names.js';
import { type PemSource, type TlsServerSettings, type WebConfig, parseWebConfig } from './web-config.js';

export interface LoadedWebConfig {
  readonly config: WebConfig;
  /** Options for tls.createServer; undefined without tls_server_config. */
  readonly tlsOptions:
    (SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean }) | undefined;
  /** Every file read for this config, with the signature it had. */
  readonly files: ReadonlyMap<string, FileSignature>;
}

function readPem(source: PemSource, what: string, files: Map<string, FileSignature>): string {
  if ('inline' in source) return source.inline;
  try {
    const { text, signature } = readSmallFile(source.file);
    files.set(source.file, signature);
    return text;
  } catch (error) {
    throw new Error(`tls_server_config: cannot read ${what} ${source.file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function tlsOptions(
  tls: TlsServerSettings,
  files: Map<string, FileSignature>,
): LoadedWebConfig['tlsOptions'] {
  const options: SecureContextOptions = {
    cert: readPem(tls.cert, 'cert_file', files),
    key: readPem(tls.key, 'key_file', files),
    ...(tls.clientCa && { ca: readPem(tls.clientCa, 'client_ca_file', files) }),
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    honorCipherOrder: tls.preferServerCipherSuites,
    // Go applies cipher_suites to TLS 1.2 and below only; OpenSSL takes both in one list.
    ...(tls.cipherSuites && { ciphers: [...TLS13_SUITES, ...tls.cipherSuites].join(':') }),
    ...(tls.curves && { ecdhCurve: tls.curves.join(':') }),
  };
  try {
    // Builds the context now so a key that does not match its certificate, or a bad PEM, is a
    // load error rather than a failed handshake later.
    createSecureContext(options);
  } catch (error) {
    throw new Error(`tls_server_config: ${(error as Error).message}`, { cause: error });
  }
  const asks = tls.clientAuth !== 'NoClientCert';
  return {
    ...options,
    requestCert: asks,
    rejectUnauthorized: tls.clientAuth === 'RequireAndVerifyClientCert',
  };
}

/** Reads and checks the config and every file it names; throws an error naming file and key. */
export function loadWebConfig(path: string): LoadedWebConfig {
  const files = new Map<string, FileSignature>();
  let text: string;
  try {
    const read = readSmallFile(path);
    files.set(path, read.signature);
    text = read.text;
  } catch (error) {
    throw new Error(`--web.config.file: ${(error as Error).message}`, { cause: error });
  }
  const config = parseWebConfig(text, path);
  try {
    return { config, tlsOptions: config.tls && tlsOptions(config.tls, files), files };
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

function signatureOf(path: string): FileSignature | undefined {
  try {
    const stat = statSync(path);
    return { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs };
  } catch {
    return undefined;
  }
}

/** After a failed reload, how long unchanged files are trusted to still fail before trying again. */
const RETRY_FAILED_MS = 5000;

type Signatures = ReadonlyMap<string, FileSignature | undefined>;

/** Whether every file of `then` still has its signature (a file missing then and now counts as unchanged). */
function matches(now: Signatures, then: Signatures): boolean {
  for (const [file, signature] of then) {
    const current = now.get(file);
    if (current === undefined && signature === undefined) continue;
    if (!current || !signature || !sameSignature(current, signature)) return false;
  }
  return true;
}

export class WebConfigSource {
  private good: LoadedWebConfig;
  private failed: { readonly at: number; readonly files: Signatures; readonly error: string } | undefined;

  constructor(
    private readonly path: string,
    private readonly log: Logger,
    initial: LoadedWebConfig = loadWebConfig(path),
  ) {
    this.good = initial;
  }

  /** The config in force, re-read first if any of its files changed. */
  current(): LoadedWebConfig {
    const now = new Map([...this.good.files.keys()].map((file) => [file, signatureOf(file)]));
    if (matches(now, this.good.files)) return this.good;
    // The same files that failed a moment ago fail again: do not re-read them on every request.
    if (this.failed && Date.now() - this.failed.at < RETRY_FAILED_MS && matches(now, this.failed.files)) {
      return this.good;
    }
    try {
      const next = loadWebConfig(this.path);
      if ((next.tlsOptions === undefined) !== (this.good.tlsOptions === undefined)) {
        throw new Error(`${this.path}: turning TLS on or off needs a restart`);
      }
      // A file caught half-written can read as valid YAML without its basic_auth_users: never
      // let a re-read switch authentication off.
      if (this.good.config.users.size > 0 && next.config.users.size === 0) {
        throw new Error(`${this.path}: no basic_auth_users any more; turning basic auth off needs a restart`);
      }
      this.good = next;
      this.failed = undefined;
      this.log.info('web config reloaded', { file: this.path });
    } catch (error) {
      const message = (error as Error).message;
      if (message !== this.failed?.error) {
        this.log.error('web config not reloaded, keeping the last good one', {
          file: this.path,
          error: message,
        });
      }
      this.failed = { at: Date.now(), files: now, error: message };
    }
    return this.good;
  }
}
