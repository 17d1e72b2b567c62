/**
 * Every dependency in package.json is used where it is declared: run-time dependencies by the
 * shipped code (tsconfig.build.json's files), dev dependencies by tests, benches, tools, the
 * scripts' commands or tsconfig's types. Known exceptions live in dependency-exceptions.json, each
 * with a reason and the event that ends it; an exception that no longer matches fails too.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  type AuditFinding,
  type DependencyException,
  auditDependencies,
  exceptionProblems,
} from './dependency-audit.js';
import { packageUses } from './imports.js';
import { readTsconfig } from './tsconfig-files.js';

const ROOT = join(import.meta.dirname, '..', '..');

interface PackageJson {
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly scripts?: Record<string, string>;
  readonly bin?: string | Record<string, string>;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const pkg = readJson<PackageJson>(join(ROOT, 'package.json'));
const exceptions = readJson<DependencyException[]>(join(import.meta.dirname, 'dependency-exceptions.json'));

const tsconfig = (name: string) => readTsconfig(join(ROOT, name));

/** JavaScript files tsconfig.json does not cover: root config files and test helpers in .js. */
function javascriptFiles(dir: string, depth = 0): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return depth === 0 && ['node_modules', 'dist', 'build', 'fixtures', '.git'].includes(entry.name)
        ? []
        : javascriptFiles(path, depth + 1);
    return /\.(c|m)?js$/.test(entry.name) ? [path] : [];
  });
}

function usesOf(files: readonly string[]): Map<string, boolean> {
  const uses = new Map<string, boolean>();
  for (const file of files) {
    for (const use of packageUses(file, readFileSync(file, 'utf8')))
      uses.set(use.name, (uses.get(use.name) ?? true) && use.typeOnly);
  }
  return uses;
}

/** Packages whose commands a script runs (a word that is one of the package's bin names). */
function commandPackages(declared: readonly string[], scripts: readonly string[]): Set<string> {
  const words = new Set(scripts.flatMap((script) => script.split(/[\s;&|()"'`]+/)));
  const found = new Set<string>();
  for (const name of declared) {
    const manifest = join(ROOT, 'node_modules', name, 'package.json');
    if (!existsSync(manifest)) continue; // an optional dependency this platform skipped: no commands
    const { bin } = readJson<PackageJson>(manifest);
    const bins = typeof bin === 'string' ? [name.split('/').pop() ?? name] : Object.keys(bin ?? {});
    if (bins.some((command) => words.has(command) || words.has(`node_modules/.bin/${command}`)))
      found.add(name);
  }
  return found;
}

function currentFindings(): AuditFinding[] {
  const build = tsconfig('tsconfig.build.json');
  const dev = tsconfig('tsconfig.json');
  const shipped = new Set(build.fileNames);
  const shippedUses = usesOf(build.fileNames);
  const devFiles = [...dev.fileNames.filter((file) => !shipped.has(file)), ...javascriptFiles(ROOT)];
  const runtime = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})];
  const devDeclared = Object.keys(pkg.devDependencies ?? {});
  const scripts = [...Object.values(pkg.scripts ?? {}), readFileSync(join(ROOT, '.ci', 'run'), 'utf8')];
  const types = (dev.options.types ?? []).map((name) => `@types/${name}`);
  return auditDependencies(
    { runtime: new Set(runtime), dev: new Set(devDeclared) },
    {
      shippedRuntime: new Set([...shippedUses].filter(([, typeOnly]) => !typeOnly).map(([name]) => name)),
      shippedTypes: new Set([...shippedUses].filter(([, typeOnly]) => typeOnly).map(([name]) => name)),
      dev: new Set(usesOf(devFiles).keys()),
      tooling: new Set([...commandPackages([...runtime, ...devDeclared], scripts), ...types]),
    },
  );
}

describe('package.json dependencies', () => {
  const findings = currentFindings();
  const key = (f: { name: string; finding: string }) => `${f.name}: ${f.finding}`;
  const excepted = new Set(exceptions.map(key));

  test('every dependency is used where it is declared (exceptions aside)', () => {
    expect(findings.filter((finding) => !excepted.has(key(finding))).map(key)).toEqual([]);
  });

  test('every exception still matches a finding and says why and until when', () => {
    // Printed on every run so an exemption is never silent.
    for (const exception of exceptions)
      console.warn(`dependency exception: ${key(exception)} (${exception.reason}; until ${exception.until})`);
    expect(exceptionProblems(exceptions, findings)).toEqual([]);
  });

  test('an exception that no longer matches, or gives no reason, is reported', () => {
    const chart = { name: 'chart.js', finding: 'dependency used only by tests and tools' } as const;
    const problems = exceptionProblems(
      [
        { ...chart, reason: 'the HTML report will import it at run time', until: 'the HTML report lands' },
        { name: 'left-pad', finding: 'unused dependency', reason: 'short', until: '' },
      ],
      [{ name: 'left-pad', finding: 'unused dependency' }],
    );
    expect(problems).toEqual([
      'stale exception, remove it: chart.js: dependency used only by tests and tools',
      'left-pad: unused dependency: give a reason',
      'left-pad: unused dependency: say until when',
    ]);
  });

  test('the scanner sees the ways this tree imports packages', () => {
    const source = [
      "import type { A } from '@scope/types-only';",
      "import { type B, c } from 'mixed';",
      "import { type D } from 'all-type-specifiers';",
      "export * from 're-export/sub/path';",
      "import 'side-effect';",
      "const m = await import('dynamic');",
      "const p = require.resolve('resolved/file.js');",
      "const q = createRequire(import.meta.url).resolve('created-require');",
      "const r = import.meta.resolve('meta-resolved');",
      "import { readFile } from 'node:fs'; import path from 'path'; import x from './local.js';",
      "type T = import('type-query').T;",
    ].join('\n');
    const uses = Object.fromEntries(packageUses('probe.ts', source).map((use) => [use.name, use.typeOnly]));
    expect(uses).toEqual({
      '@scope/types-only': true,
      mixed: false,
      'all-type-specifiers': true,
      're-export': false,
      'side-effect': false,
      dynamic: false,
      resolved: false,
      'created-require': false,
      'meta-resolved': false,
      'type-query': true,
    });
  });

  test('the audit reports each kind of misplaced or unused dependency', () => {
    const found = auditDependencies(
      { runtime: new Set(['used', 'types', 'tests', 'nothing']), dev: new Set(['cli', 'shipped', 'idle']) },
      {
        shippedRuntime: new Set(['used', 'shipped', 'undeclared']),
        shippedTypes: new Set(['types']),
        dev: new Set(['tests', 'stray']),
        tooling: new Set(['cli']),
      },
    );
    expect(found.map(key)).toEqual([
      'idle: unused dev dependency',
      'nothing: unused dependency',
      'shipped: dev dependency imported at run time by shipped code',
      'stray: imported by tests or tools but not declared',
      'tests: dependency used only by tests and tools',
      'types: dependency used only in types (erased from the emitted JavaScript)',
      'undeclared: imported by shipped code but not declared in dependencies',
    ]);
  });

  test('the shipped file set is the package build', () => {
    // The audit is only as good as its idea of "shipped": the package build's own file list.
    const shipped = tsconfig('tsconfig.build.json').fileNames.map((file) => relative(ROOT, file));
    expect(shipped).toContain('exporter/main.ts');
    expect(shipped).toContain('analyzer/main.ts');
    expect(shipped.filter((file) => /^(test|bench|dashboards)\//.test(file))).toEqual([]);
  });
});
