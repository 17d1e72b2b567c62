/**
 * One pool behind a keepalived pair (or a fleet) is one history: at each moment only the director
 * that held the pool's VIP counts. followVip() takes observations from several directors and the
 * VRRP role observations and keeps, per VIP, the holder's observations — the director with the VIP
 * on its interfaces (lvscope_keepalived_vip_present), or, where presence is unknown, the MASTER of
 * the keepalived instance that carries the VIP (lvscope_keepalived_vrrp_state). Pure: no I/O, no
 * clock.
 *
 * Time model: a director's role observation stands until its next one, or, when that is late, for
 * 2.5 times the director's usual interval (the median of its last five), so a director that stops
 * reporting (dead, exporter down) stops holding soon after. Then, for each stretch of time:
 * - one holder: its observations are kept; a change of holder is a 'failover' note;
 * - several holders (split brain): all of them are kept (each served the clients that reached
 *   it; increments are per director), and a 'failover' note says "split brain" with the stretch;
 * - no holder (every known role BACKUP/FAULT, or no role known): the last holder is kept (the
 *   first one before any role is known), with a 'gap' note when no role was known while the pool
 *   was observed.
 * It cannot decide, and throws FollowError, when several directors have the pool and there is no
 * VRRP data for its VIP, when the VRRP data comes from other directors than the pool's (instance
 * labels of two jobs), or when several keepalived instances could carry the VIP and none is tied
 * to it by vip_present.
 */
import { serviceText } from '../../../common/ipvs/vocabulary.js';
import type {
  ClientMixObservation,
  History,
  HistoryNote,
  ServiceHistory,
  VrrpRoleObservation,
} from './model.js';

export interface FollowOptions {
  /**
   * How long a role observation stands when the director's next one is late, ms (default 2.5 ×
   * the median of that director's last five intervals).
   */
  readonly maxRoleAgeMs?: number;
}

/** followVip() cannot tell which director held the VIP; `directors` are the ones seen. */
export class FollowError extends Error {
  constructor(
    message: string,
    readonly directors: readonly string[],
  ) {
    super(message);
    this.name = 'FollowError';
  }
}

export interface FollowInput {
  readonly services: readonly ServiceHistory[];
  readonly clientMix?: readonly ClientMixObservation[];
  readonly vrrp: readonly VrrpRoleObservation[];
}

export interface FollowResult {
  readonly services: ServiceHistory[];
  readonly clientMix: ClientMixObservation[];
  /** Directors whose observations were kept, in the order first seen. */
  readonly directors: string[];
  readonly notes: HistoryNote[];
}

const MASTER = 2;
const STATE_NAMES = ['INIT', 'BACKUP', 'MASTER', 'FAULT'];

type Status = 'single' | 'split' | 'none';

interface Segment {
  start: number;
  end: number;
  status: Status;
  /** Holders (single, split), or the kept last/first holder (none). */
  kept: string[];
  /** For 'none': whether some role was known (all non-holding) or none at all. */
  known: boolean;
  used: boolean;
  /** Roles seen in a 'none' stretch (BACKUP, FAULT...), for its note. */
  states: Set<string>;
}

interface Timeline {
  readonly label: string;
  readonly segments: Segment[];
}

interface Stamped {
  readonly t: number;
  readonly director: string;
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const iso = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));

/** Directors in the order first seen (earliest observation, then name). */
function firstSeen(observations: Iterable<Stamped>): string[] {
  const first = new Map<string, number>();
  for (const obs of observations) {
    const t = first.get(obs.director);
    if (t === undefined || obs.t < t) first.set(obs.director, obs.t);
  }
  return [...first].sort(([a, ta], [b, tb]) => ta - tb || (a < b ? -1 : 1)).map(([d]) => d);
}

function* serviceObservations(services: readonly ServiceHistory[]): Generator<Stamped> {
  for (const service of services) {
    yield* service.observations;
    for (const destination of service.destinations) yield* destination.observations;
  }
}

/** One director's role stream: (time, holds, state names) with the time each stands until. */
interface Claim {
  readonly start: number;
  readonly end: number;
  readonly holds: boolean;
  readonly states: readonly string[];
}

function claimsOf(
  points: ReadonlyMap<number, { holds: boolean; states: string[] }>,
  fixedAge: number | undefined,
  fallbackAge: number,
): Claim[] {
  const times = [...points.keys()].sort((a, b) => a - b);
  const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
  const overall = median(gaps);
  return times.map((t, i) => {
    const recent = median(gaps.slice(Math.max(0, i - 5), i)) ?? overall;
    const maxAge = fixedAge ?? (recent === undefined ? fallbackAge : 2.5 * recent);
    const next = times[i + 1];
    const point = points.get(t) ?? { holds: false, states: [] };
    return {
      start: t,
      end: next !== undefined && next - t <= maxAge ? next : t + maxAge,
      holds: point.holds,
      states: point.states,
    };
  });
}

/** The stretches of time with who held the VIP, from presence (preferred) and state claims. */
function timeline(
  label: string,
  presence: readonly VrrpRoleObservation[],
  states: readonly VrrpRoleObservation[],
  options: FollowOptions,
): Timeline {
  const streams = (list: readonly VrrpRoleObservation[], holds: (o: VrrpRoleObservation) => boolean) => {
    const byDirector = new Map<string, Map<number, { holds: boolean; states: string[] }>>();
    for (const obs of list) {
      let points = byDirector.get(obs.director);
      if (!points)
        byDirector.set(obs.director, (points = new Map<number, { holds: boolean; states: string[] }>()));
      const point = points.get(obs.t) ?? { holds: false, states: [] };
      point.holds ||= holds(obs);
      if (obs.state !== undefined) point.states.push(STATE_NAMES[obs.state] ?? String(obs.state));
      else point.states.push(obs.vipPresent ? 'VIP present' : 'VIP absent');
      points.set(obs.t, point);
    }
    return byDirector;
  };
  const presenceStreams = streams(presence, (o) => o.vipPresent === true);
  const stateStreams = streams(states, (o) => o.state === MASTER);
  const allGaps: number[] = [];
  for (const points of [...presenceStreams.values(), ...stateStreams.values()]) {
    const times = [...points.keys()].sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) allGaps.push((times[i] ?? 0) - (times[i - 1] ?? 0));
  }
  const fallbackAge = 2.5 * (median(allGaps) ?? 24_000);
  const claims = new Map<string, { presence: Claim[]; state: Claim[] }>();
  for (const director of new Set([...presenceStreams.keys(), ...stateStreams.keys()])) {
    const p = presenceStreams.get(director);
    const s = stateStreams.get(director);
    claims.set(director, {
      presence: p ? claimsOf(p, options.maxRoleAgeMs, fallbackAge) : [],
      state: s ? claimsOf(s, options.maxRoleAgeMs, fallbackAge) : [],
    });
  }
  const bounds = [
    ...new Set(
      [...claims.values()].flatMap(({ presence: p, state: s }) =>
        [...p, ...s].flatMap((c) => [c.start, c.end]),
      ),
    ),
  ].sort((a, b) => a - b);
  // A cursor per stream: claims are sorted and do not overlap within one stream.
  const cursors = [...claims].map(([director, c]) => ({ director, p: c.presence, s: c.state, ip: 0, is: 0 }));
  const covering = (list: Claim[], index: number, t: number): [Claim | undefined, number] => {
    let i = index;
    while (i < list.length && (list[i]?.end ?? Infinity) <= t) i++;
    const claim = list[i];
    return [claim && claim.start <= t ? claim : undefined, i];
  };
  const raw: Segment[] = [];
  const starts = [-Infinity, ...bounds];
  for (let k = 0; k < starts.length; k++) {
    const start = starts[k] ?? -Infinity;
    const end = starts[k + 1] ?? Infinity;
    const holders: string[] = [];
    const seenStates = new Set<string>();
    let known = false;
    for (const cursor of cursors) {
      const [p, ip] = covering(cursor.p, cursor.ip, start);
      const [s, is] = covering(cursor.s, cursor.is, start);
      cursor.ip = ip;
      cursor.is = is;
      const claim = p ?? s;
      if (!claim) continue;
      known = true;
      if (claim.holds) holders.push(cursor.director);
      else for (const state of claim.states) seenStates.add(`${cursor.director} ${state}`);
    }
    holders.sort();
    const status: Status = holders.length === 0 ? 'none' : holders.length === 1 ? 'single' : 'split';
    const last = raw.at(-1);
    if (last && last.status === status && last.kept.join() === holders.join() && last.known === known) {
      last.end = end;
      for (const state of seenStates) last.states.add(state);
    } else raw.push({ start, end, status, kept: holders, known, used: false, states: seenStates });
  }
  // No holder: keep the last holder, or the first one before any is known.
  let previous: string[] | undefined;
  for (const segment of raw) {
    if (segment.status !== 'none') previous = segment.kept;
    else if (previous) segment.kept = previous;
  }
  let next: string[] | undefined;
  for (let k = raw.length - 1; k >= 0; k--) {
    const segment = raw[k];
    if (!segment) continue;
    if (segment.status !== 'none') next = segment.kept;
    else if (segment.kept.length === 0 && next) segment.kept = next;
  }
  return { label, segments: raw };
}

function segmentAt(line: Timeline, t: number): Segment | undefined {
  const segments = line.segments;
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((segments[mid]?.start ?? Infinity) <= t) lo = mid;
    else hi = mid - 1;
  }
  return segments[lo];
}

function timelineNotes(line: Timeline): HistoryNote[] {
  const notes: HistoryNote[] = [];
  const segments = line.segments;
  let lastSingle: Segment | undefined;
  let afterSplit = false;
  let heldBefore = false;
  for (let k = 0; k < segments.length; k++) {
    const segment = segments[k];
    if (!segment) continue;
    if (segment.status === 'split') {
      notes.push({
        kind: 'failover',
        t: segment.start,
        message:
          `split brain: ${line.label} was held by ${segment.kept.join(' and ')} at once from ` +
          `${iso(segment.start)} to ${iso(segment.end)}; the observations of all of them are kept`,
      });
      lastSingle = undefined;
      afterSplit = true;
    } else if (segment.status === 'single') {
      const from = lastSingle?.kept[0];
      const to = segment.kept[0];
      const before = segments[k - 1];
      if (afterSplit)
        notes.push({
          kind: 'failover',
          t: segment.start,
          message: `split brain over: ${line.label} held by ${to} alone from ${iso(segment.start)}`,
        });
      else if (from !== undefined && from !== to) {
        const wait =
          before && before.status === 'none' && Number.isFinite(before.start)
            ? ` (no director held it for ${Math.round(segment.start - before.start)} ms before)`
            : '';
        notes.push({
          kind: 'failover',
          t: segment.start,
          message: `failover: ${line.label} moved from ${from} to ${to} at ${iso(segment.start)}${wait}`,
        });
      }
      lastSingle = segment;
      afterSplit = false;
    } else if (segment.used) {
      const following = segments.slice(k + 1).find((s) => s.status !== 'none');
      // A stretch between two holders where every role was known is reported with the failover.
      if (segment.known && lastSingle && following && following.kept.join() !== lastSingle.kept.join())
        continue;
      const range = !Number.isFinite(segment.start)
        ? `until ${iso(segment.end)}`
        : !Number.isFinite(segment.end)
          ? `from ${iso(segment.start)} on`
          : `from ${iso(segment.start)} to ${iso(segment.end)}`;
      const kept = segment.kept.length
        ? `kept ${segment.kept.join(' and ')}, the ${heldBefore ? 'last' : 'first'} known to hold it`
        : 'no observation kept';
      notes.push({
        kind: 'gap',
        ...(Number.isFinite(segment.start) ? { t: segment.start } : {}),
        message: segment.known
          ? `no director held ${line.label} ${range} (${[...segment.states].sort().join(', ')}): ${kept}`
          : `no VRRP role known for ${line.label} ${range}: ${kept}`,
      });
    }
    if (segment.status !== 'none') heldBefore = true;
  }
  return notes;
}

/**
 * Keeps, at each time, the observations of the director that held each service's VIP (see the
 * file comment). Throws FollowError when it cannot decide.
 */
export function followVip(input: FollowInput, options: FollowOptions = {}): FollowResult {
  const clientMix = input.clientMix ?? [];
  const poolDirectors = firstSeen(serviceObservations(input.services));
  if (poolDirectors.length <= 1)
    return {
      services: [...input.services],
      clientMix: [...clientMix],
      directors: firstSeen([...serviceObservations(input.services), ...clientMix]),
      notes: [],
    };

  // VIP → keepalived instances carrying it (from vip_present, which names both).
  const inamesOf = new Map<string, Set<string>>();
  for (const obs of input.vrrp)
    if (obs.vip && obs.iname !== '') {
      let set = inamesOf.get(obs.vip.text);
      if (!set) inamesOf.set(obs.vip.text, (set = new Set()));
      set.add(obs.iname);
    }
  const stateInames = [
    ...new Set(input.vrrp.filter((o) => o.state !== undefined).map((o) => o.iname)),
  ].sort();
  const presenceVips = [...new Set(input.vrrp.filter((o) => o.vip).map((o) => o.vip?.text ?? ''))].sort();
  const vrrpDirectors = firstSeen(input.vrrp);

  // Services grouped by VIP; firewall-mark services (no address) join the pool's VIP when it has
  // only one, and form the group '' otherwise.
  const addrVips = [
    ...new Set(input.services.flatMap((s) => (s.key.kind === 'addr' ? [s.key.addr.text] : []))),
  ];
  const groupOf = (service: ServiceHistory): string =>
    service.key.kind === 'addr' ? service.key.addr.text : addrVips.length === 1 ? (addrVips[0] ?? '') : '';
  const groups = new Map<string, ServiceHistory[]>();
  for (const service of input.services) {
    const group = groups.get(groupOf(service)) ?? [];
    group.push(service);
    groups.set(groupOf(service), group);
  }

  const timelines = new Map<string, Timeline | undefined>();
  for (const [vip, services] of groups) {
    const directors = firstSeen(serviceObservations(services));
    if (directors.length <= 1) {
      timelines.set(vip, undefined);
      continue;
    }
    const what = vip === '' ? services.map((s) => serviceText(s.key)).join(', ') : `VIP ${vip}`;
    let presence: VrrpRoleObservation[];
    let inames: string[];
    if (vip !== '') {
      presence = input.vrrp.filter((o) => o.vip?.text === vip && o.vipPresent !== undefined);
      inames = [...(inamesOf.get(vip) ?? [])].sort();
      if (inames.length === 0 && presenceVips.length === 0) {
        if (stateInames.length > 1)
          throw new FollowError(
            `the VRRP data names several keepalived instances (${stateInames.join(', ')}) and none is tied to ` +
              `${what} (no lvscope_keepalived_vip_present for it), so the director that held it is unknown; ` +
              `the pool was seen on ${directors.join(', ')}: pass --director with one of them`,
            directors,
          );
        inames = stateInames;
      }
    } else {
      if (stateInames.length > 1 || presenceVips.length > 1)
        throw new FollowError(
          `cannot tell which VIP carries ${what} (firewall-mark services have no address; the VRRP data ` +
            `names ${[...stateInames, ...presenceVips].join(', ')}); the pool was seen on ${directors.join(', ')}: ` +
            'pass --director with one of them',
          directors,
        );
      presence = input.vrrp.filter((o) => o.vipPresent !== undefined);
      inames = stateInames;
    }
    const states = input.vrrp.filter((o) => o.state !== undefined && inames.includes(o.iname));
    if (presence.length === 0 && states.length === 0)
      throw new FollowError(
        `the pool (${what}) was seen on several directors (${directors.join(', ')}) and no VRRP data ` +
          '(lvscope_keepalived_vrrp_state, lvscope_keepalived_vip_present) says which one held it: ' +
          'pass --director with one of them',
        directors,
      );
    const evidence = new Set([...presence, ...states].map((o) => o.director));
    if (!directors.some((d) => evidence.has(d)))
      throw new FollowError(
        `the VRRP data for ${what} comes from ${vrrpDirectors.filter((d) => evidence.has(d)).join(', ')} but the ` +
          `pool's observations from ${directors.join(', ')}: the director names differ (instance labels of ` +
          'two scrape jobs?); pass --director with one of them',
        directors,
      );
    const label = `${what}${inames.length ? ` (${inames.join(', ')})` : ''}`;
    timelines.set(vip, timeline(label, presence, states, options));
  }

  const keep = (line: Timeline | undefined) => (obs: Stamped) => {
    if (!line) return true;
    const segment = segmentAt(line, obs.t);
    if (!segment?.kept.includes(obs.director)) return false;
    segment.used = true;
    return true;
  };
  const services = input.services.map((service) => {
    const line = timelines.get(groupOf(service));
    const kept = keep(line);
    return {
      key: service.key,
      observations: service.observations.filter(kept),
      destinations: service.destinations
        .map((destination) => ({ ...destination, observations: destination.observations.filter(kept) }))
        .filter((destination) => destination.observations.length > 0),
    };
  });
  const lines = [...timelines.values()].filter((line): line is Timeline => line !== undefined);
  const keptMix = clientMix.filter(
    (mix) => lines.length === 0 || lines.some((line) => segmentAt(line, mix.t)?.kept.includes(mix.director)),
  );
  const notes = lines.flatMap(timelineNotes).sort((a, b) => (a.t ?? -Infinity) - (b.t ?? -Infinity));
  return {
    services,
    clientMix: keptMix,
    directors: firstSeen([...serviceObservations(services), ...keptMix]),
    notes,
  };
}

/** followVip() on a whole History: its services and client mix kept per VIP holder, notes added. */
export function followHistory(history: History, options: FollowOptions = {}): History {
  const result = followVip(history, options);
  return {
    ...history,
    directors: result.directors,
    services: result.services,
    clientMix: result.clientMix,
    notes: [...history.notes, ...result.notes],
  };
}
