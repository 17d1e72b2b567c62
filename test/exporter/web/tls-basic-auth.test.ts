/**
 * --web.config.file end to end: lvs-exporter serving TLS with required, verified client
 * certificates and bcrypt basic auth, scraped by a real Prometheus (target up with the right
 * certificate and password; down with a wrong password, without a certificate, or over plain
 * HTTP), and the file re-read when it changes, a broken edit keeping the last good config.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Running, run, sleep, tempDir, waitFor } from '../../support/process.js';
import { type Prometheus, startPrometheus } from '../../support/prometheus.js';
import { EXPORTER, T1, startExporter } from '../helpers.js';
import { type Pki, makePki } from './certs.js';
import { type Answer, get, isAnswer } from './https-client.js';

const dir = tempDir('endpoint-tls');
const webConfig = join(dir, 'web.yml');
const PASSWORD = 'scrape-secret';
const HASH = bcrypt.hashSync(PASSWORD, 10);
let pki: Pki;
let exporter: (Running & { url: string }) | undefined;
let prometheus: Prometheus | undefined;
let url = '';

function config(clientAuth: string, hash = HASH, extra = ''): string {
  // Relative file names: the exporter resolves them against the config file's folder.
  return [
    'tls_server_config:',
    '  cert_file: server.crt',
    '  key_file: server.key',
    `  client_auth_type: ${clientAuth}`,
    '  client_ca_file: ca.crt',
    '  min_version: TLS12',
    '  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256]',
    'http_server_config:',
    '  headers:',
    '    X-Content-Type-Options: nosniff',
    'basic_auth_users:',
    `  prometheus: ${hash}`,
    extra,
  ].join('\n');
}

/** Replaces the web config as deploy tools do (write aside, rename), so no reader sees half a file. */
function replaceConfig(text: string): void {
  writeFileSync(`${webConfig}.new`, text);
  renameSync(`${webConfig}.new`, webConfig);
}

const good = () => ({
  ca: pki.caCert,
  cert: pki.clientCert,
  key: pki.clientKey,
  user: 'prometheus',
  password: PASSWORD,
});

async function status(options: Parameters<typeof get>[1], path = '/metrics'): Promise<number | string> {
  const answer = await get(`${url}${path}`, options);
  return isAnswer(answer) ? answer.status : 'refused';
}

beforeAll(async () => {
  pki = await makePki(dir);
  replaceConfig(config('RequireAndVerifyClientCert'));
  exporter = await startExporter([
    `--path.procfs=${T1}`,
    '--no-collector.ipvs.ipvsadm',
    `--web.config.file=${webConfig}`,
    '--web.read-header-timeout=2',
  ]);
  url = exporter.url.replace('http://', 'https://');
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await exporter?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('TLS and basic auth from --web.config.file', () => {
  it('logs that TLS and basic auth are on', () => {
    expect(exporter?.stderr()).toMatch(/msg=listening address=127\.0\.0\.1:\d+ .*tls=true basic_auth=true/);
  });

  it('serves metrics with the client certificate and the password, with the configured header', async () => {
    const answer = (await get(`${url}/metrics`, good())) as Answer;
    expect(answer.status).toBe(200);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.body).toContain('node_ipvs_backend_weight{');
  });

  it('answers 401 with WWW-Authenticate to a wrong or missing password, on every path', async () => {
    for (const options of [
      { ...good(), password: 'wrong' },
      { ...good(), user: 'nobody' },
      { ...good(), user: undefined },
    ]) {
      for (const path of ['/metrics', '/', '/-/healthy']) {
        const answer = (await get(`${url}${path}`, options)) as Answer;
        expect(answer.status).toBe(401);
        expect(answer.headers['www-authenticate']).toMatch(/^Basic realm=/);
        expect(answer.body).not.toContain('node_ipvs');
      }
    }
  });

  it('refuses a client without a certificate, or with one from another CA', async () => {
    expect(await status({ ...good(), cert: undefined, key: undefined })).toBe('refused');
    expect(await status({ ...good(), cert: pki.rogueCert, key: pki.rogueKey })).toBe('refused');
  });

  it('answers plain HTTP on the TLS port 400, as Go does, and never with metrics', async () => {
    const answer = (await get(`${exporter?.url}/metrics`, {
      user: 'prometheus',
      password: PASSWORD,
    })) as Answer;
    expect(answer.status).toBe(400);
    expect(answer.body).toBe('Client sent an HTTP request to an HTTPS server.\n');
    // And curl, as an SRE would try it.
    const curl = await run(
      'curl',
      ['-sS', '--max-time', '5', '-w', '%{http_code}', `${exporter?.url}/metrics`],
      {
        timeoutMs: 10_000,
      },
    );
    expect(curl.stdout).toBe('Client sent an HTTP request to an HTTPS server.\n400');
    // TLS on the same port still works afterwards.
    expect(await status(good())).toBe(200);
  });

  it('a real Prometheus scrapes it over TLS with basic auth; wrong password, no certificate, plain HTTP are down', async () => {
    const target = new URL(url).host;
    const job = (name: string, lines: readonly string[]) =>
      [
        `  - job_name: ${name}`,
        ...lines.map((line) => `    ${line}`),
        `    static_configs: [{targets: ['${target}']}]`,
      ].join('\n');
    const tls = (cert: boolean) =>
      cert
        ? [
            `tls_config: {ca_file: '${pki.caCert}', cert_file: '${pki.clientCert}', key_file: '${pki.clientKey}'}`,
          ]
        : [`tls_config: {ca_file: '${pki.caCert}'}`];
    const auth = (password: string) => [`basic_auth: {username: prometheus, password: '${password}'}`];
    prometheus = await startPrometheus(
      join(dir, 'prometheus'),
      [
        'global: {scrape_interval: 1s, scrape_timeout: 900ms}',
        'scrape_configs:',
        job('good', ['scheme: https', ...tls(true), ...auth(PASSWORD)]),
        job('wrong_password', ['scheme: https', ...tls(true), ...auth('guess')]),
        job('no_certificate', ['scheme: https', ...tls(false), ...auth(PASSWORD)]),
        job('plain_http', ['scheme: http', ...auth(PASSWORD)]),
        '',
      ].join('\n'),
    );
    const targets = async () => {
      const response = await fetch(`${prometheus?.url}/api/v1/targets`, {
        signal: AbortSignal.timeout(5000),
      });
      const body = (await response.json()) as {
        data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] };
      };
      return new Map(body.data.activeTargets.map((t) => [t.labels.job, t]));
    };
    const seen = await waitFor(
      'every target scraped',
      30_000,
      async () => {
        const all = await targets();
        return [...all.values()].every((t) => t.health !== 'unknown') && all.size === 4 ? all : undefined;
      },
      250,
    );
    expect(seen.get('good')?.health).toBe('up');
    expect(seen.get('wrong_password')?.health).toBe('down');
    expect(seen.get('wrong_password')?.lastError).toContain('401');
    expect(seen.get('no_certificate')?.health).toBe('down');
    expect(seen.get('plain_http')?.health).toBe('down');
    const up = await prometheus.query('up');
    expect(Object.fromEntries(up.map((s) => [s.metric.job, s.value[1]]))).toEqual({
      good: '1',
      wrong_password: '0',
      no_certificate: '0',
      plain_http: '0',
    });
    const weights = await prometheus.query('count(node_ipvs_backend_weight{job="good"})');
    expect(Number(weights[0]?.value[1])).toBe(94);
    await prometheus.stop();
    prometheus = undefined;
  }, 60_000);

  it('re-reads the file on change: client auth types, a new password, and a broken edit that keeps the last good one', async () => {
    const noCert = { ...good(), cert: undefined, key: undefined };
    const rogue = { ...good(), cert: pki.rogueCert, key: pki.rogueKey };

    replaceConfig(config('VerifyClientCertIfGiven'));
    expect(await status(noCert)).toBe(200);
    expect(await status(rogue)).toBe('refused');
    expect(await status(good())).toBe(200);

    replaceConfig(config('RequireAnyClientCert'));
    expect(await status(noCert)).toBe('refused');
    expect(await status(rogue)).toBe(200);

    replaceConfig(config('RequestClientCert'));
    expect(await status(noCert)).toBe(200);
    expect(await status(rogue)).toBe(200);

    replaceConfig(config('RequestClientCert', bcrypt.hashSync('new-secret', 10)));
    expect(await status(good())).toBe(401);
    expect(await status({ ...good(), password: 'new-secret' })).toBe(200);

    const before = exporter?.stderr().length ?? 0;
    replaceConfig(config('RequestClientCert', HASH, 'rate_limt: {}'));
    for (let i = 0; i < 3; i++) expect(await status({ ...good(), password: 'new-secret' })).toBe(200);
    // A file caught half-written, without its basic_auth_users, does not switch auth off.
    writeFileSync(webConfig, config('RequestClientCert').split('basic_auth_users:')[0] ?? '');
    expect(await status({ ...good(), password: 'new-secret', user: undefined })).toBe(401);
    const logged = (exporter?.stderr() ?? '').slice(before);
    expect(logged).toContain('turning basic auth off needs a restart');
    expect(logged.match(/web config not reloaded/g)).toHaveLength(2);
    expect(logged).toContain('web.yml:13:1: key \\"rate_limt\\": unknown key');

    replaceConfig(config('RequireAndVerifyClientCert'));
    expect(await status(good())).toBe(200);
    expect(await status(noCert)).toBe('refused');
  }, 30_000);

  it('applies min/max version and cipher_suites (Go names) on re-read', async () => {
    replaceConfig(
      config('RequireAndVerifyClientCert')
        .replace('min_version: TLS12', 'min_version: TLS12\n  max_version: TLS12')
        .replace(/cipher_suites: .*/, 'cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]'),
    );
    expect(await status({ ...good(), ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).toBe(200);
    expect(await status({ ...good(), maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' })).toBe(
      'refused',
    );
    expect(await status({ ...good(), minVersion: 'TLSv1.3' })).toBe('refused');
    replaceConfig(config('RequireAndVerifyClientCert').replace('min_version: TLS12', 'min_version: TLS13'));
    expect(await status({ ...good(), maxVersion: 'TLSv1.2' })).toBe('refused');
    expect(await status(good())).toBe(200);
    replaceConfig(config('RequireAndVerifyClientCert'));
    expect(await status({ ...good(), maxVersion: 'TLSv1.2' })).toBe(200);
  });

  it('cuts clients that never finish the TLS handshake after the header timeout, while scrapes go on', async () => {
    const { hostname, port } = new URL(url);
    const started = Date.now();
    const closedAfter: number[] = [];
    const open = (send: Buffer | undefined) => {
      const socket = connect({ host: hostname, port: Number(port) }, () => send && socket.write(send));
      socket.on('error', () => undefined);
      socket.on('close', () => closedAfter.push(Date.now() - started));
      return socket;
    };
    // Five silent ones and five that send the first bytes of a ClientHello and stop.
    const sockets = [
      ...Array.from({ length: 5 }, () => open(undefined)),
      ...Array.from({ length: 5 }, () => open(Buffer.from([0x16, 0x03, 0x01, 0x02]))),
    ];
    try {
      await sleep(300);
      expect(await status(good())).toBe(200);
      await waitFor('the slow handshakes to be cut', 4000, () => closedAfter.length === sockets.length);
      expect(Math.min(...closedAfter)).toBeGreaterThanOrEqual(1800);
      expect(Math.max(...closedAfter)).toBeLessThan(3500);
    } finally {
      sockets.forEach((socket) => socket.destroy());
    }
  });
});

describe('a bad web config at start', () => {
  it('refuses a FIFO (or anything not a regular file) at once instead of blocking on it', async () => {
    const fifo = join(dir, 'web.fifo');
    expect((await run('mkfifo', [fifo], { timeoutMs: 5000 })).code).toBe(0);
    const started = Date.now();
    const result = await run(
      process.execPath,
      [EXPORTER, '--web.listen-address=127.0.0.1:0', `--web.config.file=${fifo}`, `--path.procfs=${T1}`],
      { timeoutMs: 15_000 },
    );
    expect(result.code).toBe(2);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.stderr).toContain(`--web.config.file: ${fifo}: not a regular file`);
  });

  it('stops the exporter with an error naming file, line and key', async () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(
      bad,
      'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS9\n',
    );
    const result = await run(
      process.execPath,
      [EXPORTER, '--web.listen-address=127.0.0.1:0', `--web.config.file=${bad}`, `--path.procfs=${T1}`],
      {
        timeoutMs: 15_000,
      },
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      `${bad}:4:16: key \\"tls_server_config.min_version\\": unknown TLS version \\"TLS9\\"`,
    );
  });

  it('names a certificate that does not exist, and a key that does not match its certificate', async () => {
    const cases: [string, string][] = [
      ['cert_file: missing.crt\n  key_file: server.key', 'cannot read cert_file'],
      ['cert_file: server.crt\n  key_file: client.key', 'key values mismatch'],
    ];
    for (const [files, message] of cases) {
      const bad = join(dir, 'bad.yml');
      writeFileSync(bad, `tls_server_config:\n  ${files}\n`);
      const result = await run(
        process.execPath,
        [EXPORTER, '--web.listen-address=127.0.0.1:0', `--web.config.file=${bad}`, `--path.procfs=${T1}`],
        {
          timeoutMs: 15_000,
        },
      );
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(bad);
      expect(result.stderr).toContain(message);
    }
  });
});
