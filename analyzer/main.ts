#!/usr/bin/env node
import { Command } from '@commander-js/extra-typings';
import { simulateCommand } from './simulate/command.js';

/** lvs-analyze: offline analysis of LVS/IPVS configurations and traffic. */
const program = new Command('lvs-analyze')
  .description('Analyze LVS/IPVS configurations and traffic offline (kernel-faithful scheduler simulation).')
  .addCommand(simulateCommand());

await program.parseAsync(process.argv);
