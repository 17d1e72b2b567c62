/**
 * The knobs of the monitoring bundle, in the spirit of a monitoring mixin's `_config`: every
 * threshold and duration the generated rules and dashboards use. Change a value here and run
 * `npm run dashboards` to regenerate dashboards/grafana/, dashboards/rules/ and
 * dashboards/alerts/lvscope-ipvs.rules.yml; the promtool tests in dashboards/alerts/ pin the
 * defaults below.
 */

/** A Prometheus duration (`30s`, `15m`, `2h`). */
export type Duration = `${number}${'ms' | 's' | 'm' | 'h' | 'd' | 'w'}`;

export interface Config {
  /** Base of every alert's runbook_url: the README that holds the "Runbooks" section. */
  readonly runbookBase: string;
  readonly imbalance: {
    /** Fires above this weight-normalised load (1 = exactly the server's share by weight). */
    readonly high: number;
    /** ... or below this one. */
    readonly low: number;
    /** Services with fewer active connections (all real servers together) are never judged. */
    readonly minServiceConnections: number;
    /** A real server must have had a non-zero weight this long ago to be judged (new or re-enabled servers catch up first). */
    readonly grace: Duration;
    readonly for: Duration;
  };
  /** A real server at weight 0 (drained or quiesced), or declared dead by keepalived's checker, for this long. */
  readonly realServerOutFor: Duration;
  /** A virtual service without any real server of non-zero weight for this long. */
  readonly noUsableRealServerFor: Duration;
  readonly checkerQuorumLostFor: Duration;
  readonly connectionTable: {
    /**
     * Entries (connections plus persistence templates) the director's memory budget for IPVS
     * holds. The kernel has no fixed limit: every entry is one `ip_vs_conn` slab object (see its
     * objsize in /proc/slabinfo), so set this to budget / objsize for your directors.
     */
    readonly maxEntries: number;
    /** Fires above this fraction of maxEntries. */
    readonly warnRatio: number;
    readonly for: Duration;
  };
  readonly recommendationMismatchFor: Duration;
  readonly sourceDownFor: Duration;
  /** Dashboards: refresh and default time range. */
  readonly dashboardRefresh: string;
  readonly dashboardTimeFrom: string;
}

export const DEFAULT_CONFIG: Config = {
  runbookBase: 'README.md',
  imbalance: {
    high: 1.5,
    low: 0.5,
    minServiceConnections: 12,
    grace: '30m',
    for: '15m',
  },
  realServerOutFor: '10m',
  noUsableRealServerFor: '1m',
  checkerQuorumLostFor: '30s',
  connectionTable: { maxEntries: 1_000_000, warnRatio: 0.8, for: '5m' },
  recommendationMismatchFor: '5m',
  sourceDownFor: '5m',
  dashboardRefresh: '30s',
  dashboardTimeFrom: 'now-3h',
};
