import { execFileSync } from 'node:child_process';
import { readRegularFile } from '../../common/io/regular-file.js';

/** A pid file or /proc/PID/comm is a line; anything bigger is not one. */
const MAX_SMALL_FILE_BYTES = 4096;
const readSmall = (file: string): Promise<string> =>
  readRegularFile(file, { maxBytes: MAX_SMALL_FILE_BYTES, encoding: 'utf8' });

/** Signal numbers keepalived uses for its dumps. */
export interface DumpSignals {
  readonly DATA: number;
  readonly STATS: number;
  /** Absent when keepalived was built without --enable-json. */
  readonly JSON?: number;
}

/** Before 1.3.8 there is no --signum: DATA is SIGUSR1, STATS SIGUSR2, and JSON does not exist. */
const LEGACY: DumpSignals = { DATA: 10, STATS: 12 };

/**
 * Asks `keepalived --signum=NAME` (no shell, bounded by the timeout) once at startup, when the
 * sources are built; falls back to the pre-1.3.8 numbers.
 */
export function lookupSignals(binary: string, timeoutMs = 2000): DumpSignals {
  const ask = (name: string): number | undefined => {
    try {
      const out = execFileSync(binary, [`--signum=${name}`], {
        timeout: timeoutMs,
        shell: false,
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .toString()
        .trim();
      return /^\d+$/.test(out) && Number(out) > 0 && Number(out) < 65 ? Number(out) : undefined;
    } catch {
      return undefined;
    }
  };
  const data = ask('DATA');
  const stats = ask('STATS');
  if (data === undefined || stats === undefined) return LEGACY;
  const json = ask('JSON');
  return json === undefined ? { DATA: data, STATS: stats } : { DATA: data, STATS: stats, JSON: json };
}

/**
 * Reads keepalived's parent PID from its pid file and checks that the process is keepalived, so
 * a stale pid file never makes us signal an unrelated process that reused the PID.
 */
export async function keepalivedPid(pidFile: string, procRoot: string): Promise<number> {
  let text: string;
  try {
    text = await readSmall(pidFile);
  } catch (error) {
    throw new Error(`cannot read pid file ${pidFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: error,
    });
  }
  const pid = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || pid < 2) throw new Error(`pid file ${pidFile} does not hold a PID`);
  let comm: string;
  try {
    comm = (await readSmall(`${procRoot}/${pid}/comm`)).trim();
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
    if (code === 'EPERM')
      throw new Error(`not permitted to signal keepalived pid ${pid}: run as root or keepalived's user`, {
        cause: error,
      });
    if (code === 'ESRCH') throw new Error(`keepalived pid ${pid} exited`, { cause: error });
    throw error;
  }
}
