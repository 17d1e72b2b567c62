import type { Dest } from '../dest.js';
import type { Scheduler, ServiceView } from './scheduler.js';

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Weighted round robin (ip_vs_wrr.c, the 3.x rewrite). Passes over the list with a falling
 * threshold cw = mw, mw−di, …; a dest is taken when `weight >= cw` and it is not OVERLOADed.
 * Any dest add/delete/edit moves the cursor back to the head and recomputes di and mw, keeping
 * cw where possible, so the build history decides the first picks (schedulers.md §5.2, W3).
 */
export class WeightedRoundRobin implements Scheduler {
  readonly name = 'wrr';
  /** Cursor index; -1 = list head. */
  private cl = -1;
  private cw = 0;
  private mw = 0;
  private di = 1;

  constructor(svc: ServiceView) {
    this.recompute(svc);
    this.cw = this.mw;
  }

  schedule(svc: ServiceView): Dest | null {
    if (this.mw === 0) return null;
    const list = svc.dests;
    const last = this.cl;
    let pos = last;
    let stop = -2;
    let lastPass = false;
    let restarted = false;
    for (;;) {
      for (let i = pos + 1; i < list.length; i++) {
        const d = list[i] as Dest;
        if (!d.overloaded && d.weight >= this.cw) {
          this.cl = i;
          return d;
        }
        if (i === stop) {
          this.cl = i;
          return null;
        }
      }
      pos = -1;
      this.cw -= this.di;
      if (this.cw <= 0) {
        this.cw = this.mw;
        // Every dest was already checked with threshold 1: all are overloaded.
        if (lastPass || last === -1) {
          this.cl = -1;
          return null;
        }
        restarted = true;
      }
      lastPass = this.cw <= this.di;
      if (lastPass && restarted && last !== -1) stop = last;
    }
  }

  onUpdate(svc: ServiceView): void {
    this.cl = -1;
    this.recompute(svc);
    if (this.cw > this.mw || this.cw === 0) this.cw = this.mw;
    else if (this.di > 1) this.cw = Math.floor(this.cw / this.di) * this.di + 1;
  }

  private recompute(svc: ServiceView): void {
    let g = 0;
    let max = 0;
    for (const d of svc.dests) {
      if (d.weight > 0) g = g > 0 ? gcd(d.weight, g) : d.weight;
      if (d.weight > max) max = d.weight;
    }
    this.di = g > 0 ? g : 1;
    this.mw = max - (this.di - 1);
  }
}
