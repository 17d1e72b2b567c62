/**
 * The host's files as the keepalived.conf expansion reads them (expandConfig's ConfFiles): the
 * exporter's keepalived sources and the analyzer's pool reader both follow includes through it.
 */
import { readdirSync } from 'node:fs';
import { readRegularFileSync } from '../io/regular-file.js';
import type { ConfFiles } from './parse-conf.js';

/** keepalived.conf files are a few KiB: a bigger include target is not a config and is not read. */
const MAX_CONF_BYTES = 4 << 20;

/**
 * keepalived.conf and its includes, read whole as keepalived reads them; like keepalived, only
 * regular files (a FIFO matched by an include glob would block the event loop forever).
 */
export const hostFiles: ConfFiles = {
  read: (file) => readRegularFileSync(file, MAX_CONF_BYTES),
  list: (dir) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
};
