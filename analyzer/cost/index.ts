/** The forwarding-mode cost model (modes-and-capacity.md §4): what the recommender imports. */
export type { Constraint } from './constraints.js';
export { costModes, type ModeCost, type ModeCostReport } from './cost.js';
export {
  CostInputError,
  type CostInput,
  type CostOptions,
  costInputFromWorkload,
  type Fact,
  type PerConnection,
} from './input.js';
export { type ForwardingMode, MODE_LABELS, MODES, modeOfForward } from './modes.js';
export { type Constant, type CostProfile, DEFAULT_COST_PROFILE } from './profile.js';
export { CostProfileError, loadCostProfile, parseCostProfile } from './profile-file.js';
export { modeCostText } from './text.js';
