/** Accept-Encoding negotiation (RFC 9110 §12.5.3): q-values decide, q=0 refuses. */
import { describe, expect, it } from 'vitest';
import { acceptsGzip } from '../../../exporter/outputs/prometheus/accept-encoding.js';

describe('acceptsGzip', () => {
  it('accepts gzip and x-gzip with a non-zero weight, as Prometheus sends it', () => {
    expect(acceptsGzip('gzip')).toBe(true);
    expect(acceptsGzip('GZIP')).toBe(true);
    expect(acceptsGzip('x-gzip')).toBe(true);
    expect(acceptsGzip('br, gzip;q=0.5, deflate')).toBe(true);
    expect(acceptsGzip('gzip; q=0.001')).toBe(true);
    expect(acceptsGzip(['identity', 'gzip'])).toBe(true);
  });

  it('refuses gzip;q=0 (the bug /\\bgzip\\b/ had), absent headers and other codings only', () => {
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('gzip;q=0.000, identity')).toBe(false);
    expect(acceptsGzip('GZIP; Q=0')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip('')).toBe(false);
    expect(acceptsGzip('br, deflate')).toBe(false);
    expect(acceptsGzip('notgzip')).toBe(false);
  });

  it('takes * for gzip unless gzip is named, and *;q=0 refuses', () => {
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('*;q=0')).toBe(false);
    expect(acceptsGzip('*;q=0.2, gzip;q=0')).toBe(false);
    expect(acceptsGzip('*;q=0, gzip')).toBe(true);
  });

  it('reads a malformed weight as refusing, and ignores an absurdly long header', () => {
    expect(acceptsGzip('gzip;q=abc')).toBe(false);
    expect(acceptsGzip('gzip;q=2')).toBe(false);
    expect(acceptsGzip('gzip;q=0.0001')).toBe(false);
    expect(acceptsGzip('gzip;q=1.000')).toBe(true);
    expect(acceptsGzip('gzip;q=1.2.3')).toBe(false);
    expect(acceptsGzip(`gzip, ${'x,'.repeat(1000)}`)).toBe(false);
  });
});
