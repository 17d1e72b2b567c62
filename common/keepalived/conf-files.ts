/**
 * The host's files as the keepalived.conf expansion reads them (expandConfig's ConfFiles): the
 * exporter's keepalived sources and the analyzer's pool reader both follow includes through it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { ConfFiles } from './parse-conf.js';

/** keepalived.conf files are a few KiB: a bigger include target is not a config and is not read. */
const MAX_CONF_BYTES = 4 << 20;

/** keepalived.conf and its includes, read whole as keepalived reads them. */
export const hostFiles: ConfFiles = {
  read: (file) => {
    if (statSync(file).size > MAX_CONF_BYTES) {
      throw Object.assign(new Error(`${file} is larger than ${MAX_CONF_BYTES} bytes`), { code: 'EFBIG' });
    }
    return readFileSync(file, 'utf8');
  },
  list: (dir) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
};
