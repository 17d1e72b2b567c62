/**
 * The workload model of a pool, fitted from its history (fit.ts) and printed by
 * `lvs-analyze workload` (report/workload.ts, JSON schema version WORKLOAD_VERSION). Every
 * figure carries how it was obtained; a quantity the recording cannot show is absent with the
 * reason in `unknown`, never a guessed 0. The replay (the next stage) draws connections from it.
 */

export const WORKLOAD_VERSION = 1;

/** A figure and the 95 % confidence interval the recording supports (absent: one value only). */
export interface Estimate {
  readonly value: number;
  readonly ci95?: readonly [number, number];
}

export interface RateWindow {
  /** Window start, epoch ms. */
  readonly t: number;
  /** New connections per second in the window. */
  readonly perSecond: number;
}

export interface ArrivalModel {
  readonly meanPerSecond: number;
  /** The busiest window. */
  readonly peakPerSecond: number;
  readonly peakToMean: number;
  /** Windows of `windowSeconds`, oldest first. */
  readonly windows: readonly RateWindow[];
  readonly windowSeconds: number;
  /** Mean rate per hour of the day (UTC), when the history covers at least a day. */
  readonly hourly?: readonly number[];
  /** Total new connections in the history. */
  readonly connections: number;
}

export interface LifetimeModel {
  /** Little's law: mean concurrency ÷ new-connection rate, seconds. */
  readonly littleSeconds?: Estimate;
  /**
   * From sampled connection entries seen open at one read of the connection table and closing at
   * a later one (captures with --capture.conn-sample): each lifetime is bracketed by the table
   * read before the one that first shows it open and by its closing state's timer.
   */
  readonly sampled?: {
    readonly meanSeconds: number;
    /** Connections whose lifetime was bracketed. */
    readonly connections: number;
    /** Connections first seen already closing: opened and closed between two table reads. */
    readonly shorterThanInterval: number;
    /** Mean width of the brackets, seconds: how well the table reads pin a lifetime down. */
    readonly resolutionSeconds?: number;
    /** From the spread of the bracketed lifetimes (absent under 2 connections). */
    readonly ci95?: readonly [number, number];
  };
  /** The lifetime the replay draws for this server, which estimate it is, and why that one. */
  readonly chosen?: {
    readonly seconds: number;
    readonly from: 'little' | 'sampled';
    /** Why this estimate (for Little's law: why not the sampled one). */
    readonly why: string;
  };
  /** Why the lifetime says nothing about the server's speed, when it does not. */
  readonly notEvidence?: string;
}

export interface PooledModel {
  /** Pooled connections to this server (sampled ones × the sampling rate). */
  readonly connections: number;
  /** How many of them were open on average over the history. */
  readonly meanOpen: number;
  /** Per client: its pooled connections, when they opened (s after the history's start; 0: already open) and how long they were seen held. */
  readonly clients: readonly {
    readonly client: string;
    readonly connections: number;
    readonly openedSeconds: number;
    readonly heldSeconds: number;
  }[];
}

export interface ServerModel {
  /** `ip:port`. */
  readonly server: string;
  readonly forward?: string;
  /** Weight at the end of the history, and every value it had. */
  readonly weight?: number;
  readonly weights: readonly number[];
  readonly arrivals: { readonly meanPerSecond: number; readonly share: number; readonly connections: number };
  readonly concurrency: {
    readonly meanActive: number;
    readonly peakActive: number;
    readonly meanInactive: number;
  };
  readonly lifetime: LifetimeModel;
  /**
   * Connections held open across much of the history (a client's connection pool): their
   * lifetime is the client's, so the replay opens them as recorded instead of drawing them, and
   * `lifetime.chosen` is then the short connections' alone. From sampled connections, each
   * standing for `oneIn` (the sampling rate).
   */
  readonly pooled?: PooledModel;
  /** Share of connection-table entries per state (ESTABLISHED, FIN_WAIT, ...), templates apart. */
  readonly stateMix?: Readonly<Record<string, number>>;
  /** Relative speed (the fastest server = 1) and where it comes from. */
  readonly capacity?: {
    readonly relative: Estimate;
    readonly evidence: 'lifetimes' | 'pool-file';
    /** Absolute, when the pool file gives it. */
    readonly connsPerSecond?: number;
    readonly workers?: number;
  };
}

export interface ClientMix {
  /** Distinct client addresses seen (sampled connections, else the top-N table's length: a lower bound). */
  readonly distinct?: number;
  readonly top: readonly { readonly client: string; readonly share: number }[];
  readonly source: 'sampled connections' | 'top clients of the connection table';
}

export interface TrafficModel {
  readonly inPacketsPerConn?: number;
  readonly inBytesPerConn?: number;
  readonly outPacketsPerConn?: number;
  readonly outBytesPerConn?: number;
  /** `both` (NAT/FULLNAT), `inbound only` (DR/TUN: replies bypass the director), or mixed. */
  readonly visibility: 'both' | 'inbound only' | 'mixed';
}

export interface ServiceModel {
  /** `ip:port` or `fwm:N`. */
  readonly service: string;
  readonly scheduler?: string;
  readonly flags: readonly string[];
  readonly persistenceSeconds: number;
  readonly arrivals: ArrivalModel;
  readonly servers: readonly ServerModel[];
  readonly clients?: ClientMix;
  readonly persistence?: { readonly meanTemplates: number; readonly templatesPerClient?: number };
  readonly traffic: TrafficModel;
  /** The capacity ratio slowest : fastest with its interval, when lifetimes are evidence. */
  readonly capacityRatio?: Estimate;
}

export interface Evidence {
  /** What the figure is (`arrivals`, `lifetime`, `capacity`, `clients`, `traffic`, a history note kind). */
  readonly topic: string;
  readonly message: string;
}

export interface WorkloadModel {
  readonly version: typeof WORKLOAD_VERSION;
  readonly pool: string;
  readonly source: string;
  readonly directors: readonly string[];
  /** Epoch ms. */
  readonly start: number;
  readonly end: number;
  readonly observations: number;
  readonly intervalSeconds: number;
  readonly services: readonly ServiceModel[];
  /** What each figure rests on, and what the history could not show. */
  readonly evidence: readonly Evidence[];
  readonly unknown: readonly Evidence[];
}
