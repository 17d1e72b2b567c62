import type { Dest } from '../dest.js';
import type { Packet } from '../packet.js';
import type { HashVariant } from './hash.js';

import type { SchedulerName } from '../../../common/ipvs/vocabulary.js';

/** Service flag bits the schedulers interpret (ipvsadm -b): sh-/mh-fallback and sh-/mh-port. */
export const SCHED_FLAG_1 = 1;
export const SCHED_FLAG_2 = 2;
export const SCHED_FLAG_3 = 4;

/** What a scheduler may read of its service: the dest list in kernel order (head first). */
export interface ServiceView {
  readonly dests: readonly Dest[];
  readonly schedFlags: number;
}

/** Which kernel hook fired: add_dest (new dest already at the head), del_dest (already unlinked), upd_dest. */
export type DestChange = 'add' | 'delete' | 'edit';

export interface SchedulerSettings {
  readonly hashVariant: HashVariant;
  /** net.ipv4.vs.lblc_expiration / lblcr_expiration, in ms. */
  readonly lblcExpirationMs: number;
  readonly lblcrExpirationMs: number;
  /** Uniform unsigned 32-bit random numbers (twos); seeded so runs repeat. */
  readonly random32: () => number;
}

/**
 * One kernel scheduler bound to one service. The constructor is the kernel's init_service.
 * `schedule` returns the chosen dest or null ("no destination available"); it may only update
 * scheduler state and dest reference counts, never connection counters. Nearly every scheduler
 * considers only dests not OVERLOADed and of weight > 0; that test is written out in each loop
 * rather than called, which bench:sim measures at a fifth of lc's speed.
 */
export interface Scheduler {
  readonly name: SchedulerName;
  schedule(svc: ServiceView, pkt: Packet, now: number): Dest | null;
  /** After a dest was added, deleted (formerIndex = its old list index) or edited. */
  onUpdate(svc: ServiceView, change: DestChange, dest: Dest, formerIndex: number): void;
  /** Housekeeping timer period (lblc/lblcr garbage collection), if the scheduler has one. */
  readonly periodMs?: number;
  tick?(now: number): void;
  /**
   * With the next tick due at `at`: skips (counts) the ticks before `now` that would change
   * nothing and returns when the next tick must run, so long gaps cost no time.
   */
  nextTick?(at: number, now: number): number;
  /** done_service: drop the references the scheduler holds. */
  release?(): void;
}

/**
 * a·b > c·d for non-negative integers, exact like the kernel's (__s64) products even when a
 * product leaves the 2^53 range of doubles (weights reach 2^31−1, overheads 2^31).
 */
export function productGreater(a: number, b: number, c: number, d: number): boolean {
  const p = a * b;
  const q = c * d;
  if (p <= Number.MAX_SAFE_INTEGER && q <= Number.MAX_SAFE_INTEGER) return p > q;
  return BigInt(a) * BigInt(b) > BigInt(c) * BigInt(d);
}
