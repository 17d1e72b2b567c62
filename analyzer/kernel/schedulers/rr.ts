import type { Dest } from '../dest.js';
import type { DestChange, Scheduler, ServiceView } from './scheduler.js';

/**
 * Round robin (ip_vs_rr.c). The cursor is the last dest picked, or the list head. A scan runs
 * from after the cursor to the end of the list, then — only if the cursor is not the head — from
 * the first element up to and including the cursor. Weights matter only as zero / non-zero.
 */
export class RoundRobin implements Scheduler {
  readonly name = 'rr';
  /** The dest the cursor rests on; null = list head. */
  private cursor: Dest | null = null;
  /** Its index in the list, kept in step with list changes. */
  private cursorIndex = -1;

  schedule(svc: ServiceView): Dest | null {
    const list = svc.dests;
    const start = this.cursorIndex;
    for (let i = start + 1; i < list.length; i++) {
      const d = list[i] as Dest;
      if (!d.overloaded && d.weight > 0) return this.moveTo(d, i);
    }
    for (let i = 0; i <= start; i++) {
      const d = list[i] as Dest;
      if (!d.overloaded && d.weight > 0) return this.moveTo(d, i);
    }
    return null;
  }

  onUpdate(svc: ServiceView, change: DestChange, dest: Dest, formerIndex: number): void {
    // Only del_dest moves the cursor: off a deleted dest to the element before it.
    if (change === 'delete' && dest === this.cursor) {
      this.cursor = formerIndex > 0 ? (svc.dests[formerIndex - 1] ?? null) : null;
    }
    this.cursorIndex = this.cursor === null ? -1 : svc.dests.indexOf(this.cursor);
  }

  private moveTo(d: Dest, index: number): Dest {
    this.cursor = d;
    this.cursorIndex = index;
    return d;
  }
}
