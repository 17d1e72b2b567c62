import { readdirSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../analyzer/kernel/director.js';
import { runSimulate } from '../../analyzer/cli/simulate.js';
import { TextOutput } from '../../common/io/text-output.js';

const DIR = fileURLToPath(new URL('../../fixtures/traces/', import.meta.url));

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('the example traces give their documented output', () => {
  const traces = readdirSync(DIR).filter((f) => f.endsWith('.trace'));
  it('there are examples to check', () => {
    expect(traces.length).toBeGreaterThanOrEqual(4);
  });
  for (const trace of traces) {
    it(trace, async () => {
      const out = sink();
      const err = sink();
      const code = await runSimulate(
        { trace: DIR + trace, format: 'csv', settings: DEFAULT_SETTINGS },
        new TextOutput(out.stream),
        err.stream,
      );
      expect(err.text()).toBe('');
      expect(code).toBe(0);
      expect(out.text()).toBe(readFileSync(DIR + trace.replace(/\.trace$/, '.expected.csv'), 'utf8'));
    });
  }
});
