/**
 * Type-checks dashboard JSON against the SDK's schema types (schema-types.ts) with the
 * TypeScript compiler: each document becomes `const dashboard: DashboardJson = <the JSON>` in a
 * virtual file next to schema-types.ts, so object-literal checks apply (unknown fields, wrong
 * enum values, missing required fields, wrong types).
 */
import { join } from 'node:path';
import ts from 'typescript';
import { ROOT } from '../exporter/helpers.js';

const DIR = join(ROOT, 'test/dashboards');

/** Diagnostics per document name (`file.json:line: message`; line numbers are the JSON's). */
export function typeCheckDashboards(documents: ReadonlyMap<string, string>): Map<string, string[]> {
  const virtual = new Map<string, { name: string; text: string }>();
  for (const [name, json] of documents) {
    virtual.set(join(DIR, `__schema_check__${name.replace(/\W/g, '_')}.ts`), {
      name,
      // The JSON starts on line 2, so a diagnostic's line - 1 is the JSON's line.
      text: `import type { DashboardJson } from './schema-types.js';\nexport const dashboard: DashboardJson = ${json};\n`,
    });
  }
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (file) => virtual.has(file) || fileExists(file);
  host.readFile = (file) => virtual.get(file)?.text ?? readFile(file);
  host.getSourceFile = (file, language, ...rest) => {
    const doc = virtual.get(file);
    return doc ? ts.createSourceFile(file, doc.text, language) : getSourceFile(file, language, ...rest);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  const found = new Map<string, string[]>();
  for (const [file, { name }] of virtual) {
    const source = program.getSourceFile(file);
    const diagnostics = source ? ts.getPreEmitDiagnostics(program, source) : [];
    found.set(
      name,
      diagnostics.map((d) => {
        const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
        return `${name}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
      }),
    );
  }
  return found;
}
