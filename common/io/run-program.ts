/**
 * Runs a helper program (ipvsadm, ip) the way every source must: no shell, a time limit, a cap on
 * its output, and a failure that says which command failed and why in one line.
 *
 * Each program runs in its own process group and the whole group is killed when it is stopped:
 * a wrapper script that forks (`sleep`) or traps SIGTERM would otherwise leave orphans that
 * outlive the exporter, and keep its pipes (and so the exporter) open.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface RunOptions {
  readonly timeoutMs: number;
  readonly maxOutputBytes: number;
  /** The collection deadline: stops the program early, without a timeout message of its own. */
  readonly signal?: AbortSignal;
  /** Appended to "not found", e.g. the flag that names the binary. */
  readonly notFoundHint?: string;
  /** How stdout is decoded: latin1 (default) keeps the bytes of the kernel's tables as they are. */
  readonly encoding?: 'latin1' | 'utf8';
}

/** How long a stopped group gets to exit on SIGTERM before it is killed with SIGKILL. */
export const TERM_GRACE_MS = 200;

/** Only the first line of stderr is reported; the rest is not kept. */
const MAX_STDERR_BYTES = 4096;

/** Process groups still running, so they can be killed when the process exits. */
const running = new Set<ChildProcess>();

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** SIGTERM to the group, then SIGKILL after the grace: what is left of it cannot outlive us. */
function stopGroup(child: ChildProcess): void {
  signalGroup(child, 'SIGTERM');
  setTimeout(() => signalGroup(child, 'SIGKILL'), TERM_GRACE_MS).unref();
}

/** Kills every program group still running (at shutdown; also on process exit). */
export function killRunningPrograms(): void {
  for (const child of running) signalGroup(child, 'SIGKILL');
}

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', killRunningPrograms);
}

/** Resolves with the program's stdout; rejects with `command: why`. */
export function runProgram(file: string, args: readonly string[], options: RunOptions): Promise<string> {
  const command = [file, ...args].join(' ');
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new Error(`${command}: stopped`));
    installExitHook();
    const child = spawn(file, args, {
      detached: true,
      shell: false,
      windowsHide: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let failure: string | undefined;
    const stop = (why: string) => {
      failure ??= why;
      stopGroup(child);
    };
    const timer = setTimeout(() => stop(`no answer within ${options.timeoutMs} ms`), options.timeoutMs);
    const onAbort = () => stop('stopped');
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > options.maxOutputBytes) return stop(`output above ${options.maxOutputBytes} bytes`);
      stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_STDERR_BYTES) stderr += chunk.toString('utf8').slice(0, MAX_STDERR_BYTES);
    });
    let settled = false;
    const finish = (detail: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      running.delete(child);
      // The leader is gone; anything it forked into the group must go too.
      signalGroup(child, 'SIGKILL');
      if (detail === undefined) resolve(Buffer.concat(stdout).toString(options.encoding ?? 'latin1'));
      else reject(new Error(`${command}: ${detail}`));
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      const notFound = `not found${options.notFoundHint ? ` (${options.notFoundHint})` : ''}`;
      finish(error.code === 'ENOENT' ? notFound : error.message);
    });
    // 'exit', not 'close': a grandchild holding the pipes open must not delay the answer. The
    // pipes get a short grace to deliver what the leader wrote before it exited.
    child.on('exit', (code, signal) => {
      const detail = (): string | undefined =>
        failure ??
        (code === 0
          ? undefined
          : code !== null
            ? `exit ${code}: ${stderr.trim().split('\n')[0] ?? ''}`
            : `killed by ${signal ?? 'a signal'}`);
      let open = [child.stdout, child.stderr].filter((stream) => !stream.readableEnded).length;
      if (open === 0) return finish(detail());
      const drained = setTimeout(() => finish(detail()), TERM_GRACE_MS);
      for (const stream of [child.stdout, child.stderr]) {
        if (stream.readableEnded) continue;
        stream.once('end', () => {
          if (--open > 0) return;
          clearTimeout(drained);
          finish(detail());
        });
      }
    });
  });
}
