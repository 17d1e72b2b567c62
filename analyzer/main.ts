#!/usr/bin/env node
import { Command, CommanderError } from '@commander-js/extra-typings';
import { simulateCommand } from './cli/simulate.js';
import { workloadCommand } from './cli/workload.js';

/** lvs-analyze: offline analysis of LVS/IPVS configurations and traffic. */
const program = new Command('lvs-analyze')
  .description('Analyze LVS/IPVS configurations and traffic offline (kernel-faithful scheduler simulation).')
  .addCommand(simulateCommand())
  .addCommand(workloadCommand());

// Usage errors exit with 2 (1 is simulate's "some trace lines were bad").
program.exitOverride();
for (const sub of program.commands) sub.exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (!(e instanceof CommanderError)) throw e;
  process.exitCode = e.exitCode === 0 ? 0 : 2;
}
