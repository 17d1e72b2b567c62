/**
 * The package as a user gets it: the working tree's files as git would ship them (tracked plus
 * untracked-but-not-ignored, so uncommitted work counts and dist/ or build/ never leak in),
 * copied to a fresh folder where `npm pack` runs its real `prepack` build, and the tarball
 * installed into a temporary prefix from the npm cache only (--offline: no network at all).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
export const ROOT = join(import.meta.dirname, '..', '..');

/** npm without its update check or telemetry-like chatter, and never the network. */
const NPM_ENV = {
  ...process.env,
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
  npm_config_offline: 'true',
};

/** Copies what a clean clone of the working tree holds into `stage`; node_modules is linked. */
export async function stageWorkingTree(stage: string): Promise<number> {
  const { stdout } = await exec('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    timeout: 20_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  // Files deleted in the working tree are still listed by --cached: a clone after commit lacks them.
  const files = stdout.split('\0').filter((file) => file !== '' && existsSync(join(ROOT, file)));
  for (const file of files) {
    mkdirSync(dirname(join(stage, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(stage, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(stage, 'node_modules'));
  return files.length;
}

export interface PackedFile {
  readonly path: string;
  readonly size: number;
  readonly mode: number;
}

export interface Packed {
  readonly tarball: string;
  /** Bytes of the .tgz. */
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly PackedFile[];
}

/** `npm pack` in the staged tree: runs prepack (the package build) like a publish would. */
export async function pack(stage: string, destination: string): Promise<Packed> {
  const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: stage,
    env: NPM_ENV,
    timeout: 240_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  // prepack's own output (tsc, the script banner) precedes npm's JSON on stdout.
  const json = stdout.slice(stdout.indexOf('\n[') + 1);
  const [result] = JSON.parse(json) as [
    { filename: string; size: number; unpackedSize: number; files: PackedFile[] },
  ];
  return {
    tarball: join(destination, result.filename),
    size: result.size,
    unpackedSize: result.unpackedSize,
    files: result.files,
  };
}

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  [key: string]: unknown;
}

/**
 * A lockfile for a project that depends on the tarball alone: the tarball's entry plus the
 * repository lock's non-dev entries (the same tree, hoisted the same way). The repository lock is
 * written without `resolved` (omit-lockfile-registry-resolved); the configured registry's tarball
 * address is put back so npm finds each tarball in its cache by address and integrity instead of
 * asking for package metadata the cache does not hold.
 */
function installLock(tarball: string, tarballName: string, registry: string): object {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const root = lock.packages[''];
  if (!root) throw new Error('package-lock.json has no root entry');
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, LockEntry> = {
    '': { name: 'lvscope-install-test', dependencies: { lvscope: `file:${tarballName}` } },
    'node_modules/lvscope': {
      ...root,
      resolved: `file:${tarballName}`,
      integrity,
      devDependencies: undefined,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev === true) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const resolved =
      entry.resolved ?? `${registry}${name}/-/${name.split('/').pop() ?? name}-${entry.version ?? ''}.tgz`;
    packages[path] = { ...entry, resolved };
  }
  return { name: 'lvscope-install-test', lockfileVersion: 3, requires: true, packages };
}

/** Installs the tarball into `prefix` (npm ci --offline); returns the installed package's folder. */
export async function installOffline(tarball: string, prefix: string): Promise<string> {
  const tarballName = 'lvscope.tgz';
  copyFileSync(tarball, join(prefix, tarballName));
  writeFileSync(
    join(prefix, 'package.json'),
    JSON.stringify({
      name: 'lvscope-install-test',
      private: true,
      dependencies: { lvscope: `file:${tarballName}` },
    }),
  );
  // The registry npm is configured with (the one `npm ci` filled the cache from), ending in "/".
  const { stdout: configured } = await exec('npm', ['config', 'get', 'registry'], {
    env: NPM_ENV,
    timeout: 20_000,
  });
  const registry = configured.trim().replace(/\/?$/, '/');
  writeFileSync(
    join(prefix, 'package-lock.json'),
    JSON.stringify(installLock(tarball, tarballName, registry)),
  );
  await exec('npm', ['ci', '--offline', '--no-audit', '--no-fund'], {
    cwd: prefix,
    env: NPM_ENV,
    timeout: 180_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return join(prefix, 'node_modules', 'lvscope');
}
