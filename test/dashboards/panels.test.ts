/**
 * Every panel of every committed dashboard, checked for real: a Prometheus scrapes lvs-exporter
 * and node_exporter on the real captures (stack.ts), the dashboard's variables are resolved and
 * set as Grafana would set them (scenarios.ts), and each query, interpolated, must return series
 * with a finite value while each of its selectors selects something. One stack for all
 * dashboards; the chart.js rendering of each dashboard from the same queries is checked (and
 * written to dashboards/grafana/screenshots/ with LVSCOPE_SCREENSHOTS=1) in the same run.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tempDir } from '../support/process.js';
import { PROCFS, parseExposition } from '../exporter/helpers.js';
import {
  type Dashboard,
  evaluatePanels,
  instant,
  interpolate,
  loadDashboards,
  panelsOf,
  passes,
  setVariables,
  type TargetResult,
} from './grafana-model.js';
import { LIVE_PAIR_ONLY, SCENARIOS, THRESHOLDS_ON_T1 } from './scenarios.js';
import { type Stack, stackPrerequisites, startStack } from './stack.js';
import { chromiumInstalled, renderDashboards, SCREENSHOT_DIR } from './render.js';

const missing = stackPrerequisites();
if (missing) console.warn(`dashboard query tests skipped: ${missing}`);

const boards = loadDashboards();

describe.skipIf(missing !== undefined)(
  'dashboards on a real Prometheus that scraped the real captures',
  () => {
    const work = tempDir('dashboards');
    let stack: Stack;
    /** file → scenario → results */
    const results = new Map<string, Map<string, TargetResult[]>>();

    beforeAll(async () => {
      stack = await startStack(work);
    }, 60_000);
    afterAll(async () => {
      await stack?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    test('every dashboard has scenarios, and every scenario picks values its variables offer', async () => {
      expect(Object.keys(SCENARIOS).sort()).toEqual([...boards.keys()].sort());
      for (const [file, board] of boards) {
        const byScenario = new Map<string, TargetResult[]>();
        for (const scenario of SCENARIOS[file] ?? []) {
          const { values } = await setVariables(stack.prometheus.url, board, scenario.picks);
          byScenario.set(scenario.name, await evaluatePanels(stack.prometheus.url, board, values));
        }
        results.set(file, byScenario);
      }
    }, 60_000);

    test.each([...boards.keys()])('%s: every query returns data in one of its scenarios', (file) => {
      const byScenario = results.get(file);
      expect(byScenario, 'the previous test evaluated it').toBeDefined();
      // Queries checked elsewhere: in the VRRP lab, or on t1 (the spot checks below).
      const live = new Set([...(LIVE_PAIR_ONLY[file] ?? []), ...(THRESHOLDS_ON_T1[file] ?? [])]);
      const keys = new Map<string, TargetResult[]>();
      for (const list of byScenario?.values() ?? [])
        for (const result of list)
          keys.set(`${result.panel}/${result.refId}`, [
            ...(keys.get(`${result.panel}/${result.refId}`) ?? []),
            result,
          ]);
      expect(keys.size).toBeGreaterThan(0);
      const failing = [...keys]
        .filter(([, list]) => !list.some(passes))
        .map(([key, list]) => ({
          key,
          why: list.map(
            (r) => r.error ?? `${r.series} series, ${r.finite} finite, empty: ${r.emptySelectors.join(' ')}`,
          ),
        }));
      // The exempt queries must be exactly the ones the captures cannot feed.
      expect(failing.filter(({ key }) => !live.has(key))).toEqual([]);
      expect(failing.map(({ key }) => key).sort()).toEqual([...live].sort());
      const passed = [...keys.values()].filter((list) => list.some(passes)).length;
      console.log(
        `${file}: ${passed} of ${keys.size} queries return data (${byScenario?.size} scenarios)${live.size ? `, ${live.size} checked elsewhere` : ''}`,
      );
    });

    test("spot checks: the panels show the captures' figures", () => {
      const sample = (file: string, scenario: string, key: string) => {
        const found = results
          .get(file)
          ?.get(scenario)
          ?.find((r) => `${r.panel}/${r.refId}` === key);
        if (!found) throw new Error(`${file} ${scenario}: no ${key}`);
        return found.samples;
      };
      const byServer = (
        samples: { metric: Record<string, string>; value: number }[],
      ): Record<string, number> =>
        Object.fromEntries(
          samples.map(
            ({ metric, value }) => [metric.remote_address ?? '', Math.round(value * 1000) / 1000] as const,
          ),
        );
      const one = (samples: { value: number }[]) => samples.map(({ value }) => value);
      // t1's wrr pool, weights 3:2:1 (198.18.1.2, .2.2, .3.2), one active connection each: per
      // weight 1/3, 1/2, 1 against the service's 3/6.
      const t1 = 't1 TCP 192.0.2.10:80';
      const service = 'lvscope-ipvs-service.json';
      const normalised = { '198.18.1.2': 0.667, '198.18.2.2': 1, '198.18.3.2': 2 };
      expect(byServer(sample(service, t1, 'Weight-normalised load/A'))).toEqual(normalised);
      expect(byServer(sample(service, t1, 'Share of new connections vs share of weight/B'))).toEqual({
        '198.18.1.2': 0.5,
        '198.18.2.2': 0.333,
        '198.18.3.2': 0.167,
      });
      // ipvsadm --rate printed 1, 1 and 0 new connections per second for them.
      expect(byServer(sample(service, t1, 'Share of new connections vs share of weight/A'))).toEqual({
        '198.18.1.2': 0.5,
        '198.18.2.2': 0.5,
        '198.18.3.2': 0,
      });
      expect(sample(service, t1, 'Scheduler/A').map(({ metric }) => metric.scheduler)).toEqual(['wrr']);
      // node_exporter's series give the same weight-normalised load.
      expect(
        byServer(sample('lvscope-node-ipvs.json', 'node-t1 TCP 192.0.2.10:80', 'Weight-normalised load/A')),
      ).toEqual(normalised);
      // The MySQL pool: persistence 20 s, four templates per server.
      const mysql = 'mysql TCP 172.16.1.18:3306';
      expect(one(sample(service, mysql, 'Persistence/A'))).toEqual([20]);
      expect(byServer(sample(service, mysql, 'Persistence templates/A'))).toEqual({
        '172.16.1.51': 4,
        '172.16.1.7': 4,
      });
      // keepalived's checker: 192.0.2.10:80 keeps its quorum of 2 with 198.18.1.2 (3) and 198.18.2.2 (2) alive.
      const checker = 'keepalived-lb TCP 192.0.2.10:80';
      expect(one(sample(service, checker, 'Quorum/A'))).toEqual([1]);
      expect(one(sample(service, checker, 'Alive weight and quorum/A'))).toEqual([5]);
      expect(one(sample(service, checker, 'Alive weight and quorum/B'))).toEqual([2]);
      // Real servers at weight 0 in the three IPVS captures, counted from the files.
      const zero = ['kernel-6.1-t1', 'mysql', 'kernel-6.1-keepalived']
        .map((tree) => readFileSync(join(PROCFS, tree, 'net/ip_vs'), 'utf8'))
        .flatMap((text) => text.split('\n').filter((line) => /^\s+->\s+\S+\s+\S+\s+0\s/.test(line))).length;
      expect(zero).toBeGreaterThan(0);
      expect(one(sample('lvscope-ipvs-overview.json', 'every director', 'At weight 0/A'))).toEqual([zero]);
      expect(
        one(
          sample('lvscope-ipvs-overview.json', 'every director', 'Services without a usable real server/A'),
        ),
      ).toEqual([0]);
      // The VRRP pair: lb1 MASTER of VI_1, lb2 of VI_2; no VIP of the capture is on this host.
      const vrrp = 'lvscope-vrrp.json';
      expect(one(sample(vrrp, 'both directors', 'VRRP instances without MASTER/A'))).toEqual([0]);
      expect(
        sample(vrrp, 'both directors', 'VRRP state per instance and director/A')
          .map(({ metric, value }) => `${metric.instance} ${metric.iname} ${value}`)
          .sort(),
      ).toEqual(['lb1 VI_1 2', 'lb1 VI_2 1', 'lb2 VI_1 1', 'lb2 VI_2 2']);
      expect(one(sample(vrrp, 'both directors', 'Split brain: VIPs on several directors/A'))).toEqual([0]);
      // The real recommender's textfile on the client-skew recording, through node_exporter, beside
      // that recording's director: sh 1:1 flagged (twos recommended, other weights).
      const capacity = 'lvscope-capacity.json';
      const c = 'client-skew TCP 10.30.0.80:80';
      const recommended = parseExposition(readFileSync(stack.recommendation, 'utf8')).samples;
      const figure = (name: string) =>
        Object.fromEntries(
          recommended
            .filter((r) => r.name === `lvscope_recommendation_${name}`)
            .map((r) => [r.labels.remote_address ?? '', Math.round(r.value * 1000) / 1000]),
        );
      expect(figure('service_mismatch')).toEqual({ '': 1 });
      expect(one(sample(capacity, c, 'Services flagged/A'))).toEqual([1]);
      expect(sample(capacity, c, 'Scheduler now/A').map(({ metric }) => metric.scheduler)).toEqual(['sh']);
      expect(sample(capacity, c, 'Scheduler recommended/A').map(({ metric }) => metric.scheduler)).toEqual([
        recommended.find((r) => r.name === 'lvscope_recommendation_service_info')?.labels.scheduler,
      ]);
      const round = (values: number[]) => values.map((v) => Math.round(v * 1000) / 1000);
      expect(round(one(sample(capacity, c, 'Lowest headroom now/A')))).toEqual([
        figure('service_current_headroom_ratio')[''],
      ]);
      expect(round(one(sample(capacity, c, 'Lowest headroom recommended/A')))).toEqual([
        figure('service_recommended_headroom_ratio')[''],
      ]);
      // Live weights (the sample's ip_vs) are the ones the recommender analysed; it wants others.
      const live = { '10.30.1.1': 1, '10.30.1.2': 1 };
      expect(byServer(sample(capacity, c, 'Weights/C'))).toEqual(live);
      expect(byServer(sample(capacity, c, 'Weights/A'))).toEqual(live);
      expect(byServer(sample(capacity, c, 'Weights/B'))).toEqual(figure('destination_recommended_weight'));
      expect(byServer(sample(capacity, c, 'Weights/B'))).not.toEqual(live);
      expect(byServer(sample(capacity, c, 'Expected peak utilisation per real server/A'))).toEqual(
        figure('destination_current_peak_utilisation_ratio'),
      );
      // ipvsadm --rate printed 33 new connections/s in the sample; the recommender's peak beside it.
      expect(one(sample(capacity, c, 'New connections: live and expected peak/A'))).toEqual([33]);
      expect(round(one(sample(capacity, c, 'New connections: live and expected peak/B')))).toEqual([
        figure('service_peak_connections_per_second')[''],
      ]);
    });

    test('the threshold headroom query, on the t1 service that has an upper threshold', async () => {
      const board = boards.get('lvscope-capacity.json');
      const query = board
        ? panelsOf(board)
            .find((p) => p.title === 'Live headroom to the upper threshold')
            ?.targets?.find((t) => t.refId === 'A')?.expr
        : undefined;
      expect(query).toBeDefined();
      const service = boards.get('lvscope-ipvs-service.json');
      if (!service || !query) return;
      const { values } = await setVariables(stack.prometheus.url, service, {
        instance: 't1',
        service: 'TCP 192.0.2.10:80',
      });
      const result = await instant(stack.prometheus.url, interpolate(query, values));
      // 198.18.3.2 has ipvsadm -x 100: 1 active + 4 inactive connections in /proc leave 95%.
      expect(result.map((r) => [r.metric.remote_address, Number(r.value[1])])).toEqual([
        ['198.18.3.2', 0.95],
      ]);
    });

    test.skipIf(!chromiumInstalled)(
      'each dashboard renders in Chromium as a chart.js page from the same queries',
      async () => {
        const first = new Map<
          string,
          { board: Dashboard; picks: Readonly<Record<string, string | readonly string[]>> }
        >();
        for (const [file, board] of boards)
          first.set(file, { board, picks: SCENARIOS[file]?.[0]?.picks ?? {} });
        // LVSCOPE_SCREENSHOTS=1 rewrites the README's screenshots (dashboards/grafana/screenshots/).
        const screenshots = process.env.LVSCOPE_SCREENSHOTS === '1' ? SCREENSHOT_DIR : undefined;
        const pages = await renderDashboards(
          stack.prometheus.url,
          first,
          stack.startedAt,
          join(work, 'pages'),
          screenshots,
        );
        for (const page of pages) {
          const board = boards.get(page.file);
          expect(page.errors, page.file).toEqual([]);
          expect(page.panels, page.file).toBe(board ? panelsOf(board).length : -1);
          expect(page.charts, page.file).toBeGreaterThan(0);
          expect(page.blankCharts, page.file).toEqual([]);
          if (screenshots) expect(page.png && statSync(page.png).size, page.file).toBeGreaterThan(20_000);
        }
      },
      60_000,
    );
  },
);
