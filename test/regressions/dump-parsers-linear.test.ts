/**
 * Issue 12 §4: super-linear regular expressions in the keepalived dump parsers (the data dump's
 * key/value split was cubic: 63 s for one line; the section header match quadratic in tabs; the
 * stats line with a CR quadratic), and `ip -j addr` output with `null` entries (a TypeError).
 * The bounds are generous (the old parsers took seconds to minutes on these lines); the lines
 * stay within MAX_DUMP_LINE_CHARS so they are parsed, not refused for their length.
 */
import { describe, expect, it } from 'vitest';
import { parseCheckData } from '../../common/keepalived/parse-check-data.js';
import { parseDataDump } from '../../common/keepalived/parse-data.js';
import { parseIpAddrJson } from '../../common/keepalived/parse-ip-addr.js';
import { parseStatsDump } from '../../common/keepalived/parse-stats.js';

const topology = '------< VRRP Topology >------\n VRRP Instance = VI_1\n';

function timed<T>(parse: () => T): { result: T; ms: number } {
  const started = performance.now();
  const result = parse();
  return { result, ms: performance.now() - started };
}

describe('keepalived dump parsers run in linear time', () => {
  it('data dump: a key without separator followed by 4,000 spaces', () => {
    const { ms } = timed(() => parseDataDump(`${topology}   a${' '.repeat(4000)}b\n`, 'k.data'));
    expect(ms).toBeLessThan(250);
  });

  it('data and checker dumps: a section header of 4,000 tabs', () => {
    const line = `-<${'\t'.repeat(4000)}x\n`;
    expect(timed(() => parseDataDump(line, 'k.data')).ms).toBeLessThan(250);
    expect(timed(() => parseCheckData(line, 'k_check.data')).ms).toBeLessThan(250);
  });

  it('stats dump: a counter line with spaces before a CR (within and beyond the line bound)', () => {
    for (const spaces of [4000, 30_000]) {
      const text = `VRRP Instance: VI_1\n  Advertisements:\n    Received:${' '.repeat(spaces)}\r x\n`;
      const { result, ms } = timed(() => parseStatsDump(text, 'k.stats'));
      expect(ms).toBeLessThan(250);
      expect(result.issues.length).toBeGreaterThan(0);
    }
  });

  it('refuses a 64k-character line with an issue naming it, quickly', () => {
    const { result, ms } = timed(() => parseDataDump(`${topology}${'\t'.repeat(65536)}\n`, 'k.data'));
    expect(ms).toBeLessThan(250);
    expect(result.issues).toContainEqual({
      file: 'k.data',
      line: 3,
      field: 'line',
      message: 'longer than 4096 characters',
    });
  });
});

describe('ip -j addr with null entries', () => {
  it('reports `[null]` and `addr_info: [null]` as issues', () => {
    expect(parseIpAddrJson('[null]', 'ip -j addr')).toEqual({
      value: [],
      issues: [{ file: 'ip -j addr', line: 0, field: '[0]', message: 'link without ifname or addr_info' }],
    });
    const parsed = parseIpAddrJson(
      '[{"ifname":"eth0","addr_info":[null,{"local":"192.0.2.1"}]}]',
      'ip -j addr',
    );
    expect(parsed.value).toEqual([{ address: '192.0.2.1', intf: 'eth0' }]);
    expect(parsed.issues).toEqual([
      {
        file: 'ip -j addr',
        line: 0,
        field: '[0](eth0).addr_info',
        message: 'entry without a valid local address',
      },
    ]);
  });
});
