/**
 * What `npm pack` ships, and that it installs and runs: the working tree staged as a clean clone,
 * packed with its real prepack build, checked file by file, installed into a temporary prefix
 * from the npm cache only, and both programs run from there on the bundled fixtures. The
 * installed systemd unit and default config are checked against the installed program.
 */
import { chmodSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { run, tempDir } from '../support/process.js';
import { type Packed, ROOT, installOffline, pack, stageWorkingTree } from './staged-package.js';
import { readTsconfig } from './tsconfig-files.js';

const INSTALL_TIMEOUT_MS = 300_000;
/** The tarball stays small (540 KiB): fixtures and dashboards bundled, screenshots and sources not. */
const MAX_TARBALL_BYTES = 768 * 1024;

const work = tempDir('package');
const stage = join(work, 'stage');
const prefix = join(work, 'prefix');
let packed: Packed;
let installed: string;
let shipped: Set<string>;
const bin = (name: string) => join(prefix, 'node_modules', '.bin', name);
const timings: string[] = [];

async function timed<T>(what: string, step: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await step();
  timings.push(`${what} ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

/** Every file under `dir` of the working tree, relative to the repository root. */
function treeFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

beforeAll(async () => {
  mkdirSync(stage);
  mkdirSync(prefix);
  await timed('stage', () => stageWorkingTree(stage));
  packed = await timed('npm pack (prepack build)', () => pack(stage, work));
  shipped = new Set(packed.files.map((file) => file.path));
  installed = await timed('npm ci --offline', () => installOffline(packed.tarball, prefix));
}, INSTALL_TIMEOUT_MS);

afterAll(() => {
  console.log(
    `package: ${packed?.size ?? '?'} B packed, ${packed?.unpackedSize ?? '?'} B unpacked, ` +
      `${packed?.files.length ?? '?'} files; ${timings.join(', ')}`,
  );
  rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  test('ships only the programs, their data files, the monitoring bundle and the license', () => {
    const allowed = [
      /^(package\.json|README\.md|LICENSE)$/,
      /^dist\/(common|exporter|analyzer)\/.+\.js$/,
      /^exporter\/config\.(schema\.json|example\.yml)$/,
      /^analyzer\/pools\.(schema\.json|example\.yml)$/,
      /^dashboards\/(grafana\/[^/]+\.json|alerts\/[^/]+\.yml|rules\/[^/]+\.yml|alertmanager\/[^/]+\.yml)$/,
      /^deploy\//,
      /^fixtures\/(procfs|recordings)\/mysql\//,
    ];
    expect([...shipped].filter((path) => !allowed.some((pattern) => pattern.test(path)))).toEqual([]);
    expect(packed.size).toBeLessThan(MAX_TARBALL_BYTES);
  });

  test('dist/ is exactly the package build: one .js per program source, no maps, tests or benches', () => {
    const build = readTsconfig(join(stage, 'tsconfig.build.json'));
    const expected = build.fileNames
      .map((file) => relative(stage, file))
      .filter((file) => !file.endsWith('.d.ts'))
      .map((file) => `dist/${file.replace(/\.ts$/, '.js')}`)
      .sort();
    expect(expected.length).toBeGreaterThan(50);
    expect([...shipped].filter((path) => path.startsWith('dist/')).sort()).toEqual(expected);
    const mapped = [...shipped]
      .filter((path) => path.startsWith('dist/'))
      .filter((path) => /^\/\/# sourceMappingURL=/m.test(readFileSync(join(installed, path), 'utf8')));
    expect(mapped).toEqual([]);
  });

  test('the data files, dashboards, rules, deploy/ and bundled fixtures of the tree are all there', () => {
    const wanted = [
      'LICENSE',
      'exporter/config.schema.json',
      'exporter/config.example.yml',
      'analyzer/pools.schema.json',
      'analyzer/pools.example.yml',
      ...treeFiles('deploy'),
      ...treeFiles('fixtures/procfs/mysql'),
      ...treeFiles('fixtures/recordings/mysql'),
      ...treeFiles('dashboards').filter((path) => !/^dashboards\/(src|grafana\/screenshots)\//.test(path)),
    ];
    expect(wanted.filter((path) => !shipped.has(path))).toEqual([]);
    expect(treeFiles('deploy')).toContain('deploy/lvs-exporter.service');
    expect(treeFiles('fixtures/recordings/mysql').length).toBeGreaterThan(0);
    expect([...shipped].filter((path) => path.startsWith('dashboards/src/'))).toEqual([]);
    const license = readFileSync(join(installed, 'LICENSE'), 'utf8');
    expect(license).toContain('Apache License');
    expect(license).toContain('Version 2.0');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { license: string };
    expect(manifest.license).toBe('Apache-2.0');
  });

  test('every "files" entry of package.json ships something', () => {
    const { files } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    const empty = files
      .filter((entry) => !entry.startsWith('!'))
      .filter((entry) => ![...shipped].some((path) => path === entry || path.startsWith(entry)));
    expect(empty).toEqual([]);
  });
});

describe('the installed package', () => {
  const fixture = () => join(installed, 'fixtures', 'procfs', 'mysql');
  const replay = join(ROOT, 'test', 'exporter', 'ipvsadm-replay.sh');

  test('lvs-exporter --version is the package version', async () => {
    const result = await run(bin('lvs-exporter'), ['--version'], { timeoutMs: 20_000 });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('0.1.0');
  });

  test('lvs-exporter --once prints the exposition of the installed MySQL fixture', async () => {
    const result = await run(
      bin('lvs-exporter'),
      ['--once', '--path.procfs', fixture(), '--collector.ipvs.conn', '--ipvsadm.path', replay],
      { env: { IPVSADM_REPLAY_DIR: join(fixture(), 'ipvsadm') }, timeoutMs: 30_000 },
    );
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    for (const source of ['ip_vs', 'ip_vs_stats', 'ip_vs_conn', 'ipvsadm_stats', 'ipvsadm_rate'])
      expect(result.stdout).toContain(`lvscope_source_up{source="${source}"} 1`);
    expect(result.stdout).toMatch(/^node_ipvs_backend_weight\{.*remote_address="172\.16\.1\.51".*\} 1$/m);
    expect(result.stdout).toMatch(/^node_ipvs_backend_weight\{.*remote_address="172\.16\.1\.7".*\} 1$/m);
  });

  test('the installed default config is accepted by the installed exporter', async () => {
    // deploy/exporter.yml as /etc/lvscope/exporter.yml, with the host paths pointed at the fixture
    // (the capture recorder runs only when serving: systemd-unit.test.ts covers it).
    const result = await run(
      bin('lvs-exporter'),
      [
        '--config',
        join(installed, 'deploy', 'exporter.yml'),
        '--once',
        '--path.procfs',
        fixture(),
        '--ipvsadm.path',
        replay,
        '--keepalived.pid-file=',
        '--keepalived.config=',
        '--capture.dir',
        join(work, 'capture'),
      ],
      { env: { IPVSADM_REPLAY_DIR: join(fixture(), 'ipvsadm') }, timeoutMs: 30_000 },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('lvscope_source_up{source="ip_vs_conn"} 1');
  });

  test('lvs-analyze --help lists its commands', async () => {
    const result = await run(bin('lvs-analyze'), ['--help'], { timeoutMs: 20_000 });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}simulate /m);
    expect(result.stdout).toMatch(/^ {2}workload /m);
  });

  test('lvs-analyze workload fits the installed MySQL recording', async () => {
    const capture = join(installed, 'fixtures', 'recordings', 'mysql', 'capture');
    const result = await run(bin('lvs-analyze'), ['workload', '--capture', capture, '--pool', 'mysql'], {
      timeoutMs: 60_000,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('172.16.1.18:3306  wrr, persistent 20 s');
    expect(result.stdout).toMatch(/^ {2}172\.16\.1\.7:3306 +route +1 /m);
    expect(result.stdout).toMatch(/^ {2}172\.16\.1\.51:3306 +route +1 /m);
  });

  test('the installed systemd unit, pointed at the installed bin, verifies clean', async () => {
    const unitDir = join(work, 'unit');
    mkdirSync(unitDir);
    const unit = readFileSync(join(installed, 'deploy', 'lvs-exporter.service'), 'utf8');
    expect(unit).toContain('ExecStart=/usr/local/bin/lvs-exporter ');
    const copy = join(unitDir, 'lvs-exporter.service');
    writeFileSync(
      copy,
      unit.replace('ExecStart=/usr/local/bin/lvs-exporter ', `ExecStart=${bin('lvs-exporter')} `),
    );
    chmodSync(copy, 0o644);
    const result = await run('systemd-analyze', ['verify', copy], { timeoutMs: 30_000 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
