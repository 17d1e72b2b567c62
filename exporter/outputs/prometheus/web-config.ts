/**
 * The `--web.config.file` of Prometheus's exporter-toolkit (docs/web-configuration.md in
 * prometheus/exporter-toolkit), parsed into typed settings: `tls_server_config`,
 * `http_server_config` and `basic_auth_users`. Pure: text in, settings out, or a WebConfigError
 * naming file:line:column and the dotted key of every problem. Unknown keys are errors, as the
 * toolkit's strict YAML decoding makes them. Relative file names are taken from the config file's
 * folder, as the toolkit does.
 */
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node as YamlNode, parseDocument } from 'yaml';
import { printable } from '../../core/log.js';
import {
  CLIENT_AUTH_TYPES,
  type ClientAuthType,
  type TlsVersionName,
  opensslCipher,
  opensslCurve,
  tlsVersion,
} from './tls-names.js';

export interface TlsServerSettings {
  /** PEM text given inline (`cert`, `key`, `client_ca`) or the file to read it from. */
  readonly cert: PemSource;
  readonly key: PemSource;
  readonly clientCa: PemSource | undefined;
  readonly clientAuth: ClientAuthType;
  /** SANs (DNS name, IP, e-mail or URI, bare values) of which a client certificate must have one. */
  readonly clientAllowedSans: readonly string[] | undefined;
  readonly minVersion: TlsVersionName;
  readonly maxVersion: TlsVersionName;
  /** OpenSSL names of the TLS ≤ 1.2 suites, in order; undefined keeps OpenSSL's defaults. */
  readonly cipherSuites: readonly string[] | undefined;
  readonly preferServerCipherSuites: boolean;
  /** OpenSSL curve names, in order; undefined keeps the defaults. */
  readonly curves: readonly string[] | undefined;
}

export type PemSource = { readonly file: string } | { readonly inline: string };

export interface WebConfig {
  readonly tls: TlsServerSettings | undefined;
  /** User name → bcrypt hash; empty: no basic auth. */
  readonly users: ReadonlyMap<string, string>;
  /** Extra response headers (the toolkit's fixed list). */
  readonly headers: ReadonlyMap<string, string>;
}

export interface WebConfigProblem {
  readonly line?: number;
  readonly column?: number;
  readonly key?: string;
  readonly message: string;
}

export class WebConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly WebConfigProblem[],
  ) {
    super(
      problems
        .map(({ line, column, key, message }) => {
          const where = line === undefined ? file : `${file}:${line}:${column ?? 1}`;
          return key === undefined ? `${where}: ${message}` : `${where}: key "${key}": ${message}`;
        })
        .join('\n'),
    );
    this.name = 'WebConfigError';
  }
}

/** The headers the toolkit lets a config set, with their allowed values (undefined: any). */
const ALLOWED_HEADERS: ReadonlyMap<string, readonly string[] | undefined> = new Map([
  ['Strict-Transport-Security', undefined],
  ['X-Content-Type-Options', ['nosniff']],
  ['X-Frame-Options', ['deny', 'sameorigin']],
  ['X-XSS-Protection', undefined],
  ['Content-Security-Policy', undefined],
]);

/** `$2a$`, `$2b$` or `$2y$` (what bcryptjs checks), a two-digit cost, 22 characters of salt, 31 of hash. */
const BCRYPT_HASH = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

const TOP_KEYS = ['tls_server_config', 'http_server_config', 'basic_auth_users'];
const TLS_KEYS = [
  'cert',
  'key',
  'client_ca',
  'cert_file',
  'key_file',
  'client_auth_type',
  'client_ca_file',
  'client_allowed_sans',
  'min_version',
  'max_version',
  'cipher_suites',
  'prefer_server_cipher_suites',
  'curve_preferences',
];
const HTTP_KEYS = ['http2', 'headers'];

const VERSION_ORDER = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** Longest value quoted in a message: the file may hold anything. */
const QUOTE_MAX = 80;
const quote = (value: unknown): string => JSON.stringify(printable(String(value), QUOTE_MAX));

class Reader {
  readonly problems: WebConfigProblem[] = [];
  constructor(private readonly lines: LineCounter) {}

  problem(node: YamlNode | null | undefined, key: string | undefined, message: string): void {
    const pos = node?.range ? this.lines.linePos(node.range[0]) : undefined;
    this.problems.push({ line: pos?.line, column: pos?.col, key: key === '' ? undefined : key, message });
  }

  /** The pairs of a mapping node, unknown keys reported; null when the node is not a mapping. */
  mapping(
    node: unknown,
    key: string,
    known: readonly string[] | undefined,
  ): Map<string, [YamlNode, YamlNode | null]> | null {
    const result = new Map<string, [YamlNode, YamlNode | null]>();
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) return result;
    if (!isMap(node)) {
      this.problem(node as YamlNode, key, 'expected a mapping');
      return null;
    }
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode;
      if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
        this.problem(keyNode, key, 'keys must be plain strings');
        continue;
      }
      const name = keyNode.value;
      const dotted = key === '' ? name : `${key}.${name}`;
      if (known && !known.includes(name)) {
        this.problem(keyNode, dotted, `unknown key (known: ${known.join(', ')})`);
        continue;
      }
      result.set(name, [keyNode, (pair.value as YamlNode | null) ?? null]);
    }
    return result;
  }

  string(node: YamlNode | null, key: string): string | undefined {
    if (node === null || (isScalar(node) && node.value === null)) return undefined;
    if (isScalar(node) && typeof node.value === 'string') return node.value;
    this.problem(node, key, 'expected a string');
    return undefined;
  }

  boolean(node: YamlNode | null, key: string): boolean | undefined {
    if (node === null || (isScalar(node) && node.value === null)) return undefined;
    if (isScalar(node) && typeof node.value === 'boolean') return node.value;
    this.problem(node, key, 'expected true or false');
    return undefined;
  }

  /** A list of strings, each passed through `map` (undefined: reported as not allowed). */
  list(
    node: YamlNode | null,
    key: string,
    map: (item: string, itemNode: YamlNode) => string | undefined,
  ): string[] | undefined {
    if (node === null || (isScalar(node) && node.value === null)) return undefined;
    if (!isSeq(node)) {
      this.problem(node, key, 'expected a list');
      return undefined;
    }
    const result: string[] = [];
    node.items.forEach((item, index) => {
      const itemNode = item as YamlNode;
      const text = isScalar(itemNode) && typeof itemNode.value === 'string' ? itemNode.value : undefined;
      if (text === undefined) {
        this.problem(itemNode, `${key}[${index}]`, 'expected a string');
        return;
      }
      const mapped = map(text, itemNode);
      if (mapped !== undefined) result.push(mapped);
    });
    return result;
  }
}

function pemSource(
  reader: Reader,
  tls: Map<string, [YamlNode, YamlNode | null]>,
  inlineKey: string,
  fileKey: string,
  dir: string,
): PemSource | 'conflict' | undefined {
  const inline = reader.string(tls.get(inlineKey)?.[1] ?? null, `tls_server_config.${inlineKey}`);
  const file = reader.string(tls.get(fileKey)?.[1] ?? null, `tls_server_config.${fileKey}`);
  if (inline !== undefined && file !== undefined) {
    reader.problem(
      tls.get(inlineKey)?.[0],
      `tls_server_config.${inlineKey}`,
      `give ${inlineKey} or ${fileKey}, not both`,
    );
    return 'conflict';
  }
  if (file !== undefined && file !== '') return { file: resolve(dir, file) };
  if (inline !== undefined && inline !== '') return { inline };
  return undefined;
}

function readTls(
  reader: Reader,
  node: YamlNode | null,
  keyNode: YamlNode,
  dir: string,
): TlsServerSettings | undefined {
  const tls = reader.mapping(node, 'tls_server_config', TLS_KEYS);
  if (!tls || tls.size === 0) return undefined;
  const key = (name: string) => `tls_server_config.${name}`;
  const value = (name: string) => tls.get(name)?.[1] ?? null;

  const cert = pemSource(reader, tls, 'cert', 'cert_file', dir);
  const privateKey = pemSource(reader, tls, 'key', 'key_file', dir);
  const caSource = pemSource(reader, tls, 'client_ca', 'client_ca_file', dir);
  const clientCa = caSource === 'conflict' ? undefined : caSource;
  if (!cert) reader.problem(keyNode, 'tls_server_config', 'missing one of cert or cert_file');
  if (!privateKey) reader.problem(keyNode, 'tls_server_config', 'missing one of key or key_file');

  const authText = reader.string(value('client_auth_type'), key('client_auth_type')) ?? 'NoClientCert';
  // "RequireClientCert" is the toolkit's old spelling of RequireAnyClientCert.
  const clientAuth = (
    authText === 'RequireClientCert' ? 'RequireAnyClientCert' : authText === '' ? 'NoClientCert' : authText
  ) as ClientAuthType;
  if (!CLIENT_AUTH_TYPES.includes(clientAuth)) {
    reader.problem(
      value('client_auth_type'),
      key('client_auth_type'),
      `unknown client auth type ${quote(authText)} (one of ${CLIENT_AUTH_TYPES.join(', ')})`,
    );
  } else if (clientCa && clientAuth === 'NoClientCert') {
    reader.problem(
      tls.get('client_ca_file')?.[0] ?? tls.get('client_ca')?.[0],
      key('client_ca_file'),
      'a client CA is configured without a client_auth_type that asks for a certificate',
    );
  } else if (
    !clientCa &&
    (clientAuth === 'RequireAndVerifyClientCert' || clientAuth === 'VerifyClientCertIfGiven')
  ) {
    reader.problem(
      value('client_auth_type'),
      key('client_auth_type'),
      `${clientAuth} needs client_ca_file (or client_ca) to verify against`,
    );
  }

  const version = (name: string, fallback: string) => {
    const text = reader.string(value(name), key(name)) ?? fallback;
    const mapped = tlsVersion(text);
    if (!mapped)
      reader.problem(
        value(name),
        key(name),
        `unknown TLS version ${quote(text)} (one of TLS10, TLS11, TLS12, TLS13)`,
      );
    return mapped ?? 'TLSv1.2';
  };
  const minVersion = version('min_version', 'TLS12');
  const maxVersion = version('max_version', 'TLS13');
  if (VERSION_ORDER.indexOf(minVersion) > VERSION_ORDER.indexOf(maxVersion)) {
    reader.problem(value('min_version'), key('min_version'), 'min_version is above max_version');
  }

  const cipherSuites = reader.list(value('cipher_suites'), key('cipher_suites'), (name, itemNode) => {
    const mapped = opensslCipher(name);
    if (!mapped)
      reader.problem(
        itemNode,
        key('cipher_suites'),
        `unknown or insecure cipher suite ${quote(name)} (Go names, as tls.CipherSuites() lists them)`,
      );
    return mapped;
  });
  const curves = reader.list(value('curve_preferences'), key('curve_preferences'), (name, itemNode) => {
    const mapped = opensslCurve(name);
    if (!mapped)
      reader.problem(
        itemNode,
        key('curve_preferences'),
        `unknown curve ${quote(name)} (one of CurveP256, CurveP384, CurveP521, X25519)`,
      );
    return mapped;
  });
  const allowedSans = reader.list(value('client_allowed_sans'), key('client_allowed_sans'), (san) => san);
  if (
    allowedSans &&
    clientAuth !== 'RequireAndVerifyClientCert' &&
    clientAuth !== 'VerifyClientCertIfGiven'
  ) {
    reader.problem(
      value('client_allowed_sans'),
      key('client_allowed_sans'),
      'client_allowed_sans needs a client_auth_type that verifies certificates',
    );
  }
  if (!cert || !privateKey || cert === 'conflict' || privateKey === 'conflict') return undefined;
  return {
    cert,
    key: privateKey,
    clientCa,
    clientAuth,
    clientAllowedSans: allowedSans,
    minVersion,
    maxVersion,
    cipherSuites: cipherSuites && cipherSuites.length > 0 ? cipherSuites : undefined,
    preferServerCipherSuites:
      reader.boolean(value('prefer_server_cipher_suites'), key('prefer_server_cipher_suites')) ?? true,
    curves: curves && curves.length > 0 ? curves : undefined,
  };
}

function readHeaders(reader: Reader, node: YamlNode | null): Map<string, string> {
  const headers = new Map<string, string>();
  const http = reader.mapping(node, 'http_server_config', HTTP_KEYS);
  if (!http) return headers;
  // HTTP/2 is not served (Prometheus scrapes over HTTP/1.1); the key is accepted so a file written
  // for another exporter loads unchanged.
  reader.boolean(http.get('http2')?.[1] ?? null, 'http_server_config.http2');
  const list = reader.mapping(http.get('headers')?.[1] ?? null, 'http_server_config.headers', undefined);
  for (const [name, [keyNode, valueNode]] of list ?? []) {
    const key = `http_server_config.headers.${name}`;
    if (!ALLOWED_HEADERS.has(name)) {
      reader.problem(
        keyNode,
        key,
        `this header cannot be configured (allowed: ${[...ALLOWED_HEADERS.keys()].join(', ')})`,
      );
      continue;
    }
    const text = reader.string(valueNode, key);
    if (text === undefined || text === '') continue;
    const allowed = ALLOWED_HEADERS.get(name);
    if (allowed && !allowed.includes(text)) {
      reader.problem(valueNode, key, `expected one of ${allowed.join(', ')}, got ${quote(text)}`);
    } else if (/[^\t\x20-\x7e]/.test(text)) {
      reader.problem(valueNode, key, 'a header value must be printable ASCII');
    } else {
      headers.set(name, text);
    }
  }
  return headers;
}

function readUsers(reader: Reader, node: YamlNode | null): Map<string, string> {
  const users = new Map<string, string>();
  for (const [name, [keyNode, valueNode]] of reader.mapping(node, 'basic_auth_users', undefined) ?? []) {
    const key = `basic_auth_users.${name}`;
    if (name.includes(':')) {
      reader.problem(keyNode, key, 'a user name cannot contain ":" (basic auth splits on it)');
      continue;
    }
    const hash = reader.string(valueNode, key);
    // The hash is not quoted back: it is a secret.
    if (hash === undefined || !BCRYPT_HASH.test(hash)) {
      reader.problem(
        valueNode ?? keyNode,
        key,
        'expected a bcrypt hash ($2y$10$ followed by 53 characters; htpasswd -nBC 10 "" makes one)',
      );
      continue;
    }
    users.set(name, hash);
  }
  return users;
}

/** Parses a web config file's text; `file` names it in errors and anchors relative paths. */
export function parseWebConfig(text: string, file: string): WebConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const reader = new Reader(lines);
  if (doc.errors.length > 0) {
    throw new WebConfigError(
      file,
      doc.errors.map((error) => {
        const { line, col } = lines.linePos(error.pos[0]);
        return { line, column: col, message: printable(error.message.split('\n')[0] ?? '', 200) };
      }),
    );
  }
  const top =
    doc.contents === null
      ? new Map<string, [YamlNode, YamlNode | null]>()
      : reader.mapping(doc.contents, '', TOP_KEYS);
  const entry = (name: string) => top?.get(name);
  const tlsEntry = entry('tls_server_config');
  const config: WebConfig = {
    tls: tlsEntry ? readTls(reader, tlsEntry[1], tlsEntry[0], dirname(resolve(file))) : undefined,
    headers: readHeaders(reader, entry('http_server_config')?.[1] ?? null),
    users: readUsers(reader, entry('basic_auth_users')?.[1] ?? null),
  };
  if (reader.problems.length > 0) {
    throw new WebConfigError(
      file,
      [...reader.problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    );
  }
  return config;
}
