/**
 * HTTP basic authentication against the web config's bcrypt hashes, as exporter-toolkit does it:
 * an unknown user is still checked against a fixed hash (so timing does not tell which users
 * exist), and each (user, hash, password) outcome is cached so a scrape every few seconds does
 * not pay ~70 ms of bcrypt each time. Unlike the toolkit, the cache keys are HMACs under a key
 * made at start, so no password is kept in memory in plain text. bcrypt runs one at a time
 * (it is CPU-bound) with a bounded queue: past that, the request is answered "busy" rather than
 * queued, so a flood of guesses cannot pile up work without end.
 */
import { createHmac, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';

export type AuthOutcome = 'ok' | 'denied' | 'busy';

/** bcrypt (cost 10) of "fakepassword", the toolkit's stand-in for users that do not exist. */
const FAKE_HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';

/** The toolkit's cache size. */
export const AUTH_CACHE_SIZE = 100;
/** bcrypt checks waiting at most; one more is answered busy. */
export const MAX_PENDING_CHECKS = 8;

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

/** The user and password of an `Authorization: Basic ...` header, or undefined. */
export function parseBasicAuth(header: string | undefined): Credentials | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class BasicAuthVerifier {
  private readonly key = randomBytes(32);
  private readonly cache = new Map<string, boolean>();
  private pending = 0;
  private chain: Promise<unknown> = Promise.resolve();
  /** bcrypt comparisons actually run (the tests check the cache with it). */
  comparisons = 0;

  async check(header: string | undefined, users: ReadonlyMap<string, string>): Promise<AuthOutcome> {
    const credentials = parseBasicAuth(header);
    if (!credentials) return 'denied';
    const known = users.get(credentials.user);
    const hash = known ?? FAKE_HASH;
    const cacheKey = createHmac('sha256', this.key)
      .update(JSON.stringify([credentials.user, hash, credentials.password]))
      .digest('base64');
    let matches = this.cache.get(cacheKey);
    if (matches === undefined) {
      if (this.pending >= MAX_PENDING_CHECKS) return 'busy';
      this.pending += 1;
      const run = this.chain.then(() => {
        this.comparisons += 1;
        return bcrypt.compare(credentials.password, hash);
      });
      this.chain = run.catch(() => undefined);
      try {
        matches = await run;
      } catch {
        matches = false;
      } finally {
        this.pending -= 1;
      }
      this.remember(cacheKey, matches);
    }
    return matches && known !== undefined ? 'ok' : 'denied';
  }

  private remember(key: string, value: boolean): void {
    if (this.cache.size >= AUTH_CACHE_SIZE) {
      // Drop the oldest tenth at once rather than one entry on every new guess.
      let drop = Math.max(1, Math.floor(this.cache.size / 10));
      for (const old of this.cache.keys()) {
        if (drop-- <= 0) break;
        this.cache.delete(old);
      }
    }
    this.cache.set(key, value);
  }
}
