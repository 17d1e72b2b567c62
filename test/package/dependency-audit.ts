/**
 * Holds package.json's dependency lists against what the code uses: a run-time dependency must
 * be imported at run time by the shipped code (the package build's files), a dev dependency by
 * tests, benches and tools, as a command in the scripts, or as a tsconfig `types` entry; every
 * package imported must be declared where its users will find it once installed.
 */

export type Finding =
  | 'unused dependency'
  | 'dependency used only by tests and tools'
  | 'dependency used only in types (erased from the emitted JavaScript)'
  | 'unused dev dependency'
  | 'dev dependency imported at run time by shipped code'
  | 'imported by shipped code but not declared in dependencies'
  | 'imported by tests or tools but not declared';

export interface DeclaredDependencies {
  /** `dependencies` and `optionalDependencies`: installed with the package. */
  readonly runtime: ReadonlySet<string>;
  readonly dev: ReadonlySet<string>;
}

export interface Uses {
  /** Packages the shipped code imports at run time. */
  readonly shippedRuntime: ReadonlySet<string>;
  /** Packages the shipped code imports for their types only. */
  readonly shippedTypes: ReadonlySet<string>;
  /** Packages tests, benches, tools and config files import (any way). */
  readonly dev: ReadonlySet<string>;
  /** Packages whose commands the scripts run, or whose types tsconfig loads. */
  readonly tooling: ReadonlySet<string>;
}

export interface AuditFinding {
  readonly name: string;
  readonly finding: Finding;
}

export function auditDependencies(declared: DeclaredDependencies, uses: Uses): AuditFinding[] {
  const findings: AuditFinding[] = [];
  const add = (name: string, finding: Finding) => findings.push({ name, finding });
  const usedByDev = (name: string) => uses.dev.has(name) || uses.tooling.has(name);
  for (const name of declared.runtime) {
    if (uses.shippedRuntime.has(name)) continue;
    if (uses.shippedTypes.has(name))
      add(name, 'dependency used only in types (erased from the emitted JavaScript)');
    else if (usedByDev(name)) add(name, 'dependency used only by tests and tools');
    else add(name, 'unused dependency');
  }
  for (const name of declared.dev) {
    if (uses.shippedRuntime.has(name)) add(name, 'dev dependency imported at run time by shipped code');
    else if (!usedByDev(name) && !uses.shippedTypes.has(name)) add(name, 'unused dev dependency');
  }
  for (const name of uses.shippedRuntime) {
    if (!declared.runtime.has(name) && !declared.dev.has(name))
      add(name, 'imported by shipped code but not declared in dependencies');
  }
  for (const name of new Set([...uses.dev, ...uses.shippedTypes])) {
    if (!declared.runtime.has(name) && !declared.dev.has(name))
      add(name, 'imported by tests or tools but not declared');
  }
  return findings.sort((a, b) => a.name.localeCompare(b.name) || a.finding.localeCompare(b.finding));
}

/** A known finding accepted for now: why, and the event that ends it. */
export interface DependencyException {
  readonly name: string;
  readonly finding: Finding;
  readonly reason: string;
  readonly until: string;
}

/** What is wrong with the exceptions: ones that no longer match a finding, or say too little. */
export function exceptionProblems(
  exceptions: readonly DependencyException[],
  findings: readonly AuditFinding[],
): string[] {
  const current = new Set(findings.map((finding) => `${finding.name}: ${finding.finding}`));
  return exceptions.flatMap((exception) => {
    const key = `${exception.name}: ${exception.finding}`;
    return [
      ...(current.has(key) ? [] : [`stale exception, remove it: ${key}`]),
      ...(exception.reason.trim().length < 20 ? [`${key}: give a reason`] : []),
      ...(exception.until.trim().length < 10 ? [`${key}: say until when`] : []),
    ];
  });
}
