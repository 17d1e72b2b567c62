import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalIp, formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../../../common/net/ip.js';

describe('IPv4 text', () => {
  it('reads dotted quads as unsigned 32-bit numbers and writes them back', () => {
    expect(parseIPv4('192.0.2.1')).toBe(0xc0000201);
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff);
    expect(formatIPv4(0xc0000201)).toBe('192.0.2.1');
    expect(formatIPv4(0xffffffff)).toBe('255.255.255.255');
  });

  it('refuses out-of-range octets, leading zeros (inet_pton) and other shapes', () => {
    for (const bad of ['256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1.2.3.x', ' 1.2.3.4', '']) {
      expect(parseIPv4(bad), bad).toBeUndefined();
    }
  });
});

describe('IPv6 text', () => {
  it.each([
    ['2001:db8::1', [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]],
    ['::', [0, 0, 0, 0, 0, 0, 0, 0]],
    ['1::', [1, 0, 0, 0, 0, 0, 0, 0]],
    ['FE80:0:0:1:0:0:0:1', [0xfe80, 0, 0, 1, 0, 0, 0, 1]],
    ['::ffff:192.0.2.1', [0, 0, 0, 0, 0, 0xffff, 0xc000, 0x201]],
    ['1:2:3:4:5:6:192.0.2.1', [1, 2, 3, 4, 5, 6, 0xc000, 0x201]],
  ])('reads %s', (text, groups) => {
    expect(parseIPv6(text)).toEqual(groups);
  });

  it('refuses what RFC 4291 does not allow', () => {
    for (const bad of [
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      '12345::',
      'g::1',
      '1:2:3:4:5:6:7::8',
      '192.0.2.1::', // an embedded IPv4 address only ends the text
      '::ffff:192.0.2.256',
      ':1:2:3:4:5:6:7',
      '',
    ]) {
      expect(parseIPv6(bad), bad).toBeUndefined();
    }
  });

  it.each([
    [[0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], '2001:db8::1:0:0:1'], // the first of two equal runs
    [[0x2001, 0xdb8, 0, 1, 0, 0, 0, 1], '2001:db8:0:1::1'], // a single zero group stays
    [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
    [[1, 0, 0, 0, 0, 0, 0, 0], '1::'],
    [[0, 0, 0, 0, 0, 0xffff, 0xc000, 0x201], '::ffff:c000:201'],
    [
      [0xfe80, 0xabcd, 0xef01, 0x2345, 0x6789, 0xabcd, 0xef01, 0x2345],
      'fe80:abcd:ef01:2345:6789:abcd:ef01:2345',
    ],
  ])('writes %j as %s (RFC 5952)', (groups, text) => {
    expect(formatIPv6(groups)).toBe(text);
  });

  it('round-trips any address through its compressed text', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), (groups) => {
        expect(parseIPv6(formatIPv6(groups))).toEqual(groups);
      }),
    );
  });
});

describe('canonical text', () => {
  it('gives every spelling of one address the same text', () => {
    expect(canonicalIp('2001:DB8:0:0:0:0:0:10')).toBe('2001:db8::10');
    expect(canonicalIp('2001:db8::10')).toBe('2001:db8::10');
    expect(canonicalIp('10.1.0.1')).toBe('10.1.0.1');
    expect(canonicalIp('eth0')).toBeUndefined();
    expect(canonicalIp('10.1.0.1/24')).toBeUndefined();
  });
});
