/**
 * A timeline's packets in trace order, computed once and shared by every candidate (and by
 * toTrace, so the trace `simulate` reads and the engine's replay see the same order): per
 * connection an arrival (SYN, then the handshake ACK in the same ms), keepalive ACKs, and a close
 * (FIN or RST), sorted by (time, connection, arrival < keepalive < close). Also the chains of
 * connections sharing a 5-tuple (client address and port, service), which decide port reuse.
 */
import { foldAddr } from '../kernel/addr.js';
import type { Timeline } from './timeline.js';

export const EV_ARRIVAL = 0;
export const EV_KEEPALIVE = 1;
export const EV_CLOSE = 2;

export interface PreparedTimeline {
  readonly timeline: Timeline;
  /** `connection << 2 | kind`, in trace order. */
  readonly events: Int32Array;
  readonly times: Float64Array;
  /** The previous connection with the same client address, port and service, or -1. */
  readonly prevSame: Int32Array;
  /** The next such connection, or -1. */
  readonly nextSame: Int32Array;
  /** The previous such connection's close time, or -Infinity. */
  readonly prevEndMs: Float64Array;
  /** Per connection: its client address folded to 32 bits, as the kernel's hashes read it. */
  readonly sfold: Uint32Array;
}

/** Sorts (time, connection) pairs; returns the connections in that order. */
function sortByTime(times: Float64Array, conns: Int32Array, n: number): Int32Array {
  const m = times.length;
  let maxT = 0;
  for (let i = 0; i < m; i++) if ((times[i] as number) > maxT) maxT = times[i] as number;
  const out = new Int32Array(m);
  if ((maxT + 1) * Math.max(1, n) < Number.MAX_SAFE_INTEGER) {
    // Packed keys: one numeric typed-array sort, no comparator.
    const keys = new Float64Array(m);
    for (let i = 0; i < m; i++) keys[i] = (times[i] as number) * n + (conns[i] as number);
    keys.sort();
    for (let i = 0; i < m; i++) out[i] = (keys[i] as number) % n;
    return out;
  }
  const idx = Array.from({ length: m }, (_, i) => i);
  idx.sort(
    (a, b) => (times[a] as number) - (times[b] as number) || (conns[a] as number) - (conns[b] as number),
  );
  idx.forEach((j, i) => (out[i] = conns[j] as number));
  return out;
}

function tupleChains(t: Timeline): { prevSame: Int32Array; nextSame: Int32Array; prevEndMs: Float64Array } {
  const n = t.count;
  const prevSame = new Int32Array(n).fill(-1);
  const nextSame = new Int32Array(n).fill(-1);
  const prevEndMs = new Float64Array(n).fill(-Infinity);
  // Open addressing on (client, service·65536 + port) → the last connection with that tuple.
  let size = 1024;
  while (size < 2 * n) size *= 2;
  const mask = size - 1;
  const keyA = new Int32Array(size).fill(-1);
  const keyB = new Int32Array(size);
  const last = new Int32Array(size);
  for (let i = 0; i < n; i++) {
    const a = t.client[i] as number;
    const b = (t.service[i] as number) * 65536 + (t.port[i] as number);
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) >>> 0;
    for (;;) {
      h &= mask;
      const ka = keyA[h] as number;
      if (ka === -1) {
        keyA[h] = a;
        keyB[h] = b;
        last[h] = i;
        break;
      }
      if (ka === a && keyB[h] === b) {
        const p = last[h] as number;
        const end = (t.startMs[p] as number) + (t.lifetimeMs[p] as number);
        if ((t.startMs[i] as number) < end) {
          const c = t.clients[a];
          throw new Error(
            `timeline: connections ${p} and ${i} use client ${c?.text ?? '?'} port ${t.port[i]} for service ${t.service[i]} at once (a client reuses a port only after closing it)`,
          );
        }
        prevSame[i] = p;
        nextSame[p] = i;
        prevEndMs[i] = end;
        last[h] = i;
        break;
      }
      h++;
    }
  }
  return { prevSame, nextSame, prevEndMs };
}

/** The event order of a timeline (see the file comment). */
export function prepareTimeline(t: Timeline): PreparedTimeline {
  const n = t.count;
  const start = t.startMs;
  const life = t.lifetimeMs;
  const ka = t.keepaliveMs;
  // Closes by (end, connection).
  const endTimes = new Float64Array(n);
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    endTimes[i] = (start[i] as number) + (life[i] as number);
    ids[i] = i;
  }
  const closes = sortByTime(endTimes, ids, n);
  // Keepalives: s + k·ka for k ≥ 1 while before the close.
  let kaCount = 0;
  if (ka > 0) for (let i = 0; i < n; i++) kaCount += Math.max(0, Math.ceil((life[i] as number) / ka) - 1);
  let kas: Int32Array = new Int32Array(0);
  let kaTimes: Float64Array = new Float64Array(0);
  if (kaCount > 0) {
    const times = new Float64Array(kaCount);
    const conns = new Int32Array(kaCount);
    let j = 0;
    for (let i = 0; i < n; i++) {
      const s = start[i] as number;
      const e = s + (life[i] as number);
      for (let x = s + ka; x < e; x += ka) {
        times[j] = x;
        conns[j++] = i;
      }
    }
    // Sort (time, conn) pairs, keeping the time of each.
    const order = sortByTime(times, conns, n);
    // Rebuild the times: per connection its keepalives are consecutive multiples, so walk them.
    const nextK = new Float64Array(n);
    kaTimes = new Float64Array(kaCount);
    for (let k = 0; k < kaCount; k++) {
      const c = order[k] as number;
      nextK[c] = (nextK[c] as number) + 1;
      kaTimes[k] = (start[c] as number) + nextK[c] * ka;
    }
    kas = order;
  }
  const total = 2 * n + kaCount;
  const events = new Int32Array(total);
  const times = new Float64Array(total);
  let a = 0;
  let k = 0;
  let c = 0;
  for (let out = 0; out < total; out++) {
    // Candidates: arrival a, keepalive k, close c; compare (time, conn, kind).
    let bestKind = -1;
    let bestT = Infinity;
    let bestConn = 0;
    if (a < n) {
      bestKind = 0;
      bestT = start[a] as number;
      bestConn = a;
    }
    if (k < kaCount) {
      const t2 = kaTimes[k] as number;
      const c2 = kas[k] as number;
      if (t2 < bestT || (t2 === bestT && c2 < bestConn)) {
        bestKind = 1;
        bestT = t2;
        bestConn = c2;
      }
    }
    if (c < n) {
      const c3 = closes[c] as number;
      const t3 = endTimes[c3] as number;
      if (t3 < bestT || (t3 === bestT && c3 < bestConn) || bestKind < 0) {
        bestKind = 2;
        bestT = t3;
        bestConn = c3;
      }
    }
    if (bestKind === 0) a++;
    else if (bestKind === 1) k++;
    else c++;
    events[out] = (bestConn << 2) | bestKind;
    times[out] = bestT;
  }
  const folds = t.clients.map((c) => foldAddr(c));
  const sfold = new Uint32Array(n);
  for (let i = 0; i < n; i++) sfold[i] = folds[t.client[i] as number] as number;
  return { timeline: t, events, times, ...tupleChains(t), sfold };
}
