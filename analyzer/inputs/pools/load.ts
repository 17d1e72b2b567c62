/**
 * The thin reader: reads the files the flags name (`--pools FILE`, `--keepalived.config FILE`,
 * `--ipvsadm-save FILE` or `-` for standard input, `--pool SPEC`), hands their text to the pure
 * parsers, and merges what they describe (merge.ts). Then `resolvePool` picks the one `--pool`
 * selects.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { hostFiles } from '../../../common/keepalived/conf-files.js';
import { type ConfFiles, expandConfig } from '../../../common/keepalived/parse-conf.js';
import type { ParseIssue, Parsed } from '../../../common/parse/issue.js';
import { parseIpvsadmSave } from './ipvsadm-save.js';
import { poolsFromKeepalived } from './keepalived.js';
import { mergePools } from './merge.js';
import type { Pool } from './model.js';
import { parsePoolsFile } from './pools-file.js';
import { parseServiceSpec, servicePool } from './service-spec.js';

export interface PoolSources {
  /** `--pools FILE`: the YAML pools file. */
  readonly poolsFile?: string;
  /** `--keepalived.config FILE`: keepalived.conf, includes followed. */
  readonly keepalivedConfig?: string;
  /** keepalived's config_id for `@id` conditional lines; default, as keepalived, the short host name. */
  readonly keepalivedConfigId?: string;
  /** `--ipvsadm-save FILE`: `ipvsadm -S -n` output; `-` reads standard input. */
  readonly ipvsadmSave?: string;
  /** `--pool SPEC` values that are services (`tcp:ADDR:PORT`, `fwm:N`): a pool each. */
  readonly poolSpecs?: readonly string[];
}

/** File access, injectable for tests. */
export interface PoolFiles {
  read(file: string): string;
  stdin(): string;
  /** What keepalived.conf includes are read through. */
  readonly conf: ConfFiles;
}

export const hostPoolFiles: PoolFiles = {
  read: (file) => readFileSync(file, 'utf8'),
  stdin: () => readFileSync(0, 'utf8'),
  conf: hostFiles,
};

function unreadable(file: string, error: unknown): ParseIssue {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'unreadable';
  return { file, line: 0, field: 'file', message: `cannot read (${code})` };
}

/**
 * Every pool the given sources describe, merged; issues name file:line:key. A source that cannot
 * be read is one issue; the others are still read.
 */
export function loadPools(sources: PoolSources, files: PoolFiles = hostPoolFiles): Parsed<Pool[]> {
  const issues: ParseIssue[] = [];
  const lists: Pool[][] = [];
  const text = (file: string, read: () => string): string | undefined => {
    try {
      return read();
    } catch (error) {
      issues.push(unreadable(file, error));
      return undefined;
    }
  };

  if (sources.poolsFile !== undefined) {
    const file = sources.poolsFile;
    const content = text(file, () => files.read(file));
    if (content !== undefined) {
      const parsed = parsePoolsFile(content, file);
      lists.push(parsed.value);
      issues.push(...parsed.issues);
    }
  }
  if (sources.keepalivedConfig !== undefined) {
    const file = sources.keepalivedConfig;
    const configId = sources.keepalivedConfigId ?? os.hostname().split('.')[0] ?? '';
    const expanded = expandConfig(file, files.conf, configId);
    const parsed = poolsFromKeepalived(expanded.lines);
    lists.push(parsed.value);
    // The block nesting check cannot tell which include an unclosed brace was in: name the config.
    issues.push(...[...expanded.issues, ...parsed.issues].map((i) => (i.file ? i : { ...i, file })));
  }
  if (sources.ipvsadmSave !== undefined) {
    const stdin = sources.ipvsadmSave === '-';
    const file = stdin ? 'stdin' : sources.ipvsadmSave;
    const content = text(file, () => (stdin ? files.stdin() : files.read(file)));
    if (content !== undefined) {
      const parsed = parseIpvsadmSave(content, file);
      lists.push(parsed.value);
      issues.push(...parsed.issues);
    }
  }
  const specPools: Pool[] = [];
  for (const spec of sources.poolSpecs ?? []) {
    const key = parseServiceSpec(spec);
    if (typeof key === 'string')
      issues.push({ file: 'command line', line: 0, field: '--pool', message: key });
    else specPools.push(servicePool(key, `--pool ${spec}`));
  }
  lists.push(specPools);
  return { value: mergePools(lists), issues };
}
