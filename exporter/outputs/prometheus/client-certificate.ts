/**
 * The client-certificate policies of Go's tls.ClientAuthType that OpenSSL's two switches
 * (requestCert, rejectUnauthorized) do not express alone, checked once the handshake is done:
 * RequireAnyClientCert wants a certificate but does not verify it, VerifyClientCertIfGiven
 * verifies one only if given, and client_allowed_sans wants one of the listed SANs.
 */
import type { TLSSocket } from 'node:tls';
import type { TlsServerSettings } from './web-config.js';

/** The bare values of a subjectaltname string ("DNS:a, IP Address:1.2.3.4, email:x, URI:y"). */
export function sanValues(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  return subjectAltName
    .split(/, /)
    .map((entry) => entry.slice(entry.indexOf(':') + 1))
    .filter((value) => value !== '');
}

/** Why this client must be refused, or undefined if it may go on. */
export function clientCertificateProblem(
  socket: TLSSocket,
  tls: TlsServerSettings | undefined,
): string | undefined {
  if (!tls || tls.clientAuth === 'NoClientCert' || tls.clientAuth === 'RequestClientCert') return undefined;
  const peer = socket.getPeerCertificate();
  const given = peer !== null && Object.keys(peer).length > 0;
  if (!given) {
    return tls.clientAuth === 'VerifyClientCertIfGiven' ? undefined : 'no client certificate';
  }
  if (tls.clientAuth !== 'RequireAnyClientCert' && !socket.authorized) {
    return `client certificate not verified: ${String(socket.authorizationError)}`;
  }
  if (tls.clientAllowedSans) {
    const sans = sanValues(peer.subjectaltname);
    if (!sans.some((san) => tls.clientAllowedSans?.includes(san))) {
      return 'client certificate has none of client_allowed_sans';
    }
  }
  return undefined;
}
