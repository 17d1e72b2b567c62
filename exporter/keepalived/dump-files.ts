import { stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openRegularFile, readRegularFile } from '../../common/io/regular-file.js';
import { keepalivedPid, sendSignal, type DumpSignals } from './signal.js';

/** keepalived dumps are small; anything larger is not a dump and is refused unread. */
const MAX_DUMP_BYTES = 32 * 1024 * 1024;
/** Kernel file times come from a coarse clock (a jiffy behind): accept this much slack. */
const MTIME_SLACK_MS = 20;
const POLL_MS = 10;

export interface SettledFile {
  readonly text: string;
  readonly mtimeMs: number;
}

/**
 * Reads a file keepalived may be rewriting in place: retries until size and mtime are the same
 * before and after the read, the content has that size and is whole: text dumps end with a
 * newline; JSON must parse (keepalived renames it into place, but a copying sidecar may not).
 * `notBeforeMs` additionally waits for a file written after that time (a fresh dump).
 */
export async function readSettled(
  file: string,
  deadline: number,
  options: { notBeforeMs?: number; json?: boolean } = {},
): Promise<SettledFile> {
  let lastProblem: string;
  for (;;) {
    try {
      const before = await stat(file);
      if (before.size > MAX_DUMP_BYTES) throw new Error(`${file} is larger than ${MAX_DUMP_BYTES} bytes`);
      if (options.notBeforeMs !== undefined && before.mtimeMs < options.notBeforeMs - MTIME_SLACK_MS) {
        lastProblem = 'no fresh dump';
      } else {
        const text = await readBounded(file);
        const after = await stat(file);
        const whole = options.json ? isCompleteJson(text) : text.endsWith('\n');
        if (
          after.size === before.size &&
          after.mtimeMs === before.mtimeMs &&
          Buffer.byteLength(text) === after.size &&
          whole
        ) {
          return { text, mtimeMs: after.mtimeMs };
        }
        lastProblem = whole
          ? 'file still being written'
          : options.json
            ? 'incomplete JSON'
            : 'no final newline (torn)';
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') {
        throw new Error(`cannot read ${file} (${code}): run as root or keepalived's user`, { cause: error });
      }
      if (code !== 'ENOENT') throw error;
      lastProblem = 'not found';
    }
    if (Date.now() + POLL_MS > deadline) throw new Error(`${file}: ${lastProblem} within the timeout`);
    await sleep(POLL_MS);
  }
}

/** A sidecar copying the JSON dump non-atomically can expose half a file: wait for all of it. */
function isCompleteJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Non-blocking open of a regular file only: a FIFO at the path fails at once (regular-file.ts). */
async function readBounded(file: string): Promise<string> {
  const handle = await openRegularFile(file);
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.min(size + 1, MAX_DUMP_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Which dump a consumer wants from a signalled keepalived. */
export type DumpKind = 'JSON' | 'DATA' | 'STATS';

export interface SignalledDaemon {
  readonly pidFile: string;
  /** keepalived's TMPDIR; "" = its environment's TMPDIR, else /tmp. */
  readonly dumpDir: string;
  readonly signals: DumpSignals;
  /** The procfs root (--path.procfs) its /proc/PID files are read under. */
  readonly procfs: string;
}

/** A request already sent recently is shared: several sources of one collection signal once. */
const COALESCE_MS = 250;

/**
 * Signals one keepalived daemon for dumps, once per dump kind per collection however many
 * sources want it, and resolves where its files are (through /proc/PID/root, so a daemon with a
 * private /tmp or in another mount namespace of the same PID namespace is read correctly).
 */
export class DumpRequester {
  private readonly recent = new Map<DumpKind, { at: number; result: Promise<SentDump> }>();

  constructor(readonly daemon: SignalledDaemon) {}

  request(kind: DumpKind): Promise<SentDump> {
    const now = Date.now();
    const last = this.recent.get(kind);
    if (last && now - last.at < COALESCE_MS) return last.result;
    const result = this.send(kind);
    this.recent.set(kind, { at: now, result });
    return result;
  }

  private async send(kind: DumpKind): Promise<SentDump> {
    const signal = this.daemon.signals[kind];
    if (signal === undefined)
      throw new Error('this keepalived was built without JSON support (no JSON signal)');
    const pid = await keepalivedPid(this.daemon.pidFile, this.daemon.procfs);
    const where = await dumpDirectory(path.join(this.daemon.procfs, String(pid)), this.daemon.dumpDir);
    const sentAtMs = Date.now();
    sendSignal(pid, signal);
    return { sentAtMs, ...where, pid };
  }
}

export interface SentDump {
  readonly sentAtMs: number;
  /** keepalived's dump directory as keepalived sees it. */
  readonly dir: string;
  /** `/proc/PID/root` when that view of keepalived's filesystem is readable, else "". */
  readonly root: string;
  readonly pid: number;
}

/** `proc` is the daemon's /proc/PID folder. */
async function dumpDirectory(proc: string, configured: string): Promise<{ dir: string; root: string }> {
  let dir = configured;
  if (dir === '') {
    dir = '/tmp';
    try {
      const environ = await readRegularFile(path.join(proc, 'environ'), {
        maxBytes: 1 << 20,
        encoding: 'utf8',
      });
      const tmp = environ.split('\0').find((entry) => entry.startsWith('TMPDIR='));
      if (tmp && tmp.length > 'TMPDIR='.length) dir = tmp.slice('TMPDIR='.length);
    } catch {
      // Not root / other user: keepalived's environment is private; /tmp is its default.
    }
  }
  const root = path.join(proc, 'root');
  try {
    await stat(path.join(root, dir));
    return { dir, root };
  } catch {
    return { dir, root: '' };
  }
}

/** Default file names keepalived writes into its TMPDIR for each dump kind. */
export const DEFAULT_FILES = {
  json: 'keepalived.json',
  data: 'keepalived.data',
  stats: 'keepalived.stats',
  checkData: 'keepalived_check.data',
} as const;
