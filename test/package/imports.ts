/**
 * The packages a TypeScript/JavaScript file uses, read with the TypeScript parser (no regular
 * expressions over source): static imports and re-exports, `import x = require()`, dynamic
 * `import()`, and `require.resolve()`, `createRequire(url).resolve()` or `import.meta.resolve()` of
 * a package's files. Type-only imports are told apart: they vanish from the emitted JavaScript, so
 * a package only they use is needed at build time, not at run time.
 */
import { builtinModules } from 'node:module';
import ts from 'typescript';

export interface PackageUse {
  /** The package's name: `@scope/name` or `name` (never a file inside it). */
  readonly name: string;
  /** True when every use in this file disappears from the emitted JavaScript. */
  readonly typeOnly: boolean;
}

const BUILTINS = new Set(builtinModules);

/** The package a bare specifier names, or undefined for relative paths, URLs and Node builtins. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:'))
    return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(specifier)) return undefined; // file:, data:, https: ...
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  if (name === undefined || BUILTINS.has(name)) return undefined;
  return name;
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // `import 'x'` runs x
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  if (!bindings || ts.isNamespaceImport(bindings)) return false;
  return bindings.elements.length > 0 && bindings.elements.every((element) => element.isTypeOnly);
}

function isResolveCall(callee: ts.Expression): boolean {
  // require.resolve('x'), createRequire(url).resolve('x') and import.meta.resolve('x')
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'resolve') return false;
  const target = callee.expression;
  return (
    (ts.isIdentifier(target) && target.text === 'require') ||
    ts.isMetaProperty(target) ||
    (ts.isCallExpression(target) &&
      ts.isIdentifier(target.expression) &&
      target.expression.text === 'createRequire')
  );
}

/** Every package `source` uses; a package used both ways counts as a run-time use. */
export function packageUses(fileName: string, source: string): PackageUse[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found = new Map<string, boolean>();
  const note = (specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return;
    const name = packageOf(specifier.text);
    if (name !== undefined) found.set(name, (found.get(name) ?? true) && typeOnly);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) note(node.moduleSpecifier, isTypeOnlyImport(node));
    else if (ts.isExportDeclaration(node)) note(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      note(node.moduleReference.expression, node.isTypeOnly);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument))
      note(node.argument.literal, true);
    else if (ts.isCallExpression(node)) {
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isDynamicImport || isRequire || isResolveCall(node.expression)) note(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return [...found].map(([name, typeOnly]) => ({ name, typeOnly }));
}
