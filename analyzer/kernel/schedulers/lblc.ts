import type { Dest } from '../dest.js';
import type { Packet } from '../packet.js';
import type { CacheEntry } from './locality-cache.js';
import { LocalityScheduler } from './locality-cache.js';
import type { Scheduler, SchedulerSettings, ServiceView } from './scheduler.js';
import { weightedLeast } from './wlc.js';

/**
 * lblc/lblcr's own notion of overload: more active connections than weight while some dest of
 * the service is below half its weight.
 */
export function lblcOverloaded(d: Dest, dests: readonly Dest[]): boolean {
  if (d.activeConns <= d.weight) return false;
  for (const x of dests) if (x.activeConns * 2 < x.weight) return true;
  return false;
}

interface LblcEntry extends CacheEntry {
  dest: Dest;
}

/**
 * Locality-based least connection (ip_vs_lblc.c): a cache maps the packet's destination address
 * to one dest, reused while it is available, weighted and not lblc-overloaded (its OVERLOAD flag
 * is deliberately not checked); otherwise WLC picks a new dest that replaces the mapping.
 */
export class LocalityLeastConnection extends LocalityScheduler<LblcEntry> implements Scheduler {
  readonly name = 'lblc';

  constructor(settings: SchedulerSettings) {
    super(
      settings.hashVariant,
      () => settings.lblcExpirationMs,
      (e) => {
        e.dest.refs--;
      },
    );
  }

  schedule(svc: ServiceView, pkt: Packet, now: number): Dest | null {
    const key = pkt.daddr.text;
    const entry = this.cache.get(key);
    if (entry !== undefined) {
      entry.lastuse = now;
      const d = entry.dest;
      if (d.available && d.weight > 0 && !lblcOverloaded(d, svc.dests)) return d;
    }
    const dest = weightedLeast(svc.dests);
    if (dest === null) return null;
    if (entry === undefined) {
      dest.refs++;
      this.cache.insert(key, { dest, lastuse: now, bucket: this.cache.bucketFor(pkt.dfold) });
    } else if (entry.dest !== dest) {
      // The kernel frees the entry and hashes a new one for the same address (same bucket)
      // without decrementing its entry counter; updating in place is the same but for that.
      entry.dest.refs--;
      dest.refs++;
      entry.dest = dest;
      this.cache.counted++;
    }
    return dest;
  }
}
