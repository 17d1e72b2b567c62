import { describe, expect, it } from 'vitest';
import {
  MAX_COUNTER,
  boundedDecimal,
  boundedInteger,
  decimalCounter,
} from '../../../common/parse/numbers.js';

describe('numbers no kernel prints are refused', () => {
  it('decimal counters stay below 2^64 as doubles', () => {
    expect(decimalCounter('0')).toBe(0);
    expect(decimalCounter('18446744073709549567')).toBe(MAX_COUNTER);
    expect(decimalCounter('18446744073709550592')).toBeUndefined(); // rounds to 2^64
    expect(decimalCounter('18446744073709551616')).toBeUndefined();
    expect(decimalCounter('9'.repeat(309))).toBeUndefined();
    expect(decimalCounter('-1')).toBeUndefined();
    expect(decimalCounter('1.5')).toBeUndefined();
  });

  it('bounded integers and decimals', () => {
    expect(boundedInteger('255', 0, 255)).toBe(255);
    expect(boundedInteger('256', 0, 255)).toBeUndefined();
    expect(boundedInteger('-5', -10, 0)).toBe(-5);
    expect(boundedInteger('9'.repeat(30), 0, 2 ** 31)).toBeUndefined();
    expect(boundedDecimal('1.25', 0, 10)).toBe(1.25);
    expect(boundedDecimal('NaN', 0, 10)).toBeUndefined();
    expect(boundedDecimal('1e3', 0, 1e9)).toBeUndefined();
    expect(boundedDecimal('1.2.3', 0, 10)).toBeUndefined();
  });
});
