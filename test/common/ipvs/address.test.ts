import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ipv6Addr, parseIPv6 } from '../../../common/net/ip.js';
import { addressLabel, markLabel } from '../../../common/ipvs/vocabulary.js';
import {
  parseHex,
  parseKernelAddress,
  parseKernelEndpoint,
  parseTextEndpoint,
} from '../../../common/ipvs/address.js';

describe('kernel address tokens', () => {
  it('decodes IPv4 HEX8:PORT into its 32-bit word and dotted text', () => {
    expect(parseKernelEndpoint('C0A80016:0CEA')).toEqual({
      addr: { family: 4, words: [0xc0a80016], text: '192.168.0.22' },
      port: 3306,
    });
  });

  it('decodes the bracketed full IPv6 form into its words and the compressed form', () => {
    expect(parseKernelEndpoint('[2001:0db8:000f:0000:0000:0000:0000:0010]:01BB')).toEqual({
      addr: { family: 6, words: [0x20010db8, 0x000f0000, 0, 0x10], text: '2001:db8:f::10' },
      port: 443,
    });
    expect(parseKernelEndpoint('[2620:0000:0000:0000:0000:0000:0000:0001]:0050')).toMatchObject({
      addr: { text: '2620::1' },
    });
  });

  it('rejects any other token length with a message naming the token', () => {
    expect(parseKernelEndpoint('C0A8001:0CEA')).toMatch(/"C0A8001:0CEA" is neither/);
    expect(parseKernelEndpoint('ZZA80016:0CEA')).toMatch(/bad hex/);
    expect(parseKernelEndpoint('[2001:db8::1]:0050')).toMatch(/neither/);
  });

  it('decodes bare ip_vs_conn addresses, IPv4 and full IPv6', () => {
    expect(parseKernelAddress('CB00711A')).toEqual({ family: 4, words: [0xcb00711a], text: '203.0.113.26' });
    expect(parseKernelAddress('2001:0db8:000c:0000:0000:0000:0000:0010')).toEqual({
      family: 6,
      words: [0x20010db8, 0x000c0000, 0, 0x10],
      text: '2001:db8:c::10',
    });
    expect(parseKernelAddress('2001:0db8')).toBeUndefined();
  });
});

describe('address labels like Go net.IP.String (node_exporter label values)', () => {
  it.each([
    [[0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], '2001:db8::1:0:0:1'], // first of two equal runs
    [[0x2001, 0xdb8, 0, 1, 0, 0, 0, 1], '2001:db8:0:1::1'], // a single zero group stays
    [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
    [[0, 0, 0, 0, 0, 0, 0, 1], '::1'],
    [[1, 0, 0, 0, 0, 0, 0, 0], '1::'],
    [[0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201], '192.0.2.1'], // IPv4-mapped prints as IPv4 in Go
    [
      [0xfe80, 0xabcd, 0xef01, 0x2345, 0x6789, 0xabcd, 0xef01, 0x2345],
      'fe80:abcd:ef01:2345:6789:abcd:ef01:2345',
    ],
  ])('%j → %s', (groups, text) => {
    expect(addressLabel(ipv6Addr(groups))).toBe(text);
  });

  it('writes an IPv4-mapped address read from /proc as dotted IPv4, other addresses as their text', () => {
    const mapped = parseKernelAddress('0000:0000:0000:0000:0000:ffff:c000:0201')!;
    expect(mapped.text).toBe('::ffff:c000:201');
    expect(addressLabel(mapped)).toBe('192.0.2.1');
    expect(addressLabel(parseKernelAddress('CB00711A')!)).toBe('203.0.113.26');
  });

  it('round-trips through the textual parser for any address', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), (groups) => {
        const text = addressLabel(ipv6Addr(groups));
        if (text.includes('.')) return; // IPv4-mapped: dotted by design
        expect(parseIPv6(text)).toEqual(groups);
      }),
    );
  });
});

describe('ipvsadm endpoints and marks', () => {
  it('joins ipvsadm text with the kernel hex form', () => {
    expect(parseTextEndpoint('192.0.2.10:80')).toEqual({
      addr: { family: 4, words: [0xc000020a], text: '192.0.2.10' },
      port: 80,
    });
    expect(parseTextEndpoint('192.0.2.10:80')).toEqual(parseKernelEndpoint('C000020A:0050'));
    expect(parseTextEndpoint('[2001:db8:f::10]:443')).toEqual(
      parseKernelEndpoint('[2001:0db8:000f:0000:0000:0000:0000:0010]:01BB'),
    );
    expect(parseTextEndpoint('192.0.2.300:80')).toBe('"192.0.2.300" is not a dotted-quad IPv4 address');
    expect(parseTextEndpoint('VIP:https')).toMatch(/no :port/);
  });

  it('refuses ports above 65535', () => {
    expect(parseTextEndpoint('192.0.2.10:65535')).toMatchObject({ port: 65535 });
    expect(parseTextEndpoint('192.0.2.10:65536')).toBe(
      '"192.0.2.10:65536": port "65536" is not a number from 0 to 65535',
    );
    expect(parseTextEndpoint('[2001:db8:f::10]:99999')).toBe(
      '"[2001:db8:f::10]:99999": port "99999" is not a number from 0 to 65535',
    );
  });

  it('prints firewall marks as the kernel does', () => {
    expect(markLabel(1)).toBe('00000001');
    expect(markLabel(0x10001000)).toBe('10001000');
    expect(markLabel(0xffffffff)).toBe('FFFFFFFF');
  });

  it('parses 64-bit hex counters rounded like Go float64(uint64)', () => {
    expect(parseHex('51D8C8883AB3')).toBe(89991519156915);
    // The top 1024 u64 values round to 2^64 as doubles: refused, like anything beyond 64 bits.
    expect(parseHex('FFFFFFFFFFFFF7FF')).toBe(2 ** 64 - 2048);
    expect(parseHex('FFFFFFFFFFFFFFFF')).toBeUndefined();
    expect(parseHex('10000000000000000')).toBeUndefined();
    expect(parseHex('20000000000001')).toBe(2 ** 53); // 2^53+1: ties to even
    expect(parseHex('20000000000003')).toBe(2 ** 53 + 4);
    expect(parseHex('')).toBeUndefined();
    expect(parseHex('12G')).toBeUndefined();
  });
});
