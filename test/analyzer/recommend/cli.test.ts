/**
 * The built CLI (dist/analyzer/main.js) end to end: `recommend --pool mysql` with no data
 * arguments reads the bundled real-kernel recording and prints a numbered recommendation in a few
 * seconds; JSON output validates; whatif runs; the textfile appears; no progress bar without a
 * terminal; usage errors exit 2 naming the flag, unreadable history exits non-zero naming the path.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLED_CAPTURE } from '../../../analyzer/cli/inputs.js';
import { PACKAGE_ROOT } from '../../../common/package.js';
import type { Recommendation } from '../../../analyzer/recommend/types.js';
import { run, tempDir } from '../../support/process.js';

const CLI = join(PACKAGE_ROOT, 'dist/analyzer/main.js');
const built = existsSync(CLI);
const bundled = existsSync(BUNDLED_CAPTURE);
if (!built) console.warn(`${CLI} not built (npx tsc -p tsconfig.build.json): the CLI tests cannot run`);

const analyze = (...args: string[]) => run(process.execPath, [CLI, ...args], { timeoutMs: 120_000 });

describe.runIf(built)('lvs-analyze recommend', () => {
  const dir = tempDir('recommend-cli');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.runIf(bundled)(
    'with no data arguments: the bundled recording, a numbered recommendation, in seconds',
    async () => {
      const started = performance.now();
      const { code, stdout, stderr } = await analyze('recommend', '--pool', 'mysql');
      const seconds = (performance.now() - started) / 1000;
      console.log(`recommend --pool mysql on the bundled recording: ${seconds.toFixed(1)} s`);
      expect(code, stderr).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toMatch(/^lvs-analyze recommend — pool mysql/);
      expect(stdout).toContain('172.16.1.18:3306  (wrr 1:1 now)');
      for (const n of [1, 2, 3, 4, 5]) expect(stdout).toMatch(new RegExp(`^${n}\\. `, 'm'));
      expect(stdout).toMatch(/Commands \(nothing has been applied\)/);
      expect(stdout).toMatch(/persistence \(-p 20\)/);
      expect(seconds).toBeLessThan(60);
    },
    120_000,
  );

  it.runIf(bundled)(
    '--format json: the versioned Recommendation, valid against its schema, no progress on stderr',
    async () => {
      const textfile = join(dir, 'rec.prom');
      const { code, stdout, stderr } = await analyze(
        'recommend',
        '--format',
        'json',
        '--textfile',
        textfile,
        '--whatif',
        'fail:172.16.1.51@60-120',
      );
      expect(code, stderr).toBe(0);
      expect(stderr).toBe('');
      const doc = JSON.parse(stdout) as Recommendation;
      const schema = JSON.parse(
        readFileSync(join(PACKAGE_ROOT, 'analyzer/recommendation.schema.json'), 'utf8'),
      ) as object;
      const validate = new Ajv({ allErrors: true }).compile(schema);
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
      expect(doc.version).toBe(1);
      expect(doc.evidence.source).toContain('fixtures/recordings/mysql/capture');
      expect(doc.services[0]?.whatif[0]?.scenario.kind).toBe('fail-return');
      expect(readFileSync(textfile, 'utf8')).toContain('lvscope_recommendation_service_mismatch{');
    },
    120_000,
  );

  it.runIf(bundled)(
    'whatif: the default scenarios, numbered',
    async () => {
      const { code, stdout, stderr } = await analyze(
        'whatif',
        '--pool',
        'mysql',
        '--output',
        join(dir, 'whatif.txt'),
      );
      expect(code, stderr).toBe(0);
      const text = readFileSync(join(dir, 'whatif.txt'), 'utf8');
      expect(stdout).toBe('');
      expect(text).toMatch(/^1\. 172\.16\.1\.7:3306 fails at \+\d+ s and returns at \+\d+ s$/m);
      expect(text).toMatch(/^2\. arrivals × 3 from/m);
    },
    120_000,
  );

  it('usage errors exit 2 and name the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['recommend', '--objective', 'fast'], /--objective/],
      [['recommend', '--min-gain', '2'], /--min-gain: "2" is not a share/],
      [['recommend', '--search', '-1'], /--search/],
      [['recommend', '--whatif', 'explode:now'], /--whatif "explode:now": unknown scenario/],
      [['recommend', '--whatif', 'fail:10.9.9.9'], /10\.9\.9\.9 is not a server of the pool/],
      [['recommend', '--whatif', 'crowd:\u001b[31mx3'], /\\x1b\[31mx3/],
      [
        ['recommend', '--capture', join(dir, 'a'), '--prometheus', 'http://127.0.0.1:19201'],
        /read one history at a time/,
      ],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await analyze(...args);
      expect(code, `${args.join(' ')}: ${stderr}`).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr.length).toBeLessThan(2000);
    }
  }, 120_000);

  it('a history that cannot be read exits non-zero and names it', async () => {
    const missing = join(dir, 'no-such-capture');
    const { code, stderr } = await analyze('recommend', '--capture', missing);
    expect(code).not.toBe(0);
    expect(stderr).toContain(missing);
  }, 60_000);
});
