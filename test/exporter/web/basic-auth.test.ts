/** Basic auth against bcrypt hashes: the header parsed strictly, outcomes cached, bcrypt bounded. */
import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import {
  AUTH_CACHE_SIZE,
  BasicAuthVerifier,
  MAX_PENDING_CHECKS,
  parseBasicAuth,
} from '../../../exporter/outputs/prometheus/basic-auth.js';

const header = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
// Cost 4 keeps the test fast; the cost is read from the hash, so the code path is the same.
const users = new Map([
  ['alice', bcrypt.hashSync('wonderland', 4)],
  ['bob', bcrypt.hashSync('pässwörd:with:colons', 4)],
]);

describe('parseBasicAuth', () => {
  it('splits at the first colon and decodes UTF-8', () => {
    expect(parseBasicAuth(header('bob', 'pässwörd:with:colons'))).toEqual({
      user: 'bob',
      password: 'pässwörd:with:colons',
    });
    expect(parseBasicAuth(`basic ${Buffer.from('a:').toString('base64')}`)).toEqual({
      user: 'a',
      password: '',
    });
  });

  it('refuses other schemes, missing colons and bad base64', () => {
    for (const bad of [
      undefined,
      '',
      'Bearer abc',
      'Basic',
      'Basic !!!',
      `Basic ${Buffer.from('nocolon').toString('base64')}`,
    ]) {
      expect(parseBasicAuth(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('BasicAuthVerifier', () => {
  it('lets the right password in and keeps wrong ones, unknown users and no header out', async () => {
    const verifier = new BasicAuthVerifier();
    expect(await verifier.check(header('alice', 'wonderland'), users)).toBe('ok');
    expect(await verifier.check(header('bob', 'pässwörd:with:colons'), users)).toBe('ok');
    expect(await verifier.check(header('alice', 'Wonderland'), users)).toBe('denied');
    expect(await verifier.check(header('carol', 'wonderland'), users)).toBe('denied');
    expect(await verifier.check(undefined, users)).toBe('denied');
  });

  it('pays bcrypt once per (user, hash, password), even for unknown users, and not again', async () => {
    const verifier = new BasicAuthVerifier();
    for (let i = 0; i < 5; i++) {
      expect(await verifier.check(header('alice', 'wonderland'), users)).toBe('ok');
      expect(await verifier.check(header('alice', 'guess'), users)).toBe('denied');
      expect(await verifier.check(header('mallory', 'x'), users)).toBe('denied');
    }
    expect(verifier.comparisons).toBe(3);
    // A new hash for alice (the file changed) is a new key: the old password no longer passes.
    const changed = new Map([['alice', bcrypt.hashSync('new', 4)]]);
    expect(await verifier.check(header('alice', 'wonderland'), changed)).toBe('denied');
    expect(await verifier.check(header('alice', 'new'), changed)).toBe('ok');
  });

  it('keeps the cache bounded', async () => {
    const verifier = new BasicAuthVerifier();
    for (let i = 0; i < AUTH_CACHE_SIZE + 20; i++) await verifier.check(header('alice', `guess-${i}`), users);
    const before = verifier.comparisons;
    // The first guesses were dropped to make room: checking one again runs bcrypt again.
    await verifier.check(header('alice', 'guess-0'), users);
    expect(verifier.comparisons).toBe(before + 1);
  });

  it('answers busy past the bounded queue instead of piling up bcrypt work', async () => {
    const verifier = new BasicAuthVerifier();
    const slow = new Map([['alice', bcrypt.hashSync('x', 8)]]);
    const outcomes = await Promise.all(
      Array.from({ length: MAX_PENDING_CHECKS + 4 }, (_, i) =>
        verifier.check(header('alice', `try-${i}`), slow),
      ),
    );
    expect(outcomes.filter((o) => o === 'busy')).toHaveLength(4);
    expect(outcomes.filter((o) => o === 'denied')).toHaveLength(MAX_PENDING_CHECKS);
    // Once the queue has run, new checks are taken again.
    expect(await verifier.check(header('alice', 'x'), slow)).toBe('ok');
  });
});
