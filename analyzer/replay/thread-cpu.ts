/**
 * CPU time of the calling thread, for reporting what a replay cost when the machine is shared
 * (wall time then measures the other jobs as much as the replay). Node 20 has no per-thread
 * counter (process.cpuUsage is the whole process), so on Linux it reads the thread's own
 * utime + stime from /proc/thread-self/stat (clock ticks, 10 ms on the usual CONFIG_HZ=100
 * USER_HZ); elsewhere null.
 */
import { readFileSync } from 'node:fs';

const TICK_MS = 10;

/** utime + stime of this thread in ms, or null where /proc/thread-self is unavailable. */
export function threadCpuMs(): number | null {
  let text: string;
  try {
    text = readFileSync('/proc/thread-self/stat', 'latin1');
  } catch {
    return null;
  }
  return parseThreadStat(text);
}

/** utime + stime (fields 14 and 15) of a /proc/<pid>/task/<tid>/stat line, in ms; null if malformed. */
export function parseThreadStat(text: string): number | null {
  // The command name (field 2) is parenthesised and may contain spaces or ')': fields follow the last ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const fields = text.slice(close + 2).split(' ');
  // After the name, field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) return null;
  return (utime + stime) * TICK_MS;
}
