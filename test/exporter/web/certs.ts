/**
 * A throwaway PKI made with the real openssl for the TLS tests: a CA, a server certificate for
 * 127.0.0.1 (IP SAN), a client certificate signed by the CA, and a "rogue" client certificate
 * from a CA the exporter does not trust. EC P-256 keys keep it fast.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../support/process.js';

export interface Pki {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  readonly rogueCert: string;
  readonly rogueKey: string;
}

async function openssl(dir: string, args: readonly string[]): Promise<void> {
  const result = await run('openssl', args, { cwd: dir, timeoutMs: 20_000 });
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

async function selfSigned(dir: string, name: string, subject: string, extra: readonly string[] = []) {
  await openssl(dir, [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-subj',
    subject,
    ...extra,
  ]);
}

async function signed(dir: string, name: string, ca: string, subject: string, extensions: string) {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  await openssl(dir, [
    'req',
    '-new',
    ...EC,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    subject,
  ]);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  ]);
}

export async function makePki(dir: string): Promise<Pki> {
  const ca = [
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ];
  await selfSigned(dir, 'ca', '/CN=lvscope test CA', ca);
  await selfSigned(dir, 'rogue-ca', '/CN=someone else', ca);
  await signed(
    dir,
    'server',
    'ca',
    '/CN=127.0.0.1',
    'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  await signed(
    dir,
    'client',
    'ca',
    '/CN=prometheus',
    'subjectAltName=DNS:prometheus.test\nextendedKeyUsage=clientAuth\n',
  );
  await signed(
    dir,
    'rogue',
    'rogue-ca',
    '/CN=prometheus',
    'subjectAltName=DNS:prometheus.test\nextendedKeyUsage=clientAuth\n',
  );
  const path = (file: string) => join(dir, file);
  return {
    dir,
    caCert: path('ca.crt'),
    serverCert: path('server.crt'),
    serverKey: path('server.key'),
    clientCert: path('client.crt'),
    clientKey: path('client.key'),
    rogueCert: path('rogue.crt'),
    rogueKey: path('rogue.key'),
  };
}
