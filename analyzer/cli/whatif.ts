/**
 * `lvs-analyze whatif --pool NAME [SCENARIO...]`: the running and the recommended configuration
 * (and wrr/wlc for contrast after a failure) through failures, weight changes, flash crowds and
 * new servers, replayed on the recorded workload. Without a scenario: the pool's first server
 * fails for the middle third of the history, and arrivals triple for a minute at its middle.
 * Exit codes as recommend's.
 */
import { Command } from '@commander-js/extra-typings';
import { whatIfText } from '../report/recommend-text.js';
import type { WorkloadModel } from '../workload/model.js';
import { addHistoryOptions } from './inputs.js';
import { addRecommendOptions, outputOf, runRecommend } from './recommend.js';

function defaultScenarios(m: WorkloadModel): string[] {
  const first = m.services[0]?.servers[0]?.server;
  const seconds = Math.floor((m.end - m.start) / 1000);
  return [...(first ? [`fail:${first}`] : []), `crowd:x3@${Math.floor(seconds / 2)}+60`];
}

export function whatifCommand() {
  const command = addHistoryOptions(
    new Command('whatif').description(
      'Replay failures, weight changes, flash crowds and added servers on the recorded workload: connections moved, time until balanced, remapped clients, peak load and p99 delay.',
    ),
  ).argument(
    '[scenario...]',
    'fail:SERVER[@AT[-UNTIL]], weight:SERVER=W[@AT], crowd:xN[@AT][+SECONDS], add:ADDR[=CAPACITY][@AT] (seconds from the start)',
  );
  return addRecommendOptions(command).action(async (scenario, options) => {
    process.exitCode = await runRecommend(
      { ...options, whatif: scenario },
      outputOf(options.output),
      process.stderr,
      { command: 'whatif', report: whatIfText, defaultWhatif: defaultScenarios },
    );
  });
}
