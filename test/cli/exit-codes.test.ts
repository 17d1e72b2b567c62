/**
 * Issue 12 §5: one exit status scheme for both programs (0 success, 1 runtime failure, 2 usage or
 * configuration error), --version, a --help whose reader goes away, settings checked before the
 * endpoint listens, and secrets without a default in --help. Both real programs from dist/;
 * the one that could listen uses loopback port 19801.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXPORTER, ROOT, T1 } from '../exporter/helpers.js';
import { run, tempDir } from '../support/process.js';

const ANALYZER = join(ROOT, 'dist/analyzer/main.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const dir = tempDir('exits-codes');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const badConfig = join(dir, 'bad.yml');
writeFileSync(badConfig, 'collector.timeout: 3\nno.such.key: 1\n');
const noNet = join(dir, 'procfs-without-net');
mkdirSync(noNet);
const ONCE = ['--once', `--path.procfs=${T1}`, '--no-collector.ipvs.ipvsadm'];

interface Case {
  readonly what: string;
  readonly program: string;
  readonly args: readonly string[];
  readonly code: number;
  /** What stderr (or stdout for success) must say. */
  readonly says?: string;
}

const CASES: readonly Case[] = [
  { what: 'exporter --once on the fixture', program: EXPORTER, args: ONCE, code: 0, says: 'node_ipvs_' },
  { what: 'exporter --version', program: EXPORTER, args: ['--version'], code: 0, says: VERSION },
  { what: 'analyzer --version', program: ANALYZER, args: ['--version'], code: 0, says: VERSION },
  {
    what: 'exporter unknown flag',
    program: EXPORTER,
    args: ['--bogus'],
    code: 2,
    says: "unknown option '--bogus'",
  },
  {
    what: 'analyzer unknown flag',
    program: ANALYZER,
    args: ['--bogus'],
    code: 2,
    says: "unknown option '--bogus'",
  },
  { what: 'analyzer unknown command', program: ANALYZER, args: ['nosuch'], code: 2, says: 'nosuch' },
  {
    what: 'exporter bad number',
    program: EXPORTER,
    args: [...ONCE, '--collector.timeout=soon'],
    code: 2,
    says: '--collector.timeout wants a number',
  },
  {
    what: 'exporter number beyond its maximum',
    program: EXPORTER,
    args: [...ONCE, '--collector.timeout=1e300'],
    code: 2,
    says: '--collector.timeout is at most 2147483, got 1e300',
  },
  {
    what: 'exporter bad --config file',
    program: EXPORTER,
    args: [...ONCE, `--config=${badConfig}`],
    code: 2,
    says: `${badConfig}:2:1: key "no.such.key": unknown option`,
  },
  {
    what: 'exporter missing --web.config.file, serving',
    program: EXPORTER,
    args: [
      `--path.procfs=${T1}`,
      '--web.listen-address=127.0.0.1:19801',
      `--web.config.file=${join(dir, 'none.yml')}`,
    ],
    code: 2,
    says: `--web.config.file: ENOENT: no such file or directory, open '${join(dir, 'none.yml')}'`,
  },
  {
    what: 'exporter missing --web.config.file, --once',
    program: EXPORTER,
    args: [...ONCE, `--web.config.file=${join(dir, 'none.yml')}`],
    code: 2,
    says: '--web.config.file',
  },
  {
    what: 'exporter bad sink setting, --once',
    program: EXPORTER,
    args: [...ONCE, '--influx.url=notaurl'],
    code: 2,
    says: 'influx.url: not a URL',
  },
  {
    what: 'exporter --path.procfs that does not exist',
    program: EXPORTER,
    args: ['--once', `--path.procfs=${join(dir, 'nowhere')}`],
    code: 2,
    says: `--path.procfs ${join(dir, 'nowhere')}: no such directory`,
  },
  {
    what: 'exporter --path.procfs without net/',
    program: EXPORTER,
    args: ['--once', `--path.procfs=${noNet}`],
    code: 2,
    says: `--path.procfs ${noNet}: holds no net/`,
  },
  {
    what: 'analyzer unreadable capture dir (runtime failure)',
    program: ANALYZER,
    args: ['workload', '--capture', join(dir, 'no-capture')],
    code: 1,
    says: join(dir, 'no-capture'),
  },
];

describe('exit status scheme', () => {
  it.each(CASES)(
    '$what → $code',
    async ({ program, args, code, says }) => {
      const result = await run(process.execPath, [program, ...args], { timeoutMs: 20_000 });
      expect(result.code, result.stderr).toBe(code);
      if (says !== undefined) expect(code === 0 ? result.stdout : result.stderr).toContain(says);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      // Nothing listened before the mistake was found.
      expect(result.stderr).not.toContain('msg=listening');
    },
    30_000,
  );
});

/** Runs `program --help` with its standard output closed at once, as `| head -1` ends up doing. */
function helpIntoClosedPipe(program: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [program, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('--help', () => {
  it.each([
    ['lvs-exporter', EXPORTER],
    ['lvs-analyze', ANALYZER],
  ])(
    '%s --help into a closed pipe: no stack trace, status 0',
    async (_name, program) => {
      const { code, stderr } = await helpIntoClosedPipe(program);
      expect(stderr).toBe('');
      expect(code).toBe(0);
    },
    30_000,
  );

  it('secret options show no default', async () => {
    const { stdout } = await run(process.execPath, [EXPORTER, '--help'], { timeoutMs: 15_000 });
    const secrets = ['--otlp.headers', '--otlp.metrics-headers', '--influx.password', '--influx.token'];
    for (const flag of secrets) {
      const line = stdout.split('\n').find((l) => l.trimStart().startsWith(`${flag} `));
      expect(line, flag).toBeDefined();
      expect(line, flag).not.toContain('(default:');
      expect(line, flag).toContain('unset by default');
    }
  }, 30_000);
});
