/** The exporter-toolkit web config parser: every key, Go names mapped, and errors at file:line:key. */
import { describe, expect, it } from 'vitest';
import { WebConfigError, parseWebConfig } from '../../../exporter/outputs/prometheus/web-config.js';

const HASH = '$2y$10$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG';
const FILE = '/etc/lvscope/web.yml';

function problems(text: string): string[] {
  try {
    parseWebConfig(text, FILE);
  } catch (error) {
    if (error instanceof WebConfigError) return error.message.split('\n');
    throw error;
  }
  throw new Error('no error');
}

describe('parseWebConfig', () => {
  it('reads a full file, mapping Go names to OpenSSL ones and relative paths to the file folder', () => {
    const config = parseWebConfig(
      [
        'tls_server_config:',
        '  cert_file: server.crt',
        '  key_file: /secure/server.key',
        '  client_auth_type: RequireAndVerifyClientCert',
        '  client_ca_file: ca/clients.pem',
        '  client_allowed_sans: [prometheus.example, 10.0.0.5]',
        '  min_version: TLS13',
        '  max_version: TLS13',
        '  cipher_suites:',
        '    - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
        '    - TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
        '  prefer_server_cipher_suites: false',
        '  curve_preferences: [X25519, CurveP256]',
        'http_server_config:',
        '  http2: false',
        '  headers:',
        '    X-Frame-Options: deny',
        '    Strict-Transport-Security: max-age=31536000',
        'basic_auth_users:',
        `  prometheus: ${HASH}`,
        `  grafana: '${HASH}'`,
      ].join('\n'),
      FILE,
    );
    expect(config.tls).toEqual({
      cert: { file: '/etc/lvscope/server.crt' },
      key: { file: '/secure/server.key' },
      clientCa: { file: '/etc/lvscope/ca/clients.pem' },
      clientAuth: 'RequireAndVerifyClientCert',
      clientAllowedSans: ['prometheus.example', '10.0.0.5'],
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      cipherSuites: ['ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
      preferServerCipherSuites: false,
      curves: ['X25519', 'P-256'],
    });
    expect([...config.headers]).toEqual([
      ['X-Frame-Options', 'deny'],
      ['Strict-Transport-Security', 'max-age=31536000'],
    ]);
    expect([...config.users.keys()]).toEqual(['prometheus', 'grafana']);
  });

  it('has the toolkit defaults: TLS 1.2 to 1.3, no client certificate, server cipher order', () => {
    const config = parseWebConfig(
      'tls_server_config:\n  cert: "-----BEGIN CERTIFICATE-----"\n  key: k\n',
      FILE,
    );
    expect(config.tls).toMatchObject({
      cert: { inline: '-----BEGIN CERTIFICATE-----' },
      key: { inline: 'k' },
      clientCa: undefined,
      clientAuth: 'NoClientCert',
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      cipherSuites: undefined,
      preferServerCipherSuites: true,
    });
    expect(
      parseWebConfig(
        'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireClientCert\n',
        FILE,
      ).tls?.clientAuth,
    ).toBe('RequireAnyClientCert');
  });

  it('reads an empty file, or one with basic auth only, as plain HTTP', () => {
    expect(parseWebConfig('', FILE)).toEqual({ tls: undefined, users: new Map(), headers: new Map() });
    expect(parseWebConfig('# nothing\n', FILE).tls).toBeUndefined();
    const authOnly = parseWebConfig(`basic_auth_users:\n  alice: ${HASH}\n`, FILE);
    expect(authOnly.tls).toBeUndefined();
    expect(authOnly.users.get('alice')).toBe(HASH);
  });

  it('names file, line, column and dotted key for each problem, all at once', () => {
    expect(
      problems(
        [
          'tls_server_config:',
          '  cert_file: server.crt',
          '  min_version: TLS9',
          '  client_auth_type: Sometimes',
          '  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]',
          'http_server_config:',
          '  headers:',
          '    X-Powered-By: lvscope',
          '    X-Frame-Options: always',
          'basic_auth_users:',
          '  alice: hunter2',
          'rate_limt: {}',
        ].join('\n'),
      ),
    ).toEqual([
      `${FILE}:1:1: key "tls_server_config": missing one of key or key_file`,
      `${FILE}:3:16: key "tls_server_config.min_version": unknown TLS version "TLS9" (one of TLS10, TLS11, TLS12, TLS13)`,
      `${FILE}:4:21: key "tls_server_config.client_auth_type": unknown client auth type "Sometimes" (one of NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert)`,
      `${FILE}:5:19: key "tls_server_config.cipher_suites": unknown or insecure cipher suite "TLS_RSA_WITH_RC4_128_SHA" (Go names, as tls.CipherSuites() lists them)`,
      `${FILE}:8:5: key "http_server_config.headers.X-Powered-By": this header cannot be configured (allowed: Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy)`,
      `${FILE}:9:22: key "http_server_config.headers.X-Frame-Options": expected one of deny, sameorigin, got "always"`,
      `${FILE}:11:10: key "basic_auth_users.alice": expected a bcrypt hash ($2y$10$ followed by 53 characters; htpasswd -nBC 10 "" makes one)`,
      `${FILE}:12:1: key "rate_limt": unknown key (known: tls_server_config, http_server_config, basic_auth_users)`,
    ]);
  });

  it('checks the client-certificate settings against each other, as the toolkit does', () => {
    const tls = (lines: string) => problems(`tls_server_config:\n  cert_file: a\n  key_file: b\n${lines}`);
    expect(tls('  client_ca_file: ca.pem\n')).toEqual([
      `${FILE}:4:3: key "tls_server_config.client_ca_file": a client CA is configured without a client_auth_type that asks for a certificate`,
    ]);
    expect(tls('  client_auth_type: RequireAndVerifyClientCert\n')[0]).toContain('needs client_ca_file');
    expect(tls('  cert: inline\n')[0]).toContain('give cert or cert_file, not both');
    expect(tls('  min_version: TLS13\n  max_version: TLS12\n')[0]).toContain(
      'min_version is above max_version',
    );
    expect(tls('  client_allowed_sans: [x]\n')[0]).toContain(
      'client_allowed_sans needs a client_auth_type that verifies',
    );
    expect(tls('  curve_preferences: [CurveP224]\n')[0]).toContain('unknown curve "CurveP224"');
  });

  it('reports YAML syntax errors and duplicate keys with their line, and odd shapes', () => {
    expect(problems('tls_server_config:\n  cert_file: [a\n')[0]).toMatch(new RegExp(`^${FILE}:\\d+:\\d+: `));
    expect(problems(`basic_auth_users:\n  a: ${HASH}\n  a: ${HASH}\n`)[0]).toMatch(
      /:3:3: Map keys must be unique/,
    );
    expect(problems('- a\n- b\n')).toEqual([`${FILE}:1:1: expected a mapping`]);
    expect(problems('tls_server_config: yes\n')).toEqual([
      `${FILE}:1:20: key "tls_server_config": expected a mapping`,
    ]);
    expect(problems(`basic_auth_users:\n  "a:b": ${HASH}\n`)[0]).toContain('cannot contain ":"');
  });

  it('never quotes a password hash, and escapes and cuts what it quotes', () => {
    const secret = '$2y$10$tooShortToBeAHashButSecret';
    const shown = problems(`basic_auth_users:\n  alice: '${secret}'\n`).join('\n');
    expect(shown).not.toContain(secret);
    const weird =
      problems(
        `tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: "\\e[31m${'x'.repeat(500)}"\n`,
      )[0] ?? '';
    expect(weird).toContain('\\\\u001b[31m');
    expect(weird.length).toBeLessThan(250);
  });
});
