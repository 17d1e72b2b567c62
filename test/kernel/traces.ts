/**
 * Shared by the kernel agreement tests: the recorded traces, the simulator run on them, and a
 * comparison of the simulator's rows with the kernel's, per scheduler.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SCHEDULER_NAMES } from '../../common/ipvs/vocabulary.js';

const run = promisify(execFile);

export const repoRoot = join(import.meta.dirname, '..', '..');
export const tracesDir = join(repoRoot, 'fixtures', 'kernel-traces');
const simulator = join(repoRoot, 'dist', 'analyzer', 'main.js');

/** The schedulers of Debian 12's 6.1 kernel; every one is deterministic (twos came in 6.2). */
export const kernelSchedulers = SCHEDULER_NAMES.filter((name) => name !== 'twos');

export interface Row {
  line: number;
  time: string;
  proto: string;
  client: string;
  service: string;
  realServer: string;
}

export function traceNames(): string[] {
  return readdirSync(tracesDir)
    .filter((f) => f.endsWith('.trace'))
    .map((f) => f.slice(0, -'.trace'.length))
    .sort();
}

export function parseCsv(text: string, origin: string): Row[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines[0] !== 'time_ms,proto,client,service,real_server') {
    throw new Error(`${origin}:1: not the simulator's CSV header: ${lines[0] ?? '(empty)'}`);
  }
  return lines.slice(1).map((l, i) => {
    const f = l.split(',');
    if (f.length !== 5) throw new Error(`${origin}:${i + 2}: expected 5 fields, got ${f.length}`);
    const [time, proto, client, service, realServer] = f as [string, string, string, string, string];
    return { line: i + 2, time, proto, client, service, realServer };
  });
}

/** Canonical service key as the CSV writes it: ip:port, [compressed ipv6]:port, fwm:<mark>. */
function serviceKey(kind: string, value: string): string {
  if (kind === '-f' || kind === '--fwmark-service') return `fwm:${Number(value)}`;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(value);
  if (v6) return `[${new URL(`http://[${v6[1]}]/`).hostname.slice(1, -1)}]:${v6[2] ?? '0'}`;
  const v4 = /^([\d.]+)(?::(\d+))?$/.exec(value);
  return v4 ? `${v4[1]}:${v4[2] ?? '0'}` : value;
}

const serviceFlags = new Set([
  '-t',
  '--tcp-service',
  '-u',
  '--udp-service',
  '--sctp-service',
  '-f',
  '--fwmark-service',
]);

/**
 * The scheduler of each service over time, from the trace's -A/-E lines (ipvsadm's default is wlc).
 * Returns a lookup: service key and time → scheduler name.
 */
export function schedulerLookup(traceText: string): (service: string, time: number) => string {
  const changes = new Map<string, { time: number; sched: string }[]>();
  let last = 0;
  for (const raw of traceText.split('\n')) {
    const words = raw.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (/^\d+$/.test(words[0] ?? '')) last = Number(words.shift());
    if (words[0] === 'ipvsadm') words.shift();
    const cmd = words[0];
    if (cmd !== '-A' && cmd !== '--add-service' && cmd !== '-E' && cmd !== '--edit-service') continue;
    let key: string | undefined;
    let sched = 'wlc';
    for (let i = 1; i < words.length - 1; i++) {
      const w = words[i] ?? '';
      if (serviceFlags.has(w)) key = serviceKey(w, words[i + 1] ?? '');
      if (w === '-s' || w === '--scheduler') sched = words[i + 1] ?? sched;
    }
    if (key === undefined) continue;
    const list = changes.get(key) ?? [];
    list.push({ time: last, sched });
    changes.set(key, list);
  }
  return (service, time) => {
    const list = changes.get(service) ?? [];
    const current = list.filter((c) => c.time <= time).at(-1) ?? list[0];
    return current?.sched ?? '(no service)';
  };
}

/** `lvs-analyze simulate` with its defaults: the trace's own sysctl lines set what differs. */
export async function simulate(tracePath: string, format: 'csv' | 'json'): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [simulator, 'simulate', '--trace', tracePath, '--format', format],
    { timeout: 60_000, maxBuffer: 64 << 20 },
  );
  return stdout;
}

export interface Tally {
  total: number;
  agree: number;
}

export interface Comparison {
  bySched: Map<string, Tally>;
  mismatches: string[];
}

/**
 * Connection by connection: rows are matched on time, protocol, client and service (so one extra
 * or missing row does not shift the rest), then must name the same real server. A row only one
 * side has is a disagreement too.
 */
export function compareRows(
  kernel: Row[],
  sim: Row[],
  schedOf: (service: string, time: number) => string,
): Comparison {
  const bySched = new Map<string, Tally>();
  const mismatches: string[] = [];
  const key = (r: Row): string => `${r.time},${r.proto},${r.client},${r.service}`;
  const pending = new Map<string, Row[]>();
  for (const r of sim) pending.set(key(r), [...(pending.get(key(r)) ?? []), r]);
  const count = (r: Row, agree: boolean, what: string): void => {
    const sched = schedOf(r.service, Number(r.time));
    const tally = bySched.get(sched) ?? { total: 0, agree: 0 };
    bySched.set(sched, tally);
    tally.total++;
    if (agree) tally.agree++;
    else mismatches.push(`[${sched}] ${key(r)}: ${what}`);
  };
  for (const k of kernel) {
    const s = pending.get(key(k))?.shift();
    if (!s) count(k, false, `kernel ${k.realServer}, simulator has no row`);
    else count(k, s.realServer === k.realServer, `kernel ${k.realServer}, simulator ${s.realServer}`);
  }
  for (const rows of pending.values()) {
    for (const s of rows) count(s, false, `simulator ${s.realServer}, kernel has no row`);
  }
  return { bySched, mismatches };
}

export function mergeTallies(into: Map<string, Tally>, from: Map<string, Tally>): void {
  for (const [sched, t] of from) {
    const acc = into.get(sched) ?? { total: 0, agree: 0 };
    acc.total += t.total;
    acc.agree += t.agree;
    into.set(sched, acc);
  }
}

export function formatTallies(title: string, tallies: Map<string, Tally>): string {
  const rows = [...tallies.entries()].sort(([a], [b]) => a.localeCompare(b));
  const lines = rows.map(
    ([sched, t]) =>
      `  ${sched.padEnd(8)} ${String(t.agree).padStart(5)}/${String(t.total).padEnd(5)} ${((100 * t.agree) / t.total).toFixed(1)} %`,
  );
  return [`${title}: agreement per scheduler (new connections)`, ...lines].join('\n');
}

/** End counters per destination, as recorded from the kernel (NAME.kernel.json). */
export interface DestCounters {
  active: number;
  inactive: number;
  persistent: number;
}

export function kernelCounters(jsonText: string): Map<string, DestCounters> {
  const doc = JSON.parse(jsonText) as {
    services: {
      service: string;
      dests: { server: string; active: number; inactive: number; persistent: number }[];
    }[];
  };
  const out = new Map<string, DestCounters>();
  for (const svc of doc.services) {
    for (const d of svc.dests) {
      out.set(`${svc.service} -> ${d.server}`, {
        active: d.active,
        inactive: d.inactive,
        persistent: d.persistent,
      });
    }
  }
  return out;
}

/** The same counters from `simulate --format json`. */
export function simulatorCounters(jsonText: string): Map<string, DestCounters> {
  const doc = JSON.parse(jsonText) as {
    services: {
      service: string;
      destinations: {
        real_server: string;
        active_conns: number;
        inactive_conns: number;
        persistent_conns: number;
      }[];
    }[];
  };
  const out = new Map<string, DestCounters>();
  for (const svc of doc.services) {
    for (const d of svc.destinations) {
      out.set(`${svc.service} -> ${d.real_server}`, {
        active: d.active_conns,
        inactive: d.inactive_conns,
        persistent: d.persistent_conns,
      });
    }
  }
  return out;
}

export function readTrace(name: string): string {
  return readFileSync(join(tracesDir, `${name}.trace`), 'utf8');
}
