/**
 * Standard output and error for the command-line programs: a reader that goes away early
 * (`lvs-exporter --help | head -1`, `lvs-analyze simulate ... | head`, a closed terminal) makes
 * the next write fail with EPIPE, which Node reports as an 'error' event on the stream; without
 * a listener that event kills the process with a stack trace. Here it just ends that output
 * quietly, as a Unix tool does: the exit status stays what the program decided. Any other write
 * error (a full disk behind `> file`) makes the exit status 1, with one line on stderr saying so
 * rather than a stack trace.
 */
const QUIET = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

let installed = false;

/** Installs the listeners once per process, before anything is written. */
export function quietOnBrokenPipe(): void {
  if (installed) return;
  installed = true;
  for (const [stream, name] of [
    [process.stdout, 'standard output'],
    [process.stderr, 'standard error'],
  ] as const) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (QUIET.has(error.code ?? '')) return;
      process.exitCode = 1;
      if (stream !== process.stderr) process.stderr.write(`cannot write ${name}: ${error.message}\n`);
    });
  }
}
