import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** Signal numbers keepalived uses for its dumps. */
export interface DumpSignals {
  readonly DATA: number;
  readonly STATS: number;
  /** Absent when keepalived was built without --enable-json. */
  readonly JSON?: number;
}

/** Before 1.3.8 there is no --signum: DATA is SIGUSR1, STATS SIGUSR2, and JSON does not exist. */
const LEGACY: DumpSignals = { DATA: 10, STATS: 12 };

function signum(binary: string, name: string, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile(binary, [`--signum=${name}`], { timeout: timeoutMs, shell: false }, (error, stdout) => {
      const n = Number(stdout.trim());
      resolve(!error && /^\d+$/.test(stdout.trim()) && n > 0 && n < 65 ? n : undefined);
    });
  });
}

/** Asks `keepalived --signum=NAME` (no shell, with a timeout); falls back to the pre-1.3.8 numbers. */
export async function lookupSignals(binary: string, timeoutMs = 2000): Promise<DumpSignals> {
  const [data, stats, json] = await Promise.all(
    ['DATA', 'STATS', 'JSON'].map((name) => signum(binary, name, timeoutMs)),
  );
  if (data === undefined || stats === undefined) return LEGACY;
  return json === undefined ? { DATA: data, STATS: stats } : { DATA: data, STATS: stats, JSON: json };
}

/**
 * Reads keepalived's parent PID from its pid file and checks that the process is keepalived, so
 * a stale pid file never makes us signal an unrelated process that reused the PID.
 */
export async function keepalivedPid(pidFile: string, procRoot = '/proc'): Promise<number> {
  let text: string;
  try {
    text = await readFile(pidFile, 'utf8');
  } catch (error) {
    throw new Error(`cannot read pid file ${pidFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const pid = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || pid < 2) throw new Error(`pid file ${pidFile} does not hold a PID`);
  let comm: string;
  try {
    comm = (await readFile(`${procRoot}/${pid}/comm`, 'utf8')).trim();
  } catch {
    throw new Error(`keepalived is not running (pid ${pid} from ${pidFile} does not exist)`);
  }
  if (!comm.startsWith('keepalived')) {
    throw new Error(`pid ${pid} from ${pidFile} is "${comm.slice(0, 32)}", not keepalived (stale pid file)`);
  }
  return pid;
}

export function sendSignal(pid: number, signal: number): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EPERM') throw new Error(`not permitted to signal keepalived pid ${pid}: run as root or keepalived's user`);
    if (code === 'ESRCH') throw new Error(`keepalived pid ${pid} exited`);
    throw error;
  }
}
