/**
 * `--whatif` scenarios, parsed (pure: text in, a scenario or an error naming the flag out):
 *   fail:SERVER[@AT[-UNTIL]]    the server fails at AT and returns at UNTIL (seconds from the start)
 *   weight:SERVER=W[@AT]        its weight becomes W at AT
 *   crowd:xN[@AT][+T]           arrivals × N for T seconds from AT (default ×3 for 60 s)
 *   add:ADDR[:PORT][=CAP][@AT]  a server of relative capacity CAP (default 1) joins at AT
 * SERVER is an address or address:port of the pool. Times default to the run's thirds.
 */
import { parseEndpoint, parseIp } from '../../common/net/ip.js';
import type { WhatIfScenario } from './types.js';

export interface ScenarioError {
  readonly error: string;
}

const NUMBER = String.raw`(\d+(?:\.\d+)?)`;

/** Escapes what a terminal would otherwise interpret, and keeps an error line short. */
export function shown(text: string): string {
  const escaped = text.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return escaped.length > 80 ? `${escaped.slice(0, 77)}...` : escaped;
}

function serverOk(text: string): boolean {
  return parseIp(text) !== undefined || typeof parseEndpoint(text) !== 'string';
}

export function parseScenario(text: string, durationSeconds: number): WhatIfScenario | ScenarioError {
  const bad = (why: string): ScenarioError => ({ error: `--whatif "${shown(text)}": ${why}` });
  const third = Math.round(durationSeconds / 3);
  const colon = text.indexOf(':');
  if (colon < 0) return bad('want fail:SERVER, weight:SERVER=W, crowd:xN or add:ADDR (see --help)');
  const kind = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  const inRun = (s: number, what: string): ScenarioError | null =>
    s >= 0 && s <= durationSeconds
      ? null
      : bad(`${what} ${s} s is outside the ${Math.round(durationSeconds)} s replayed`);
  switch (kind) {
    case 'fail': {
      const m = new RegExp(String.raw`^([^@]+?)(?:@${NUMBER}(?:-${NUMBER})?)?$`).exec(rest);
      if (!m || !serverOk(m[1] as string))
        return bad('want fail:SERVER[@AT[-UNTIL]], SERVER an address or address:port');
      const at = m[2] !== undefined ? Number(m[2]) : third;
      const until = m[3] !== undefined ? Number(m[3]) : Math.max(at, 2 * third);
      if (until <= at) return bad(`the return (${until} s) is not after the failure (${at} s)`);
      const e = inRun(at, 'the failure at') ?? inRun(until, 'the return at');
      if (e) return e;
      return {
        kind: 'fail-return',
        server: m[1] as string,
        atSeconds: at,
        untilSeconds: until,
        description: `${m[1]} fails at +${at} s and returns at +${until} s`,
      };
    }
    case 'weight': {
      const m = new RegExp(String.raw`^([^=@]+)=(\d+)(?:@${NUMBER})?$`).exec(rest);
      if (!m || !serverOk(m[1] as string)) return bad('want weight:SERVER=W[@AT]');
      const weight = Number(m[2]);
      if (weight > 65_535) return bad(`weight ${weight} is above ipvsadm's 65535`);
      const at = m[3] !== undefined ? Number(m[3]) : third;
      const e = inRun(at, 'the change at');
      if (e) return e;
      return {
        kind: 'weight-change',
        server: m[1] as string,
        weight,
        atSeconds: at,
        description: `${m[1]}'s weight becomes ${weight} at +${at} s`,
      };
    }
    case 'crowd': {
      const m = new RegExp(String.raw`^x${NUMBER}(?:@${NUMBER})?(?:\+${NUMBER})?$`).exec(rest);
      if (!m) return bad('want crowd:xN[@AT][+SECONDS], e.g. crowd:x3@600+60');
      const factor = Number(m[1]);
      if (!(factor > 0) || factor > 1000) return bad(`factor ${factor} is not in (0, 1000]`);
      const at = m[2] !== undefined ? Number(m[2]) : third;
      const span = m[3] !== undefined ? Number(m[3]) : 60;
      const e = inRun(at, 'the crowd at');
      if (e) return e;
      const until = Math.min(durationSeconds, at + span);
      return {
        kind: 'flash-crowd',
        factor,
        atSeconds: at,
        untilSeconds: until,
        description: `arrivals × ${factor} from +${at} s for ${until - at} s`,
      };
    }
    case 'add': {
      const m = new RegExp(String.raw`^([^=@]+)(?:=${NUMBER})?(?:@${NUMBER})?$`).exec(rest);
      if (!m || !serverOk(m[1] as string)) return bad('want add:ADDR[:PORT][=CAPACITY][@AT]');
      const capacity = m[2] !== undefined ? Number(m[2]) : 1;
      if (!(capacity > 0)) return bad('the capacity is not positive');
      const at = m[3] !== undefined ? Number(m[3]) : third;
      const e = inRun(at, 'the addition at');
      if (e) return e;
      return {
        kind: 'add-server',
        server: m[1] as string,
        capacity,
        atSeconds: at,
        description: `${m[1]} (capacity ${capacity}) joins at +${at} s`,
      };
    }
    default:
      return bad(`unknown scenario "${shown(kind)}" (fail, weight, crowd, add)`);
  }
}
