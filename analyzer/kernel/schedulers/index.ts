import { DestinationHashing } from './dh.js';
import { WeightedFailover } from './fo.js';
import { LocalityLeastConnection } from './lblc.js';
import { LocalityLeastConnectionReplicated } from './lblcr.js';
import { LeastConnection } from './lc.js';
import { MaglevHashing } from './mh.js';
import { NeverQueue } from './nq.js';
import { WeightedOverflow } from './ovf.js';
import { RoundRobin } from './rr.js';
import type { SchedulerName } from '../../../common/ipvs/vocabulary.js';
import type { Scheduler, SchedulerSettings, ServiceView } from './scheduler.js';
import { ShortestExpectedDelay } from './sed.js';
import { SourceHashing } from './sh.js';
import { WeightedTwoChoices } from './twos.js';
import { WeightedLeastConnection } from './wlc.js';
import { WeightedRoundRobin } from './wrr.js';

export type { Scheduler, SchedulerSettings, ServiceView } from './scheduler.js';

/** Binds a scheduler to a service (the kernel's init_service), seeing the dests it has now. */
export function createScheduler(
  name: SchedulerName,
  svc: ServiceView,
  settings: SchedulerSettings,
): Scheduler {
  switch (name) {
    case 'rr':
      return new RoundRobin();
    case 'wrr':
      return new WeightedRoundRobin(svc);
    case 'lc':
      return new LeastConnection();
    case 'wlc':
      return new WeightedLeastConnection();
    case 'sed':
      return new ShortestExpectedDelay();
    case 'nq':
      return new NeverQueue();
    case 'fo':
      return new WeightedFailover();
    case 'ovf':
      return new WeightedOverflow();
    case 'lblc':
      return new LocalityLeastConnection(settings);
    case 'lblcr':
      return new LocalityLeastConnectionReplicated(settings);
    case 'dh':
      return new DestinationHashing(svc, settings.hashVariant);
    case 'sh':
      return new SourceHashing(svc, settings.hashVariant);
    case 'mh':
      return new MaglevHashing(svc);
    case 'twos':
      return new WeightedTwoChoices(settings.random32);
  }
}
