/**
 * Runs a helper program (ipvsadm, ip) the way every source must: no shell, a time limit, a cap on
 * its output, and a failure that says which command failed and why in one line.
 */
import { execFile } from 'node:child_process';

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

/** Resolves with the program's stdout; rejects with `command: why`. */
export function runProgram(file: string, args: readonly string[], options: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        encoding: options.encoding ?? 'latin1',
        timeout: options.timeoutMs,
        maxBuffer: options.maxOutputBytes,
        signal: options.signal,
        shell: false,
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const { code, killed } = error as { code?: number | string; killed?: boolean };
        const detail =
          code === 'ENOENT'
            ? `not found${options.notFoundHint ? ` (${options.notFoundHint})` : ''}`
            : killed && !options.signal?.aborted
              ? `no answer within ${options.timeoutMs} ms`
              : typeof code === 'number'
                ? `exit ${code}: ${stderr.trim().split('\n')[0] ?? ''}`
                : error.message;
        reject(new Error(`${[file, ...args].join(' ')}: ${detail}`));
      },
    );
  });
}
