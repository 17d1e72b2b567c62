import type { FifoInstanceState, FifoSnapshot } from './model.js';
import { stateNumber } from './states.js';
import { boundedInteger } from '../parse/numbers.js';

export interface FifoEvent {
  readonly type: 'INSTANCE' | 'GROUP';
  readonly name: string;
  /** MASTER, BACKUP, FAULT, STOP, or a priority event (MASTER_PRIORITY, BACKUP_PRIORITY, MASTER_RX_LOWER_PRI). */
  readonly event: string;
  readonly priority: number;
}

const MAX_FIFO_LINE_CHARS = 1200;
const VRRP_LINE = /^(INSTANCE|GROUP) "(.*)" ([A-Z_{}]+) (\d+)$/;

/**
 * One line keepalived writes to `notify_fifo`/`vrrp_notify_fifo`: `INSTANCE "VI_1" MASTER 150`.
 * Checker lines (`VS ...`, `RS ...`) and anything else give undefined.
 */
function parseFifoLine(line: string): FifoEvent | undefined {
  // keepalived's names come from its config, whose lines it reads into 1024 bytes (MAXBUF).
  if (line.length > MAX_FIFO_LINE_CHARS) return undefined;
  const m = VRRP_LINE.exec(line.trim());
  if (!m) return undefined;
  // keepalived writes priorities 0-255; any other number is not one of its lines.
  const priority = boundedInteger(m[4] ?? '', 0, 255);
  if (priority === undefined) return undefined;
  return { type: m[1] as 'INSTANCE' | 'GROUP', name: m[2] ?? '', event: m[3] ?? '', priority };
}

/** State transitions are the events that name a VRRP state; the others only change priority. */
const TRANSITIONS = new Set(['MASTER', 'BACKUP', 'FAULT', 'STOP']);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Accumulates FIFO events as they arrive, so a flap between two scrapes is still counted and
 * its time kept. Bounded: one entry per instance/group name, at most `maxNames` of them.
 */
export class FifoTracker {
  private readonly entries = new Map<
    string,
    Mutable<FifoInstanceState> & { transitions: Record<string, number> }
  >();
  private lines = 0;
  private unparsed = 0;

  constructor(private readonly maxNames = 4096) {}

  /** Returns false for a line that is not a VRRP event (counted as unparsed unless a checker line). */
  apply(line: string, atMs: number): boolean {
    if (line.trim() === '') return true;
    this.lines++;
    const event = parseFifoLine(line);
    if (!event) {
      if (!/^(VS|RS) /.test(line)) this.unparsed++;
      return false;
    }
    const key = `${event.type} ${event.name}`;
    let entry = this.entries.get(key);
    if (!entry) {
      if (this.entries.size >= this.maxNames) return false;
      entry = {
        type: event.type,
        name: event.name,
        state: -1,
        priority: event.priority,
        transitions: {},
        lastTransitionMs: 0,
        priorityChanges: 0,
      };
      this.entries.set(key, entry);
    }
    entry.priority = event.priority;
    if (TRANSITIONS.has(event.event)) {
      entry.state = stateNumber(event.event) ?? -1;
      entry.transitions[event.event] = (entry.transitions[event.event] ?? 0) + 1;
      entry.lastTransitionMs = atMs;
    } else if (event.event.endsWith('_PRIORITY')) entry.priorityChanges++;
    return true;
  }

  get unparsedLines(): number {
    return this.unparsed;
  }

  snapshot(open: boolean): FifoSnapshot {
    const instances = [...this.entries.values()].map((e) => ({ ...e, transitions: { ...e.transitions } }));
    return { open, linesRead: this.lines, instances };
  }
}
