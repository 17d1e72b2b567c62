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
import { PROCFS } from '../exporter/helpers.js';
import {
  type Dashboard,
  evaluatePanels,
  loadDashboards,
  panelsOf,
  passes,
  setVariables,
  type TargetResult,
} from './grafana-model.js';
import { LIVE_PAIR_ONLY, SCENARIOS } from './scenarios.js';
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
      const live = new Set(LIVE_PAIR_ONLY[file] ?? []);
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
      // The live-pair queries must be exactly the ones the captures cannot feed (the lab checks them).
      expect(failing.filter(({ key }) => !live.has(key))).toEqual([]);
      expect(failing.map(({ key }) => key).sort()).toEqual([...live].sort());
      const passed = [...keys.values()].filter((list) => list.some(passes)).length;
      console.log(
        `${file}: ${passed} of ${keys.size} queries return data (${byScenario?.size} scenarios)${live.size ? `, ${live.size} checked in the VRRP lab` : ''}`,
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
      // The recommendation textfile, through node_exporter: one service flagged, 12% headroom now.
      const capacity = 'lvscope-capacity.json';
      const c = 't1 TCP 192.0.2.10:80';
      expect(one(sample(capacity, c, 'Services flagged/A'))).toEqual([1]);
      expect(one(sample(capacity, c, 'Lowest headroom now/A'))).toEqual([0.12]);
      expect(byServer(sample(capacity, c, 'Weights/C'))).toEqual({
        '198.18.1.2': 3,
        '198.18.2.2': 2,
        '198.18.3.2': 1,
      });
      // 198.18.3.2 has ipvsadm -x 100: 1 active + 4 inactive connections in /proc leave 95%.
      expect(byServer(sample(capacity, c, 'Live headroom to the upper threshold/A'))).toEqual({
        '198.18.3.2': 0.95,
      });
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
