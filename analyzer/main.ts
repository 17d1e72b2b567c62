#!/usr/bin/env node
/**
 * lvs-analyze: offline analysis of LVS/IPVS configurations and traffic.
 *
 * Exit status (the same scheme as lvs-exporter): 0 success; 1 a runtime failure (an input that
 * cannot be read or analysed, some trace lines bad, the output not written); 2 a usage error
 * (unknown command or flag, bad value, a trace file that cannot be opened).
 */
import { Command, CommanderError } from '@commander-js/extra-typings';
import { printable } from '../common/parse/printable.js';
import { quietOnBrokenPipe } from '../common/io/std-streams.js';
import { VERSION } from '../common/package.js';
import { recommendCommand } from './cli/recommend.js';
import { simulateCommand } from './cli/simulate.js';
import { whatifCommand } from './cli/whatif.js';
import { workloadCommand } from './cli/workload.js';

const EXIT_RUNTIME = 1;
const EXIT_USAGE = 2;

// Before anything is written: `lvs-analyze --help | head -1` ends quietly, without a stack trace.
quietOnBrokenPipe();

const program = new Command('lvs-analyze')
  .description('Analyze LVS/IPVS configurations and traffic offline (kernel-faithful scheduler simulation).')
  .version(VERSION)
  .addCommand(simulateCommand())
  .addCommand(workloadCommand())
  .addCommand(recommendCommand())
  .addCommand(whatifCommand());

program.exitOverride();
for (const sub of program.commands) sub.exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version end here with 0; every other commander error is a usage error.
    process.exitCode = e.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    // A failure no subcommand caught: one line, not a stack trace.
    process.stderr.write(`lvs-analyze: ${printable(e instanceof Error ? e.message : String(e), 1000)}\n`);
    process.exitCode = EXIT_RUNTIME;
  }
}
