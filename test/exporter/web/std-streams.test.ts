/**
 * quietOnBrokenPipe: a reader that goes away (`lvs-exporter --help | head -0`) ends the output
 * quietly with the program's own exit status, while a real write error (a full disk: /dev/full)
 * still makes the exit status 1. Real processes, real pipes.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPORTER, ROOT } from '../helpers.js';

const STREAMS = join(ROOT, 'dist/common/io/std-streams.js');

/** Runs node with stdout's reader closed at once; resolves with exit code and stderr. */
function withClosedStdout(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

// Writes more than a pipe holds, so the write must meet the closed reader.
const WRITER = `const { quietOnBrokenPipe } = await import(${JSON.stringify(STREAMS)}); quietOnBrokenPipe(); process.stdout.write('x'.repeat(1 << 20)); process.exitCode = 3;`;

describe('standard streams', () => {
  it('lvs-exporter --help into a closed pipe exits 0 without a stack trace', async () => {
    const result = await withClosedStdout([EXPORTER, '--help']);
    expect(result).toEqual({ code: 0, stderr: '' });
  });

  it('a closed reader keeps the exit status the program chose', async () => {
    const result = await withClosedStdout(['--input-type=module', '-e', WRITER]);
    expect(result).toEqual({ code: 3, stderr: '' });
  });

  it('a full disk is still an error (exit status 1)', async () => {
    const full = openSync('/dev/full', 'w');
    try {
      const code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['--input-type=module', '-e', WRITER.replace('process.exitCode = 3;', '')],
          {
            stdio: ['ignore', full, 'ignore'],
            timeout: 15_000,
          },
        );
        child.on('error', reject);
        child.on('close', resolve);
      });
      expect(code).toBe(1);
    } finally {
      closeSync(full);
    }
  });
});
