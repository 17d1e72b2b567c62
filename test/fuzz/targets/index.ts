/** Every fuzz target, one family per file. */
import type { FuzzTarget } from '../harness.js';
import { configTargets } from './config.js';
import { ipvsProcTargets } from './ipvs-proc.js';
import { ipvsadmTargets } from './ipvsadm.js';
import { keepalivedTargets } from './keepalived.js';
import { traceTarget } from './trace.js';
import { wireTargets } from './wire.js';

export const targets: readonly FuzzTarget[] = [
  ...ipvsProcTargets,
  ...ipvsadmTargets,
  ...keepalivedTargets,
  ...wireTargets,
  traceTarget,
  ...configTargets,
];
