/**
 * The alerts end to end: lvs-exporter on real captures (one of them derived to carry a known
 * imbalance, below), a real Prometheus evaluating the shipped recording rules and the alert rules
 * (generated from dashboards/src/rules.ts with durations shortened to seconds: the expressions are
 * the shipped ones), a real Alertmanager (Debian's prometheus-alertmanager) with the example
 * configuration of dashboards/alertmanager/ (its receivers pointed at a webhook, its waits
 * shortened), and the webhook on 127.0.0.1 receiving the notifications.
 *
 * The imbalanced director is fixtures/procfs/kernel-6.1-t1 with one change: the ActiveConn column
 * of the three real servers of TCP 192.0.2.10:80 (wrr, weights 1, 2, 3 for 198.18.3.2, 198.18.2.2,
 * 198.18.1.2; 1 active connection each in the capture) set to 40, 20 and 30. Per unit of weight
 * that is 40, 10 and 10 against the service's 90 / 6 = 15: 198.18.3.2 carries 2.67 times its
 * share, the other two 0.67 (inside the bounds). Every other line and the other /proc files are
 * the capture's (ipvsadm is off: its recordings would not match the derived table).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Config, DEFAULT_CONFIG } from '../../dashboards/src/config.js';
import { alertRulesYaml, recordingRulesYaml } from '../../dashboards/src/generate.js';
import { installed, type Running, start, tempDir, waitFor } from '../support/process.js';
import { type Prometheus, startPrometheus } from '../support/prometheus.js';
import { PROCFS, ROOT, startExporter, T1 } from '../exporter/helpers.js';
import { copyProcfs, prometheusConfig, reservePorts, type Target, waitForData } from './stack.js';

const missing = ['prometheus', 'prometheus-alertmanager'].find((bin) => !installed(bin));
if (missing) console.warn(`alerting end-to-end test skipped: ${missing} is not installed`);

/** The shipped rules with every duration in seconds. */
const FAST: Config = {
  ...DEFAULT_CONFIG,
  imbalance: { ...DEFAULT_CONFIG.imbalance, grace: '1s', for: '2s' },
  realServerOutFor: '3s',
  noUsableRealServerFor: '3s',
  // Before KeepalivedRealServerDown, so Alertmanager has it when that one arrives (inhibition).
  checkerQuorumLostFor: '1s',
  // The capture's 436 connection-table entries against a 500-entry budget.
  connectionTable: { maxEntries: 500, warnRatio: 0.8, for: '2s' },
  recommendationMismatchFor: '3s',
  sourceDownFor: '2s',
};

/** The capture's /proc/net/ip_vs with the imbalance described above; returns the changed lines. */
export function imbalancedIpVs(capture: string): { text: string; changed: string[] } {
  const lines = capture.split('\n');
  const at = lines.findIndex((line) => line.startsWith('TCP  C000020A:0050 wrr'));
  const active: Record<string, number> = { C6120302: 40, C6120202: 20, C6120102: 30 };
  const changed: string[] = [];
  for (let i = at + 1; i < lines.length && lines[i]?.startsWith('  ->'); i++) {
    const line = lines[i] ?? '';
    const server = /-> ([0-9A-F]{8}):/.exec(line)?.[1] ?? '';
    const value = active[server];
    if (value === undefined) continue;
    // `  -> ADDR:PORT      Forward Weight ActiveConn InActConn`: replace the fourth field.
    lines[i] = line.replace(
      /^(\s+->\s+\S+\s+\S+\s+\S+\s+)(\d+)(\s+)/,
      (_, head: string, _old: string, gap: string) => {
        const width = _old.length + gap.length;
        return head + String(value).padEnd(width);
      },
    );
    changed.push(lines[i] ?? '');
  }
  return { text: lines.join('\n'), changed };
}

interface Delivery {
  readonly path: string;
  readonly body: {
    receiver: string;
    status: string;
    alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
  };
}

describe.skipIf(missing !== undefined)(
  'alerts end to end: exporter → Prometheus → Alertmanager → webhook',
  () => {
    const work = tempDir('alerting');
    const running: Running[] = [];
    const deliveries: Delivery[] = [];
    let webhook: Server;
    let prometheus: Prometheus;
    let startedAt = 0;

    beforeAll(async () => {
      // The derived director.
      const tree = join(work, 'imbalanced');
      copyProcfs(T1, tree, ['ip_vs_stats', 'ip_vs_stats_percpu', 'ip_vs_conn']);
      const { text, changed } = imbalancedIpVs(readFileSync(join(T1, 'net/ip_vs'), 'utf8'));
      expect(changed).toHaveLength(3);
      writeFileSync(join(tree, 'net/ip_vs'), text);

      webhook = createServer((request, response) => {
        let body = '';
        request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        request.on('end', () => {
          deliveries.push({ path: request.url ?? '', body: JSON.parse(body) as Delivery['body'] });
          response.end('ok');
        });
      });
      await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
      const address = webhook.address();
      const hookPort = typeof address === 'object' && address ? address.port : 0;

      // The example configuration, receivers on the webhook, waits in seconds.
      const am = parseYaml(
        readFileSync(join(ROOT, 'dashboards/alertmanager/alertmanager.example.yml'), 'utf8'),
      ) as {
        route: { group_wait: string; group_interval: string; routes: { group_wait?: string }[] };
        receivers: { webhook_configs: { url: string }[] }[];
      };
      am.route.group_wait = '1s';
      am.route.group_interval = '1s';
      for (const route of am.route.routes) if (route.group_wait) route.group_wait = '1s';
      for (const receiver of am.receivers)
        for (const hook of receiver.webhook_configs)
          hook.url = hook.url.replace(/^http:\/\/[^/]+/, `http://127.0.0.1:${hookPort}`);
      writeFileSync(join(work, 'alertmanager.yml'), stringify(am));
      const exporters: { instance: string; args: string[] }[] = [
        {
          instance: 'imbalanced',
          args: [`--path.procfs=${tree}`, '--no-collector.ipvs.ipvsadm', '--collector.ipvs.conn'],
        },
        {
          instance: 'keepalived-lb',
          args: [
            `--path.procfs=${join(PROCFS, 'kernel-6.1-keepalived')}`,
            '--no-collector.ipvs.ipvsadm',
            `--keepalived.check-data-file=${join(ROOT, 'fixtures/keepalived/2.2.7-checker/keepalived_check.data')}`,
          ],
        },
      ];
      // Ports first, so Prometheus starts (and begins its ~5 s wait before the first scrape)
      // while Alertmanager and the exporters do.
      const reserved = await reservePorts(exporters.length + 1);
      const [amPort = 0, ...ports] = reserved.ports;
      const targets: Target[] = exporters.map(({ instance }, i) => ({
        instance,
        job: 'lvscope',
        address: `127.0.0.1:${ports[i]}`,
      }));
      writeFileSync(join(work, 'recording.yml'), recordingRulesYaml());
      writeFileSync(join(work, 'alerts.yml'), alertRulesYaml(FAST));
      startedAt = Date.now();
      prometheus = await startPrometheus(
        join(work, 'prometheus'),
        prometheusConfig(
          targets,
          [join(work, 'recording.yml'), join(work, 'alerts.yml')],
          `127.0.0.1:${amPort}`,
        ),
      );
      running.push(prometheus.process);
      await reserved.release();
      const alertmanager = start('prometheus-alertmanager', [
        `--config.file=${join(work, 'alertmanager.yml')}`,
        `--storage.path=${join(work, 'am-data')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        '--cluster.listen-address=',
      ]);
      running.push(alertmanager);
      await waitFor('alertmanager ready', 15_000, async () => {
        if (alertmanager.child.exitCode !== null)
          throw new Error(`alertmanager exited: ${alertmanager.stderr()}`);
        return (await fetch(`http://127.0.0.1:${amPort}/-/ready`).catch(() => undefined))?.ok;
      });

      await Promise.all(
        exporters.map(async ({ args }, i) => {
          running.push(await startExporter([...args, `--web.listen-address=127.0.0.1:${ports[i]}`]));
        }),
      );
      await waitForData(prometheus, targets.length);
    }, 60_000);

    afterAll(async () => {
      await Promise.all(running.map((r) => r.stop()));
      await new Promise((resolve) => webhook?.close(resolve));
      rmSync(work, { recursive: true, force: true });
    });

    const delivered = (alertname: string, receiver?: string) =>
      deliveries.flatMap((d) =>
        d.body.alerts
          .filter((a) => a.labels.alertname === alertname && a.status === 'firing')
          .filter(() => receiver === undefined || d.body.receiver === receiver)
          .map((a) => ({ ...a, path: d.path, receiver: d.body.receiver })),
      );

    test('the imbalance, found on real data, reaches the webhook for the one server far from its share', async () => {
      const ms = await waitFor(
        'IpvsRealServerImbalanced at the webhook',
        40_000,
        () => delivered('IpvsRealServerImbalanced').length > 0 && Date.now() - startedAt,
        100,
      );
      const [alert, ...others] = delivered('IpvsRealServerImbalanced');
      expect(others).toEqual([]);
      expect(alert).toMatchObject({
        path: '/ticket',
        receiver: 'lvscope-ticket',
        labels: {
          severity: 'warning',
          instance: 'imbalanced',
          proto: 'TCP',
          local_address: '192.0.2.10',
          local_port: '80',
          remote_address: '198.18.3.2',
          remote_port: '80',
        },
        annotations: {
          summary:
            'Real server 198.18.3.2:80 of TCP 192.0.2.10:80 on imbalanced carries 2.67 times its share by weight',
          runbook_url: 'README.md#ipvsrealserverimbalanced',
        },
      });
      const load = await prometheus.query(
        'ipvs_destination:weight_normalised_load:ratio{local_address="192.0.2.10"}',
      );
      expect(
        Object.fromEntries(load.map((s) => [s.metric.remote_address, Number(Number(s.value[1]).toFixed(3))])),
      ).toEqual({ '198.18.1.2': 0.667, '198.18.2.2': 0.667, '198.18.3.2': 2.667 });
      console.log(
        `IpvsRealServerImbalanced at the webhook ${(ms / 1000).toFixed(1)} s after Prometheus started`,
      );
    }, 45_000);

    test('the other alerts the captures raise arrive where the example routes them; inhibited ones do not', async () => {
      const expected: [string, string][] = [
        ['KeepalivedCheckerQuorumLost', 'lvscope-page'],
        ['KeepalivedRealServerDown', 'lvscope-ticket'],
        ['IpvsRealServerWeightZero', 'lvscope-ticket'],
        ['IpvsConnectionTableNearLimit', 'lvscope-ticket'],
        ['LvscopeSourceDown', 'lvscope-ticket'],
      ];
      await waitFor(
        `${expected.map(([name]) => name).join(', ')} at the webhook`,
        30_000,
        () => expected.every(([name, receiver]) => delivered(name, receiver).length > 0),
        100,
      );
      // keepalived's checker (real capture): FWM 7 without quorum pages; its dead server is
      // inhibited by it, the dead server of TCP 192.0.2.10:80 (quorum kept) opens a ticket.
      expect(delivered('KeepalivedCheckerQuorumLost').map((a) => a.labels.local_mark)).toEqual(['00000007']);
      expect(
        delivered('KeepalivedRealServerDown').map(
          (a) => `${a.labels.local_address}:${a.labels.local_port} ${a.labels.remote_address}`,
        ),
      ).toEqual(['192.0.2.10:80 198.18.1.77']);
      // The capture's weight-0 servers (the derived tree keeps them), ip_vs_stats missing from the
      // keepalived-written tree, 436 connection-table entries over 80% of the 500 budgeted here.
      const zero = readFileSync(join(T1, 'net/ip_vs'), 'utf8')
        .split('\n')
        .filter((l) => /^\s+->\s+\S+\s+\S+\s+0\s/.test(l));
      expect(
        new Set(
          delivered('IpvsRealServerWeightZero').map(
            (a) => `${a.labels.local_address}${a.labels.local_mark ?? ''} ${a.labels.remote_address}`,
          ),
        ).size,
      ).toBe(zero.length);
      expect(
        delivered('LvscopeSourceDown')
          .map((a) => `${a.labels.instance} ${a.labels.source}`)
          .sort(),
      ).toEqual(['keepalived-lb ip_vs_stats', 'keepalived-lb ip_vs_stats_percpu']);
      expect(delivered('IpvsConnectionTableNearLimit')[0]?.annotations.summary).toBe(
        'IPVS connection table on imbalanced holds 436 entries',
      );
      for (const { annotations } of deliveries.flatMap((d) => d.body.alerts)) {
        expect(annotations.runbook_url).toMatch(/^README\.md#[a-z]+$/);
        expect(annotations.description?.length).toBeGreaterThan(40);
      }
      const firing = await prometheus.query('ALERTS{alertstate="firing"}');
      expect(firing.filter((s) => s.metric.alertname === 'IpvsServiceNoUsableRealServer')).toEqual([]);
      expect(firing.filter((s) => s.metric.alertname === 'IpvsRealServerImbalanced')).toHaveLength(1);
      // Prometheus fires KeepalivedRealServerDown for FWM 7's dead server too: Alertmanager held it back.
      expect(
        firing
          .filter((s) => s.metric.alertname === 'KeepalivedRealServerDown')
          .map((s) => s.metric.local_mark ?? s.metric.local_address)
          .sort(),
      ).toEqual(['00000007', '192.0.2.10']);
    }, 45_000);
  },
);
