/**
 * The alerts end to end on real-kernel recordings: lvs-exporter serving, in sequence, real
 * samples of the server-return recording's director (fixtures/recordings/server-return/procfs/,
 * with their ipvsadm listings replayed), a real Prometheus evaluating the shipped recording rules
 * and the alert rules (generated from dashboards/src/rules.ts with durations shortened to seconds:
 * the expressions are the shipped ones), a real Alertmanager (Debian's prometheus-alertmanager)
 * with the example configuration of dashboards/alertmanager/ (its receivers pointed at a webhook,
 * its waits shortened), and the webhook on 127.0.0.1 receiving the notifications.
 *
 * server-return (wrr 1:1, pooled connections): 10.60.1.2 was drained (weight 0) and came back;
 * after its return it gets half of the new connections but the pools stay on 10.60.1.1, which
 * holds 16-18 of the 16-19 active connections. Per unit of weight that is ~1.9 and ~0.05 times
 * the service's mean: both outside 0.5-1.5, 10.60.1.1 judged at once, 10.60.1.2 only after the
 * grace for a returning server. Beside it: the balanced recording's director (quiet, 21 + 21
 * active), kernel-6.1-t1 and the keepalived-written table (the other alerts), and node_exporter
 * serving the real recommender's textfile for client-skew (flagged) and balanced (kept).
 */
import { readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Config, DEFAULT_CONFIG } from '../../dashboards/src/config.js';
import { alertRulesYaml, recordingRulesYaml } from '../../dashboards/src/generate.js';
import { RECORD } from '../../dashboards/src/promql.js';
import { parseIpVs } from '../../common/ipvs/parse-ip-vs.js';
import { installed, type Running, start, tempDir, waitFor } from '../support/process.js';
import { type Prometheus, startPrometheus } from '../support/prometheus.js';
import { IPVSADM_FIXTURES, PROCFS, REPLAY, ROOT, startExporter, T1 } from '../exporter/helpers.js';
import { prometheusConfig, reservePorts, type Target, waitForData } from './stack.js';
import {
  FLAGGED,
  KEPT,
  recordingDir,
  sampleDir,
  writeRecommendationTextfile,
} from './recommendation-textfile.js';

const missing = ['prometheus', 'prometheus-alertmanager', 'prometheus-node-exporter'].find(
  (bin) => !installed(bin),
);
if (missing) console.warn(`alerting end-to-end test skipped: ${missing} is not installed`);

/** server-return's samples (guest ms): 10.60.1.2 at weight 0, then back (returned at 60006 ms). */
const OUT = [53940, 55150, 58780];
const BACK = [63640, 69970, 72610, 76120, 79590, 80910, 81910];
/** Each sample is served this long (the recording's own spacing is 1-6 s). */
const STEP_MS = 2000;
const SERVER_RETURN = join(recordingDir('server-return'), 'procfs');

/**
 * The shipped rules with every duration in seconds; thresholds and the service floor as shipped
 * (server-return's service holds 16-19 active connections, two pools of 8 and a few short ones:
 * the first test below checks the samples clear the shipped floor of 12).
 */
const FAST: Config = {
  ...DEFAULT_CONFIG,
  imbalance: { ...DEFAULT_CONFIG.imbalance, grace: '5s', for: '4s' },
  realServerOutFor: '3s',
  noUsableRealServerFor: '3s',
  // Before KeepalivedRealServerDown, so Alertmanager has it when that one arrives (inhibition).
  checkerQuorumLostFor: '1s',
  // The t1 capture's 436 connection-table entries against a 500-entry budget.
  connectionTable: { maxEntries: 500, warnRatio: 0.8, for: '2s' },
  recommendationMismatchFor: '3s',
  sourceDownFor: '2s',
};
const GRACE_MS = 5000;

/** Per real server of a sample's only service: weight, active connections, weight-normalised load. */
function sampleLoad(ms: number): Map<string, { weight: number; active: number; load?: number }> {
  const table = parseIpVs(readFileSync(join(SERVER_RETURN, String(ms), 'net/ip_vs'), 'utf8'), {
    hz: 250,
  });
  expect(table.issues).toEqual([]);
  const [service] = table.value.services;
  const inRotation = service?.destinations.filter((d) => d.weight > 0) ?? [];
  const mean =
    inRotation.reduce((sum, d) => sum + d.activeConns, 0) / inRotation.reduce((sum, d) => sum + d.weight, 0);
  return new Map(
    (service?.destinations ?? []).map((d) => [
      d.addr.text,
      {
        weight: d.weight,
        active: d.activeConns,
        ...(d.weight > 0 && mean > 0 ? { load: d.activeConns / d.weight / mean } : {}),
      },
    ]),
  );
}

/** Points the `live` symlink at `target` atomically (a scrape reads one sample or the next). */
function pointAt(live: string, target: string): void {
  const next = `${live}.next`;
  rmSync(next, { force: true });
  symlinkSync(target, next);
  renameSync(next, live);
}

interface Delivery {
  readonly path: string;
  readonly body: {
    receiver: string;
    status: string;
    alerts: {
      status: string;
      startsAt: string;
      labels: Record<string, string>;
      annotations: Record<string, string>;
    }[];
  };
}

describe.skipIf(missing !== undefined)(
  'alerts end to end on real recordings: exporter → Prometheus → Alertmanager → webhook',
  () => {
    const work = tempDir('alerting');
    const live = join(work, 'server-return-live');
    const running: Running[] = [];
    const deliveries: Delivery[] = [];
    const timers: NodeJS.Timeout[] = [];
    let webhook: Server;
    let prometheus: Prometheus;
    let startedAt = 0;
    /** When the first sample after 10.60.1.2's return was put in place. */
    let returned: Promise<number>;
    /** What Prometheus said just before: the out phase's loads and imbalance alerts. */
    let outPhase: Promise<{ load: Record<string, number>; active: number; alerts: number }>;

    beforeAll(async () => {
      pointAt(live, join(SERVER_RETURN, String(OUT[0])));
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
      const replay = (dir: string) => ({ IPVSADM_REPLAY_DIR: join(dir, 'ipvsadm') });
      const exporters: { instance: string; args: string[]; env?: NodeJS.ProcessEnv }[] = [
        {
          instance: 'server-return',
          args: [`--path.procfs=${live}`, `--ipvsadm.path=${REPLAY}`],
          env: replay(live),
        },
        {
          instance: KEPT.recording,
          args: [`--path.procfs=${sampleDir(KEPT)}`, `--ipvsadm.path=${REPLAY}`],
          env: replay(sampleDir(KEPT)),
        },
        {
          instance: 't1',
          args: [`--path.procfs=${T1}`, `--ipvsadm.path=${REPLAY}`, '--collector.ipvs.conn'],
          env: { IPVSADM_REPLAY_DIR: join(IPVSADM_FIXTURES, 'kernel-6.1-t1') },
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
      // The exporters pick their own ports (the listen address startExporter gives them) while
      // the recommender runs on the two recordings.
      const [flagged, kept, ...started] = await Promise.all([
        writeRecommendationTextfile(FLAGGED, join(work, 'textfile-flagged')),
        writeRecommendationTextfile(KEPT, join(work, 'textfile-kept')),
        ...exporters.map(({ args, env }) => startExporter(args, env)),
      ]);
      running.push(...started);
      const textfiles = [
        { instance: `node-${FLAGGED.recording}`, dir: flagged.dir },
        { instance: `node-${KEPT.recording}`, dir: kept.dir },
      ];
      const reserved = await reservePorts(textfiles.length + 1);
      const [amPort = 0, ...nodePorts] = reserved.ports;
      const targets: Target[] = [
        ...exporters.map(({ instance }, i) => ({
          instance,
          job: 'lvscope',
          address: new URL(started[i]?.url ?? '').host,
        })),
        ...textfiles.map(({ instance }, i) => ({
          instance,
          job: 'node',
          address: `127.0.0.1:${nodePorts[i]}`,
        })),
      ];
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
      for (const [i, { dir }] of textfiles.entries())
        running.push(
          start('prometheus-node-exporter', [
            `--web.listen-address=127.0.0.1:${nodePorts[i]}`,
            '--collector.disable-defaults',
            '--collector.textfile',
            `--collector.textfile.directory=${dir}`,
          ]),
        );
      await waitFor('alertmanager ready', 15_000, async () => {
        if (alertmanager.child.exitCode !== null)
          throw new Error(`alertmanager exited: ${alertmanager.stderr()}`);
        return (await fetch(`http://127.0.0.1:${amPort}/-/ready`).catch(() => undefined))?.ok;
      });

      await waitForData(prometheus, targets.length, ['lvscope_recommendation_service_mismatch']);

      // The rest of the out phase, then 10.60.1.2's return, one sample every STEP_MS (bounded:
      // the last sample stays in place).
      const rest = OUT.slice(1);
      rest.forEach((ms, i) =>
        timers.push(setTimeout(() => pointAt(live, join(SERVER_RETURN, String(ms))), (i + 1) * STEP_MS)),
      );
      const backAt = (rest.length + 1) * STEP_MS;
      outPhase = new Promise((resolve, reject) =>
        timers.push(
          setTimeout(() => {
            const rs = '{instance="server-return"}';
            Promise.all([
              prometheus.query(`${RECORD.normalisedLoad}${rs}`),
              prometheus.query(`${RECORD.serviceActive}${rs}`),
              prometheus.query(`ALERTS{alertname="IpvsRealServerImbalanced",instance="server-return"}`),
            ]).then(
              ([load, active, alerts]) =>
                resolve({
                  load: Object.fromEntries(
                    load.map((s): [string, number] => [s.metric.remote_address ?? '', Number(s.value[1])]),
                  ),
                  active: Number(active[0]?.value[1] ?? NaN),
                  alerts: alerts.length,
                }),
              reject,
            );
          }, backAt - 300),
        ),
      );
      returned = new Promise((resolve) =>
        BACK.forEach((ms, i) =>
          timers.push(
            setTimeout(
              () => {
                pointAt(live, join(SERVER_RETURN, String(ms)));
                if (i === 0) resolve(Date.now());
              },
              backAt + i * STEP_MS,
            ),
          ),
        ),
      );
    }, 90_000);

    afterAll(async () => {
      for (const timer of timers) clearTimeout(timer);
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
    /** The first delivery of each alert of `alertname`, by the label `key`. */
    const firstBy = (alertname: string, key: string) =>
      new Map(
        delivered(alertname)
          .map((a) => [a.labels[key] ?? '', a] as const)
          .reverse(),
      );

    test('the samples: a known imbalance after the return, a service the shipped floor judges', () => {
      const back = BACK.map(sampleLoad);
      const total = (m: ReturnType<typeof sampleLoad>) => [...m.values()].reduce((n, d) => n + d.active, 0);
      for (const sample of back) {
        expect(sample.get('10.60.1.1')?.load).toBeGreaterThan(FAST.imbalance.high);
        expect(sample.get('10.60.1.2')?.load).toBeLessThan(FAST.imbalance.low);
        expect(total(sample)).toBeGreaterThanOrEqual(DEFAULT_CONFIG.imbalance.minServiceConnections);
        // ...and under the floor of 20 the rule had before these recordings: a MySQL-like pool of
        // a dozen long-lived connections, which that floor never judged.
        expect(total(sample)).toBeLessThan(20);
      }
      for (const sample of OUT.map(sampleLoad)) {
        expect(sample.get('10.60.1.2')?.weight).toBe(0);
        expect(sample.get('10.60.1.1')?.load).toBe(1);
      }
    });

    test('the imbalance after the return reaches the webhook for both servers, the returned one after its grace', async () => {
      const ms = await waitFor(
        'IpvsRealServerImbalanced at the webhook for 10.60.1.1 and 10.60.1.2',
        45_000,
        () => firstBy('IpvsRealServerImbalanced', 'remote_address').size >= 2 && Date.now() - startedAt,
        100,
      );
      const back = await returned;
      // Judged and quiet before the return: 10.60.1.1 alone in rotation carries exactly its share.
      expect(await outPhase).toMatchObject({ load: { '10.60.1.1': 1 }, alerts: 0 });
      expect((await outPhase).active).toBeGreaterThanOrEqual(FAST.imbalance.minServiceConnections);

      const alerts = firstBy('IpvsRealServerImbalanced', 'remote_address');
      expect([...alerts.keys()].sort()).toEqual(['10.60.1.1', '10.60.1.2']);
      // Every load the back samples give, as the summary prints it.
      const printed = (server: string) =>
        new Set(BACK.map((ms) => (sampleLoad(ms).get(server)?.load ?? NaN).toFixed(2)));
      for (const [server, alert] of alerts) {
        expect(alert).toMatchObject({
          path: '/ticket',
          receiver: 'lvscope-ticket',
          labels: {
            severity: 'warning',
            instance: 'server-return',
            proto: 'TCP',
            local_address: '10.60.0.80',
            local_port: '80',
            remote_address: server,
            remote_port: '80',
          },
          annotations: { runbook_url: 'README.md#ipvsrealserverimbalanced' },
        });
        const times = /carries (\d+\.\d\d) times its share by weight$/.exec(alert.annotations.summary ?? '');
        expect(alert.annotations.summary).toMatch(
          new RegExp(`^Real server ${server}:80 of TCP 10\\.60\\.0\\.80:80 on server-return carries`),
        );
        expect(printed(server)).toContain(times?.[1]);
      }
      // 10.60.1.1 (in rotation all along) goes pending at the return; 10.60.1.2 only once it has
      // been at a non-zero weight for the grace. A scrape may read the new sample a few ms before
      // the timestamp taken after the swap: 500 ms of slack.
      const active = new Map(
        (await prometheus.alerts())
          .filter((a) => a.labels.alertname === 'IpvsRealServerImbalanced')
          .map((a) => [a.labels.remote_address, Date.parse(a.activeAt) - back]),
      );
      expect(active.get('10.60.1.1')).toBeLessThan(GRACE_MS);
      expect(active.get('10.60.1.2')).toBeGreaterThanOrEqual(GRACE_MS - 500);
      const load = await prometheus.query(`${RECORD.normalisedLoad}{instance="server-return"}`);
      expect(load.map((s) => s.metric.remote_address).sort()).toEqual(['10.60.1.1', '10.60.1.2']);
      console.log(
        `IpvsRealServerImbalanced at the webhook ${(ms / 1000).toFixed(1)} s after Prometheus started; ` +
          `pending ${[...active].map(([server, at]) => `${server} ${((at ?? 0) / 1000).toFixed(1)} s`).join(', ')} after the return; ` +
          [...alerts.values()].map((a) => a.annotations.summary).join('; '),
      );
    }, 50_000);

    test('the balanced director stays quiet: both servers at their share, over even the shipped floor', async () => {
      const balanced = '{instance="balanced"}';
      const load = await prometheus.query(`${RECORD.normalisedLoad}${balanced}`);
      expect(Object.fromEntries(load.map((s) => [s.metric.remote_address, Number(s.value[1])]))).toEqual({
        '10.50.1.1': 1,
        '10.50.1.2': 1,
      });
      const active = await prometheus.query(`${RECORD.serviceActive}${balanced}`);
      expect(Number(active[0]?.value[1])).toBeGreaterThanOrEqual(
        DEFAULT_CONFIG.imbalance.minServiceConnections,
      );
      const alerts = await prometheus.alerts();
      expect(alerts.filter((a) => a.labels.instance === 'balanced')).toEqual([]);
      expect(
        deliveries.flatMap((d) => d.body.alerts).filter((a) => a.labels.instance === 'balanced'),
      ).toEqual([]);
    });

    test("the recommender's mismatch on client-skew reaches the info receiver; balanced's verdict stays quiet", async () => {
      await waitFor(
        'IpvsSchedulerWeightMismatch at the webhook',
        30_000,
        () => delivered('IpvsSchedulerWeightMismatch').length > 0,
        100,
      );
      const flagged = await prometheus.query('lvscope_recommendation_service_mismatch');
      expect(
        Object.fromEntries(
          flagged.map((s) => [`${s.metric.instance} ${s.metric.local_address}`, s.value[1]]),
        ),
      ).toEqual({ 'node-client-skew 10.30.0.80': '1', 'node-balanced 10.50.0.80': '0' });
      const sent = firstBy('IpvsSchedulerWeightMismatch', 'local_address');
      expect([...sent.keys()]).toEqual(['10.30.0.80']);
      expect(sent.get('10.30.0.80')).toMatchObject({
        path: '/info',
        receiver: 'lvscope-info',
        labels: { severity: 'info', instance: 'node-client-skew', proto: 'TCP', local_port: '80' },
        annotations: { runbook_url: 'README.md#ipvsschedulerweightmismatch' },
      });
      const firing = (await prometheus.alerts()).filter(
        (a) => a.labels.alertname === 'IpvsSchedulerWeightMismatch',
      );
      expect(firing.map((a) => `${a.labels.local_address} ${a.state}`)).toEqual(['10.30.0.80 firing']);
    }, 35_000);

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
      // t1's weight-0 servers, and server-return's 10.60.1.2 while it was drained (the out phase
      // lasts longer than realServerOutFor); ip_vs_stats missing from the keepalived-written tree;
      // t1's 436 connection-table entries over 80% of the 500 budgeted here.
      const zero = readFileSync(join(T1, 'net/ip_vs'), 'utf8')
        .split('\n')
        .filter((l) => /^\s+->\s+\S+\s+\S+\s+0\s/.test(l));
      const drained = new Set(
        delivered('IpvsRealServerWeightZero').map(
          (a) =>
            `${a.labels.instance} ${a.labels.local_address}${a.labels.local_mark ?? ''} ${a.labels.remote_address}`,
        ),
      );
      expect(drained.size).toBe(zero.length + 1);
      expect(drained).toContain('server-return 10.60.0.80 10.60.1.2');
      expect([...drained].filter((d) => !d.startsWith('t1 ') && !d.startsWith('server-return '))).toEqual([]);
      expect(
        delivered('LvscopeSourceDown')
          .map((a) => `${a.labels.instance} ${a.labels.source}`)
          .sort(),
      ).toEqual(['keepalived-lb ip_vs_stats', 'keepalived-lb ip_vs_stats_percpu']);
      expect(delivered('IpvsConnectionTableNearLimit')[0]?.annotations.summary).toBe(
        'IPVS connection table on t1 holds 436 entries',
      );
      for (const { annotations } of deliveries.flatMap((d) => d.body.alerts)) {
        expect(annotations.runbook_url).toMatch(/^README\.md#[a-z]+$/);
        expect(annotations.description?.length).toBeGreaterThan(40);
      }
      const firing = await prometheus.query('ALERTS{alertstate="firing"}');
      expect(firing.filter((s) => s.metric.alertname === 'IpvsServiceNoUsableRealServer')).toEqual([]);
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
