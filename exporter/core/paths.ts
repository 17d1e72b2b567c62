/**
 * Where the host's files are, for every module (node_exporter's collector/paths.go): the procfs
 * root is global, so the IPVS readers and keepalived's process lookups (/proc/PID/root, environ,
 * comm) read the same tree.
 */
import { join } from 'node:path';
import { type Options, option } from './options.js';

export const PROCFS = option({
  name: 'path.procfs',
  kind: 'string',
  default: '/proc',
  description:
    'procfs mountpoint (as node_exporter); the IPVS files and keepalived process lookups are read under it',
});

/** A path under the configured procfs root: `procFilePath(options, 'net/ip_vs')`. */
export function procFilePath(options: Options, ...parts: string[]): string {
  return join(options.get(PROCFS), ...parts);
}
