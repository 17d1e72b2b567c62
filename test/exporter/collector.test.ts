import { describe, expect, it } from 'vitest';
import { SingleFlightCollector } from '../../exporter/core/collector.js';
import { createLogger } from '../../exporter/core/log.js';
import type { Source } from '../../exporter/core/source.js';

const lines: string[] = [];
const log = createLogger('debug', (line) => lines.push(line));

/** A source that counts its calls and answers after `delayMs` (abortable). */
function counting(name: string, delayMs: number, answer: 'up' | 'down' | 'throw' = 'up') {
  const source = {
    calls: 0,
    name,
    async collect(draft: Parameters<Source['collect']>[0], signal: AbortSignal) {
      source.calls++;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (answer === 'throw') throw new Error('broken source');
      draft.ipvs.perCpu = {
        cpus: [
          {
            cpu: name,
            totals: { conns: source.calls, inPackets: 0, outPackets: 0, inBytes: 0, outBytes: 0 },
          },
        ],
      };
      return { up: answer === 'up' && !signal.aborted, parseErrors: 0 };
    },
  };
  return source;
}

/** A source that ignores the abort signal and writes its slot late. */
function stubborn(delayMs: number): Source {
  return {
    name: 'stubborn',
    async collect(draft) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      draft.ipvs.table = { services: [] };
      return { up: true, parseErrors: 0 };
    },
  };
}

describe('SingleFlightCollector', () => {
  it('shares one collection among concurrent callers, and collects afresh afterwards', async () => {
    const source = counting('a', 50);
    const collector = new SingleFlightCollector([source], { timeoutMs: 1000, log });
    const [first, second, third] = await Promise.all([
      collector.collect(),
      collector.collect(),
      collector.collect(0),
    ]);
    expect(source.calls).toBe(1);
    expect(second).toBe(first);
    expect(third).toBe(first);
    const later = await collector.collect();
    expect(source.calls).toBe(2);
    expect(later).not.toBe(first);
  });

  it('hands out the last snapshot to a caller accepting its age, without any I/O', async () => {
    let now = 1_000_000;
    const source = counting('a', 1);
    const collector = new SingleFlightCollector([source], { timeoutMs: 1000, log, now: () => now });
    const first = await collector.collect();
    now += 4000;
    expect(await collector.collect(5000)).toBe(first);
    now += 2000;
    expect(await collector.collect(5000)).not.toBe(first);
    expect(source.calls).toBe(2);
  });

  it('reports a source past the deadline as down, and never merges what it writes late', async () => {
    const fast = counting('fast', 5);
    const collector = new SingleFlightCollector([fast, stubborn(300)], { timeoutMs: 100, log });
    const started = performance.now();
    const snapshot = await collector.collect();
    expect(performance.now() - started).toBeLessThan(250);
    expect(snapshot.sources.map((r) => [r.source, r.up, r.error])).toEqual([
      ['fast', true, undefined],
      ['stubborn', false, 'no result within 100 ms'],
    ]);
    expect(snapshot.ipvs.perCpu).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(snapshot.ipvs.table).toBeUndefined();
  });

  it('turns a throwing source into a down report and keeps the others', async () => {
    const collector = new SingleFlightCollector([counting('bad', 1, 'throw'), counting('good', 1)], {
      timeoutMs: 1000,
      log,
    });
    const snapshot = await collector.collect();
    expect(snapshot.sources.map((r) => [r.source, r.up, r.error])).toEqual([
      ['bad', false, 'broken source'],
      ['good', true, undefined],
    ]);
  });

  it('logs a source going down once at warn, then at debug, and its recovery at info', async () => {
    lines.length = 0;
    let answer: 'up' | 'down' = 'down';
    const flapping: Source = {
      name: 'flapping',
      collect: () =>
        Promise.resolve({ up: answer === 'up', parseErrors: 0, ...(answer === 'down' && { error: 'gone' }) }),
    };
    const collector = new SingleFlightCollector([flapping], { timeoutMs: 1000, log });
    await collector.collect();
    await collector.collect();
    answer = 'up';
    await collector.collect();
    expect(lines.map((line) => /level=(\w+) msg=("[^"]*"|\S+)/.exec(line)?.slice(1).join(' '))).toEqual([
      'warn "source down"',
      'debug "source still down"',
      'info "source back up"',
    ]);
  });
});
