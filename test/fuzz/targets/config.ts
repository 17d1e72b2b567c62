/** Configuration files: the exporter's --config YAML and the analyzer's pools file. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigFileError, parseConfig } from '../../../exporter/core/config-file.js';
import { modules } from '../../../exporter/modules.js';
import { parsePoolsFile } from '../../../analyzer/inputs/pools/pools-file.js';
import { type FuzzTarget, ROOT, fixtures } from '../harness.js';

const specs = modules.flatMap((module) => module.options);

export const configTargets: FuzzTarget[] = [
  {
    name: 'exporter config',
    seeds: [readFileSync(join(ROOT, 'exporter/config.example.yml'))],
    run: (input) => {
      try {
        return { values: Object.fromEntries(parseConfig(input.toString('utf8'), 'lvs.yml', specs)) };
      } catch (error) {
        // The documented failure: every problem listed, each message bounded and printable.
        if (!(error instanceof ConfigFileError)) throw error;
        return {
          problems: error.problems.map((p) => ({
            line: p.line ?? 0,
            // As the message names it: `key "…"` (an empty key is a key too), else the file.
            field: p.key === undefined ? 'file' : `key "${p.key}"`,
            message: p.message,
          })),
        };
      }
    },
  },
  {
    name: 'pools file',
    seeds: fixtures(['analyzer/pools.example.yml']),
    run: (input) => parsePoolsFile(input.toString('utf8'), 'pools.yml'),
  },
];
