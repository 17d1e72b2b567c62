/**
 * A NAT service answering 48 KiB to each connection, recorded on the real kernel: the director
 * carries the answers, so the model sees the bytes each way, and the outbound bytes per
 * connection are the servers' answers (truth.json) plus the TCP/IP headers of their segments.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Recording, loadRecording } from './fixture.js';

let rec: Recording;
beforeAll(async () => {
  rec = await loadRecording('nat-large-responses', 'tcp:10.40.0.80:80');
});

/** An IPv4 TCP segment's headers with timestamps (20 + 32); the MSS on the lab's veths is 1448. */
const HEADER_BYTES = 52;
const MSS = 1448;

describe('nat-large-responses recording', () => {
  it('sees both directions (masquerading)', () => {
    expect(rec.service.servers.every((s) => s.forward === 'masq')).toBe(true);
    expect(rec.service.traffic.visibility).toBe('both');
    expect(rec.model.unknown.some((u) => u.topic === 'traffic')).toBe(false);
  });

  it('gives outbound bytes per connection of the answers the servers sent', () => {
    const out = rec.service.traffic.outBytesPerConn!;
    const payload = rec.truth.bytesPerConn.outPayload;
    expect(payload).toBeGreaterThanOrEqual(32 * 1024); // large answers, as the scenario made them
    // payload plus at most a header per full segment, and the handshake and close (a few more)
    const headers = (Math.ceil(payload / MSS) + 4) * HEADER_BYTES;
    expect(out).toBeGreaterThanOrEqual(payload);
    expect(out).toBeLessThanOrEqual(payload + headers);
    const inbound = rec.service.traffic.inBytesPerConn!;
    expect(inbound).toBeGreaterThanOrEqual(rec.truth.bytesPerConn.inPayload);
    expect(out / inbound).toBeGreaterThan(20);
  });

  it('counts the connections the clients opened', () => {
    const opened = Object.values(rec.truth.servers).reduce((n, s) => n + s.connections, 0);
    expect(Math.abs(rec.service.arrivals.connections / opened - 1)).toBeLessThan(0.03);
  });
});
