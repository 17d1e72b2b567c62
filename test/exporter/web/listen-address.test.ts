/** --web.listen-address: literal addresses or localhost only, so no start depends on a resolver. */
import { describe, expect, it } from 'vitest';
import { parseListenAddress } from '../../../exporter/outputs/prometheus/listen-address.js';

describe('parseListenAddress', () => {
  it('takes IPv4, bracketed IPv6, every interface and localhost', () => {
    expect(parseListenAddress('127.0.0.1:14787')).toEqual({ host: '127.0.0.1', port: 14787 });
    expect(parseListenAddress('[::1]:9100')).toEqual({ host: '::1', port: 9100 });
    expect(parseListenAddress('[2001:db8::10]:80')).toEqual({ host: '2001:db8::10', port: 80 });
    expect(parseListenAddress(':14787')).toEqual({ host: undefined, port: 14787 });
    expect(parseListenAddress('localhost:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListenAddress('LocalHost:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListenAddress('0.0.0.0:0')).toEqual({ host: '0.0.0.0', port: 0 });
    expect(parseListenAddress('[::]:65535')).toEqual({ host: '::', port: 65535 });
  });

  it('refuses names that would need a lookup, naming the value and what to give instead', () => {
    for (const name of ['exporter.example.com', 'director1', 'localhost.localdomain', '127.1', '1.2.3.256']) {
      expect(() => parseListenAddress(`${name}:9100`)).toThrow(
        `--web.listen-address: "${name}" is not a literal IP address or localhost (no name lookups: give the address, e.g. 127.0.0.1:9100 or [::1]:9100)`,
      );
    }
  });

  it('wants brackets around IPv6 and only there', () => {
    expect(() => parseListenAddress('::1:9100')).toThrow(
      'wants HOST:PORT, :PORT or [IPv6]:PORT, got "::1:9100"',
    );
    expect(() => parseListenAddress('[127.0.0.1]:9100')).toThrow('"127.0.0.1" is not a literal IP address');
    expect(() => parseListenAddress('[::1:9100')).toThrow('wants HOST:PORT');
  });

  it('wants a port from 0 to 65535', () => {
    for (const bad of [
      '127.0.0.1:65536',
      '127.0.0.1:99999',
      '127.0.0.1:',
      '127.0.0.1',
      '127.0.0.1:-1',
      '127.0.0.1:80a',
      ':123456',
    ]) {
      expect(() => parseListenAddress(bad), bad).toThrow(
        '--web.listen-address wants HOST:PORT, :PORT or [IPv6]:PORT',
      );
    }
  });

  it('escapes control bytes and cuts a long value in the message', () => {
    expect(() => parseListenAddress('evil\u001b[31m:80')).toThrow('got "evil\\\\u001b[31m:80"');
    const long = `${'a'.repeat(5000)}:80`;
    let message = '';
    try {
      parseListenAddress(long);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.length).toBeLessThan(300);
    expect(message).toContain('more chars]');
  });
});
