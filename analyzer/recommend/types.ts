/**
 * The one result of `lvs-analyze recommend` (and `whatif`): everything every report needs (text,
 * JSON, the HTML report, the --textfile metrics), JSON-serialisable (no Maps, no typed arrays,
 * no Infinity: an overloaded queue is the string 'overloaded', a figure the model cannot give is
 * null). Schema: analyzer/recommendation.schema.json. Version rule: fields are only ever added;
 * a rename, a removal or a change of meaning bumps RECOMMENDATION_VERSION.
 */
import type { ForwardMethod, SchedulerName } from '../../common/ipvs/vocabulary.js';
import type { ModeCostReport } from '../cost/index.js';

export const RECOMMENDATION_VERSION = 1;

/** What the weight search and the ranking minimise (see objective.ts). */
export const OBJECTIVES = ['latency', 'balance', 'headroom'] as const;
export type Objective = (typeof OBJECTIVES)[number];

/** A queueing-delay quantile, ms; 'overloaded' when it falls among arrivals of an overloaded window; null without a queue model. */
export type DelayMs = number | 'overloaded' | null;

export interface ServerConfig {
  /** `ip:port` as ipvsadm prints it. */
  readonly server: string;
  readonly weight: number;
  readonly forward: ForwardMethod;
  /** -x / -y; 0 = unset. */
  readonly uThreshold: number;
  readonly lThreshold: number;
}

/** One service configuration: what ipvsadm -A/-a would set. */
export interface Configuration {
  readonly scheduler: SchedulerName;
  /** sh-fallback, sh-port, mh-fallback, mh-port (ipvsadm -b). */
  readonly flags: readonly string[];
  /** 0 = not persistent. */
  readonly persistenceSeconds: number;
  /** -M as ipvsadm prints it, when persistence groups clients by netmask. */
  readonly netmask?: string;
  /** In `ipvsadm -a` order (the kernel's list is the reverse). */
  readonly servers: readonly ServerConfig[];
}

/** Imbalance across servers (modes-and-capacity.md §6). */
export interface SpreadFigures {
  readonly peakToMean: number;
  readonly minToMax: number;
  readonly cv: number;
  readonly jain: number;
}

/** One real server (address) under one configuration. */
export interface ServerOutcome {
  readonly server: string;
  /** Relative speed, the fastest = 1. */
  readonly capacity: number;
  /** What the utilisation is relative to: busy workers, connections per second, or only relative load. */
  readonly utilisationBasis: 'workers' | 'connsPerSecond' | 'relative';
  readonly connections: number;
  readonly connectionShare: number;
  readonly meanActive: number;
  readonly peakActive: number;
  readonly meanUtilisation: number;
  readonly peakUtilisation: number;
  /** The highest mean over one measurement window. */
  readonly worstWindowUtilisation: number;
  /** null for a relative basis (no absolute capacity known). */
  readonly above80Seconds: number | null;
  readonly above100Seconds: number | null;
  readonly delayP50Ms: DelayMs;
  readonly delayP99Ms: DelayMs;
}

/** What one configuration does to the servers over the replayed timeline. */
export interface Outcome {
  /** The busiest server's highest step utilisation (sizing looks at this). */
  readonly peakUtilisation: number;
  readonly worstWindowUtilisation: number;
  /** Across servers: utilisation, new connections, time-weighted concurrency. */
  readonly utilisation: SpreadFigures;
  readonly newConnections: SpreadFigures;
  readonly concurrency: SpreadFigures;
  /** The worst server's time above 80 % / 100 %, seconds (null without absolute capacity). */
  readonly above80Seconds: number | null;
  readonly above100Seconds: number | null;
  /** The worst server's queueing delay quantiles. */
  readonly delayP50Ms: DelayMs;
  readonly delayP99Ms: DelayMs;
  /** e.g. `M/M/c (Erlang C), c = 64, per 60 s window`; null without a queue model. */
  readonly queueModel: string | null;
  /** Connections no server took. */
  readonly dropped: number;
  /** The objective's value (lower is better); comparable within one recommendation only. */
  readonly score: number;
  readonly servers: readonly ServerOutcome[];
}

export interface CandidateResult {
  /** 1 = best; the baseline has its own rank among the candidates. */
  readonly rank: number;
  /** e.g. `wlc 2:1`, `sh (sh-port) 1:1`. */
  readonly name: string;
  readonly config: Configuration;
  readonly outcome: Outcome;
  /** How the weights were found. */
  readonly weights: 'current' | 'capacity-proportional' | 'searched' | 'equal';
  /** Replays spent on this scheduler's weight search. */
  readonly evaluated: number;
}

/** Per-server utilisation over time, downsampled (≤ 300 points) for charts. */
export interface LoadSeries {
  /** Epoch ms of the first point. */
  readonly startMs: number;
  readonly stepMs: number;
  readonly servers: readonly { readonly server: string; readonly utilisation: readonly number[] }[];
}

/** One expected gain: baseline → recommended. */
export interface Gain {
  /** `p99 delay`, `peak utilisation`, `time above 100 %`, `Jain's index` ... */
  readonly figure: string;
  readonly unit: 'ms' | 'ratio' | 's' | 'index';
  readonly baseline: number | 'overloaded' | null;
  readonly recommended: number | 'overloaded' | null;
  /** Relative improvement (0.78 = 78 % better), null when not a number on both sides. */
  readonly improvement: number | null;
}

export const WARNING_KINDS = [
  'persistence-few-clients',
  'hash-skewed-clients',
  'server-too-slow',
  'thin-evidence',
  'no-capacity',
  'model',
] as const;
export type WarningKind = (typeof WARNING_KINDS)[number];

export interface Warning {
  readonly kind: WarningKind;
  readonly message: string;
  /** What to do instead, when there is something. */
  readonly alternative?: string;
}

export const WHATIF_KINDS = ['fail-return', 'weight-change', 'flash-crowd', 'add-server'] as const;
export type WhatIfKind = (typeof WHATIF_KINDS)[number];

export interface WhatIfScenario {
  readonly kind: WhatIfKind;
  /** For people: `10.0.0.2 fails at +600 s and returns at +1200 s`. */
  readonly description: string;
  /** The server concerned (fail-return, weight-change, add-server). */
  readonly server?: string;
  /** Offsets from the start of the timeline, seconds. */
  readonly atSeconds: number;
  readonly untilSeconds?: number;
  readonly weight?: number;
  /** flash-crowd: arrivals × factor. */
  readonly factor?: number;
  /** add-server: its relative capacity. */
  readonly capacity?: number;
}

/** One configuration through one scenario. */
export interface WhatIfRun {
  /** The candidate's name (the baseline, the recommendation, or another scheduler). */
  readonly name: string;
  readonly scheduler: SchedulerName;
  /** Connections whose server went away (fail-return) and had to reconnect elsewhere. */
  readonly connectionsMoved: number;
  /**
   * Seconds from the change (the return, the edit, the end of the crowd) until the servers'
   * concurrency share is back within 10 % of their capacity share; null = not within the
   * timeline (long-lived connections never rebalance under rr/wrr).
   */
  readonly secondsUntilBalanced: number | null;
  /** New connections the returning/added server took in its first 60 s. */
  readonly firstMinuteConnections?: number;
  /** sh/dh/mh: share of client keys whose server changed because of the event. */
  readonly remappedShare?: number;
  /** Over the scenario: the worst server's peak utilisation and p99 delay. */
  readonly peakUtilisation: number;
  readonly delayP99Ms: DelayMs;
  /** The worst imbalance (concurrency peak-to-mean against capacity) after the change. */
  readonly worstPeakToMean: number;
  readonly dropped: number;
}

export interface WhatIfResult {
  readonly scenario: WhatIfScenario;
  readonly runs: readonly WhatIfRun[];
  /** What the runs say, for people. */
  readonly findings: readonly string[];
}

/** Ready-to-apply output; nothing is ever applied by the tool. */
export interface ApplyCommands {
  /** `ipvsadm -E`/`-e`/`-a`/`-d` lines from the running to the recommended configuration. */
  readonly ipvsadmEdits: readonly string[];
  /** The whole service in `ipvsadm-save -n` form, for `ipvsadm -R`. */
  readonly ipvsadmRestore: readonly string[];
  /** A keepalived `virtual_server` block (`keepalived -t` accepts it). */
  readonly keepalived: string;
  /** When the forwarding mode changes: what the real servers need (VIP on lo, ARP sysctls, routes, MSS). */
  readonly realServers?: { readonly mode: string; readonly steps: readonly string[] };
}

export interface EstimatedFigure {
  /** What was estimated: `server capacity`, `lifetime`, `client mix` ... */
  readonly quantity: string;
  readonly value: string;
  /** From what: `Little's law over 1,440 samples`, `the pools file`, `assumed` ... */
  readonly from: string;
}

export interface Evidence {
  /** Where the history came from (`capture DIR`, `prometheus URL`, ...). */
  readonly source: string;
  /** How `--pool` was resolved. */
  readonly resolvedHow: string;
  readonly directors: readonly string[];
  /** Epoch ms. */
  readonly start: number;
  readonly end: number;
  readonly windowSeconds: number;
  /** History records (observations) and their interval. */
  readonly records: number;
  readonly intervalSeconds: number;
  /** New connections the history counts. */
  readonly connections: number;
  /** The replayed timeline. */
  readonly timeline: {
    readonly kind: 'generated' | 'sampled';
    readonly seed: number;
    readonly connections: number;
    readonly durationSeconds: number;
    readonly clients: number;
  };
  readonly estimated: readonly EstimatedFigure[];
  /** The workload model's evidence notes and what it could not show. */
  readonly notes: readonly string[];
  readonly unknown: readonly string[];
  /** Replays run and how long the whole recommendation took. */
  readonly replays: number;
  readonly elapsedMs: number;
}

export interface ServiceRecommendation {
  /** `ip:port` or `fwm:N`. */
  readonly service: string;
  /** The node_exporter service labels (proto, local_address, local_port, local_mark). */
  readonly labels: readonly [string, string, string, string];
  /** New connections per second in the history's busiest window. */
  readonly peakConnectionsPerSecond: number;
  /** `change`: apply the recommended configuration; `keep`: the gain is under --min-gain. */
  readonly verdict: 'change' | 'keep';
  /** One sentence: what to do and by how much it helps. */
  readonly summary: string;
  readonly baseline: CandidateResult;
  /** The top candidate (the baseline itself when the verdict is keep). */
  readonly recommended: CandidateResult;
  /** Every candidate, best first (the baseline included). */
  readonly candidates: readonly CandidateResult[];
  readonly gains: readonly Gain[];
  /** Why: when weights do not matter, when the scheduler matters more than the weights, ... */
  readonly explanations: readonly string[];
  readonly warnings: readonly Warning[];
  readonly series: { readonly baseline: LoadSeries; readonly recommended: LoadSeries };
  readonly whatif: readonly WhatIfResult[];
  readonly apply: ApplyCommands;
  /** The forwarding modes costed for the recorded traffic (analyzer/cost); absent when the recording cannot be costed. */
  readonly modes?: ModeCostReport;
}

export interface Recommendation {
  readonly version: typeof RECOMMENDATION_VERSION;
  /** RFC 3339. */
  readonly generatedAt: string;
  readonly pool: string;
  readonly objective: Objective;
  /** The smallest relative gain worth a change (below it: keep). */
  readonly minGain: number;
  readonly evidence: Evidence;
  readonly services: readonly ServiceRecommendation[];
  /** Pool-wide warnings (evidence, model). */
  readonly warnings: readonly Warning[];
}
