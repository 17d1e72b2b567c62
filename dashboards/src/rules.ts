/**
 * The IPVS recording and alert rules (beside the hand-written VRRP rules in
 * dashboards/alerts/lvscope.rules.yml), generated from the config so a threshold is changed in
 * one place. Written by `npm run dashboards` to dashboards/rules/lvscope-ipvs.recording.yml and
 * dashboards/alerts/lvscope-ipvs.rules.yml; tested by dashboards/alerts/lvscope-ipvs.rules.test.yml.
 */
import type { Config } from './config.js';
import { DESTINATION_ONLY, DESTINATION_TEXT, RECORD, SERVICE_SETTINGS, SERVICE_TEXT } from './promql.js';

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: { readonly severity: 'critical' | 'warning' | 'info' };
  readonly annotations: {
    readonly summary: string;
    readonly description: string;
    readonly runbook_url: string;
  };
}

export interface RuleGroup<R> {
  readonly name: string;
  readonly rules: readonly R[];
}

/** GitHub's anchor for a README heading made of one word (the alert name). */
export function runbookAnchor(alert: string): string {
  return alert.toLowerCase();
}

/**
 * Weight-normalised load: a real server's active connections per unit of weight, divided by its
 * service's (all in-rotation servers' active connections over their summed weights). 1 is exactly
 * its share by weight; 2 twice its share. Servers at weight 0 are left out on both sides, so a
 * drained server that persistence keeps busy neither gets a value nor moves the mean; an idle
 * service (no active connection) has none either.
 */
export function recordingRules(): RuleGroup<RecordingRule> {
  return {
    name: 'lvscope-ipvs-recording',
    rules: [
      {
        record: RECORD.activePerWeight,
        expr: 'ipvs_destination_connections_active / (ipvs_destination_weight > 0)',
      },
      {
        record: RECORD.serviceActive,
        expr: `sum without (${DESTINATION_ONLY}) (ipvs_destination_connections_active)`,
      },
      {
        record: RECORD.serviceActivePerWeight,
        expr: [
          `sum without (${DESTINATION_ONLY}) (ipvs_destination_connections_active and ipvs_destination_weight > 0)`,
          `/ sum without (${DESTINATION_ONLY}) (ipvs_destination_weight > 0)`,
        ].join('\n'),
      },
      {
        record: RECORD.normalisedLoad,
        expr: [
          RECORD.activePerWeight,
          `/ ignoring (${DESTINATION_ONLY}) group_left ()`,
          `(${RECORD.serviceActivePerWeight} > 0)`,
        ].join('\n'),
      },
    ],
  };
}

const percent = (ratio: number): string => `${Math.round(ratio * 100)}%`;

export function alertRules(config: Config): RuleGroup<AlertRule> {
  const runbook = (alert: string): string => `${config.runbookBase}#${runbookAnchor(alert)}`;
  const alert = (
    name: string,
    severity: AlertRule['labels']['severity'],
    expr: string,
    duration: string | undefined,
    summary: string,
    description: string,
  ): AlertRule => ({
    alert: name,
    expr,
    ...(duration ? { for: duration } : {}),
    labels: { severity },
    annotations: { summary, description, runbook_url: runbook(name) },
  });
  const { imbalance, connectionTable } = config;
  const tableLimit = Math.round(connectionTable.maxEntries * connectionTable.warnRatio);
  return {
    name: 'lvscope-ipvs',
    rules: [
      alert(
        'IpvsRealServerImbalanced',
        'warning',
        [
          `(${RECORD.normalisedLoad} > ${imbalance.high} or ${RECORD.normalisedLoad} < ${imbalance.low})`,
          `and ignoring (${DESTINATION_ONLY}) (${RECORD.serviceActive} >= ${imbalance.minServiceConnections})`,
          `and (ipvs_destination_weight offset ${imbalance.grace} > 0)`,
        ].join('\n'),
        imbalance.for,
        `Real server ${DESTINATION_TEXT} of ${SERVICE_TEXT} on {{ $labels.instance }} carries {{ printf "%.2f" $value }} times its share by weight`,
        `Its active connections per unit of weight have been {{ printf "%.2f" $value }} times its service's mean for ${imbalance.for} (alert outside ${imbalance.low}–${imbalance.high}). ` +
          `Services with fewer than ${imbalance.minServiceConnections} active connections, servers at weight 0 and servers in rotation for less than ${imbalance.grace} are not judged.`,
      ),
      alert(
        'IpvsRealServerWeightZero',
        'warning',
        [
          'ipvs_destination_weight == 0',
          `unless on (instance, proto, local_address, local_port, local_mark, ${DESTINATION_ONLY})`,
          '(lvscope_keepalived_checker_rs_alive == 0)',
        ].join('\n'),
        config.realServerOutFor,
        `Real server ${DESTINATION_TEXT} of ${SERVICE_TEXT} on {{ $labels.instance }} has been at weight 0 for ${config.realServerOutFor}`,
        `It gets no new connections (drained or quiesced) while keepalived's checker, if any, does not call it dead. A drain that was never undone leaves the service short of capacity.`,
      ),
      alert(
        'KeepalivedRealServerDown',
        'warning',
        'lvscope_keepalived_checker_rs_alive == 0',
        config.realServerOutFor,
        `keepalived's checker on {{ $labels.instance }} has found real server ${DESTINATION_TEXT} of ${SERVICE_TEXT} dead for ${config.realServerOutFor}`,
        'Its health check fails: keepalived removed it from the service (or set its weight to 0 with inhibit_on_failure).',
      ),
      alert(
        'IpvsServiceNoUsableRealServer',
        'critical',
        [
          `group without (${SERVICE_SETTINGS}) (ipvs_service_info)`,
          `unless group without (${DESTINATION_ONLY}) (ipvs_destination_weight > 0)`,
        ].join('\n'),
        config.noUsableRealServerFor,
        `Virtual service ${SERVICE_TEXT} on {{ $labels.instance }} has no real server with a non-zero weight`,
        'Every real server is at weight 0 or none is configured: new connections to the service are refused.',
      ),
      alert(
        'KeepalivedCheckerQuorumLost',
        'critical',
        'lvscope_keepalived_checker_vs_quorum_up == 0',
        config.checkerQuorumLostFor,
        `Virtual server ${SERVICE_TEXT} on {{ $labels.instance }} lost its keepalived quorum`,
        "The weights of the live real servers add up to less than the virtual server's quorum: keepalived ran quorum_down and serves the sorry server, if one is configured.",
      ),
      alert(
        'IpvsConnectionTableNearLimit',
        'warning',
        `ipvs_connection_table_size > ${tableLimit}`,
        connectionTable.for,
        'IPVS connection table on {{ $labels.instance }} holds {{ $value | humanize }} entries',
        `Above ${percent(connectionTable.warnRatio)} of the ${connectionTable.maxEntries} entries budgeted for the director's memory (connectionTable.maxEntries in dashboards/src/config.ts). ` +
          'Every connection and persistence template is one ip_vs_conn slab object; when memory runs out IPVS drops entries or packets (its defense strategies) and the kernel may fail allocations.',
      ),
      alert(
        'IpvsSchedulerWeightMismatch',
        'info',
        'lvscope_recommendation_service_mismatch == 1',
        config.recommendationMismatchFor,
        `lvs-analyze recommends another scheduler or other weights for ${SERVICE_TEXT}`,
        'The last `lvs-analyze recommend` run found the running scheduler or weights of this service outside its tolerance of the recommended ones (see the capacity dashboard for the figures).',
      ),
      alert(
        'LvscopeSourceDown',
        'warning',
        'lvscope_source_up == 0',
        config.sourceDownFor,
        'lvs-exporter on {{ $labels.instance }} cannot read its source {{ $labels.source }}',
        `The source has failed every collection for ${config.sourceDownFor} (missing file, failing command, timeout): the series it feeds are missing or stale.`,
      ),
    ],
  };
}
