import type { Dest } from '../dest.js';
import type { Packet } from '../packet.js';
import { lblcOverloaded } from './lblc.js';
import type { CacheEntry } from './locality-cache.js';
import { LocalityScheduler } from './locality-cache.js';
import type { Scheduler, SchedulerSettings, ServiceView } from './scheduler.js';
import { productGreater } from './scheduler.js';
import { weightedLeast } from './wlc.js';

interface LblcrEntry extends CacheEntry {
  /** The replica set, newest member first. */
  readonly set: Dest[];
  lastmod: number;
}

/** Least loaded member: first available usable member, then strictly better available ones. */
function setMin(set: readonly Dest[]): Dest | null {
  let i = 0;
  let least: Dest | null = null;
  for (; i < set.length; i++) {
    const d = set[i] as Dest;
    if (d.overloaded) continue;
    if (d.weight > 0 && d.available) {
      least = d;
      break;
    }
  }
  if (least === null) return null;
  let loh = least.overhead();
  for (i++; i < set.length; i++) {
    const d = set[i] as Dest;
    if (d.overloaded) continue;
    const doh = d.overhead();
    if (productGreater(loh, d.weight, doh, least.weight) && d.available) {
      least = d;
      loh = doh;
    }
  }
  return least;
}

/** Most loaded weighted member (availability not checked, as in the kernel). */
function setMax(set: readonly Dest[]): Dest | null {
  let i = 0;
  let most: Dest | null = null;
  for (; i < set.length; i++) {
    const d = set[i] as Dest;
    if (d.weight > 0) {
      most = d;
      break;
    }
  }
  if (most === null) return null;
  let moh = most.overhead();
  for (i++; i < set.length; i++) {
    const d = set[i] as Dest;
    const doh = d.overhead();
    if (productGreater(doh, most.weight, moh, d.weight) && d.weight > 0) {
      most = d;
      moh = doh;
    }
  }
  return most;
}

/**
 * Locality-based least connection with replication (ip_vs_lblcr.c): each destination address
 * maps to a set of dests; the least loaded member is used unless lblc-overloaded, in which case
 * WLC adds a member. A set untouched for `lblcr_expiration` loses its most loaded member.
 */
export class LocalityLeastConnectionReplicated extends LocalityScheduler<LblcrEntry> implements Scheduler {
  readonly name = 'lblcr';

  /** `settings.lblcrExpirationMs` is read at each use, like the kernel's sysctl. */
  constructor(private readonly settings: SchedulerSettings) {
    super(
      settings.hashVariant,
      () => settings.lblcrExpirationMs,
      (e) => {
        for (const d of e.set) d.refs--;
      },
    );
  }

  schedule(svc: ServiceView, pkt: Packet, now: number): Dest | null {
    const key = pkt.daddr.text;
    const entry = this.cache.get(key);
    if (entry !== undefined) {
      entry.lastuse = now;
      const least = setMin(entry.set);
      if (entry.set.length > 1 && now > entry.lastmod + this.settings.lblcrExpirationMs) {
        const most = setMax(entry.set);
        if (most !== null) {
          entry.set.splice(entry.set.indexOf(most), 1);
          most.refs--;
          entry.lastmod = now;
        }
      }
      if (least !== null && !lblcOverloaded(least, svc.dests)) return least;
      const dest = weightedLeast(svc.dests);
      if (dest === null) return null;
      if (!entry.set.includes(dest)) {
        entry.set.unshift(dest);
        dest.refs++;
        entry.lastmod = now;
      }
      return dest;
    }
    const dest = weightedLeast(svc.dests);
    if (dest === null) return null;
    dest.refs++;
    this.cache.insert(key, {
      set: [dest],
      lastuse: now,
      lastmod: now,
      bucket: this.cache.bucketFor(pkt.dfold),
    });
    return dest;
  }
}
