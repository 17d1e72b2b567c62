import { writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/process.js';
import { evaluatePanels, loadDashboards, passes, setVariables } from '../dashboards/grafana-model.js';
import { LIVE_PAIR_ONLY } from '../dashboards/scenarios.js';
import { labPrerequisites, PASSWORD, VIP1, VrrpLab, type Node } from './lab/harness.js';

const missing = labPrerequisites();
if (missing) console.warn(`keepalived VRRP lab skipped: ${missing}`);

/** fault → alert firing, per scenario, printed as the README table at the end. */
const timings: { scenario: string; alert: string; ms: number }[] = [];

describe.skipIf(missing !== undefined)('keepalived VRRP pair lab: faults fire the right alerts', () => {
  const lab = new VrrpLab();

  const master = async (node: Node, iname: string) =>
    (await lab.query(`lvscope_keepalived_vrrp_state{instance="${node}",iname="${iname}"} == 2`)).length === 1;
  /** lb1 MASTER of VI_1 and lb2 of VI_2 as Prometheus sees it, and VIP1 only on lb1. */
  const steady = () =>
    waitFor(
      'steady state (lb1 MASTER of VI_1, lb2 MASTER of VI_2, VIP1 only on lb1)',
      40_000,
      async () =>
        (await master('lb1', 'VI_1')) &&
        (await master('lb2', 'VI_2')) &&
        lab.hasVip('lb1', VIP1) &&
        !lab.hasVip('lb2', VIP1),
      200,
    );
  const measure = async (scenario: string, alert: string, labels: Record<string, string>, since: number) => {
    const ms = await lab.waitFiring(alert, labels, since);
    timings.push({
      scenario,
      alert: `${alert}{${Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(',')}}`,
      ms,
    });
    return ms;
  };

  beforeAll(async () => {
    lab.setUp();
    lab.startKeepalived('lb1');
    lab.startKeepalived('lb2');
    await lab.waitPidFiles('lb1');
    await lab.waitPidFiles('lb2');
    lab.startExporter('lb1');
    lab.startExporter('lb2');
    await lab.startPrometheus();
    await steady();
  }, 90_000);

  afterAll(async () => {
    await lab.tearDown();
    if (timings.length > 0) {
      console.log(
        [
          '| scenario | alert | fault → firing |',
          '|---|---|---|',
          ...timings.map((t) => `| ${t.scenario} | \`${t.alert}\` | ${(t.ms / 1000).toFixed(1)} s |`),
        ].join('\n'),
      );
    }
  }, 30_000);

  it('steady pair: no split brain, no fault, and no output holds the VRRP password', async () => {
    for (const alert of [
      'KeepalivedSplitBrainVIP',
      'KeepalivedMultipleMasters',
      'KeepalivedNoMaster',
      'KeepalivedFault',
      'KeepalivedDown',
      'VrrpMultipleAdvertisers',
    ]) {
      expect(await lab.firing(alert, {})).toBe(false);
    }
    // Each director's listener hears exactly one router per VRID: the master.
    const advertisers = await waitFor(
      'both listeners reporting vrid 51 and 52',
      10_000,
      async () => {
        const found = await lab.query('lvscope_keepalived_vrrp_wire_advertisers');
        return found.length === 4 && found;
      },
      200,
    );
    expect(
      advertisers.map((s) => `${s.metric.instance} ${s.metric.intf} ${s.metric.vrid} ${s.value[1]}`).sort(),
    ).toEqual(['lb1 eth0 51 1', 'lb1 eth0 52 1', 'lb2 eth0 51 1', 'lb2 eth0 52 1']);
    const priorities = await lab.query('lvscope_keepalived_vrrp_wire_priority{instance="lb1"}');
    expect(
      priorities
        .map((s) => `${s.metric.vrid} ${s.metric.version} ${s.metric.source_address} ${s.value[1]}`)
        .sort(),
    ).toEqual(['51 2 10.251.0.11 150', '52 3 10.251.0.12 150']);
    const vip1 = (text: string) =>
      /lvscope_keepalived_vip_present\{.*ip_address="10\.251\.0\.201".*\} (\d)/.exec(text)?.[1];
    const [lb1, lb2] = [await lab.scrape('lb1'), await lab.scrape('lb2')];
    expect(lb1).toMatch(/^keepalived_up 1$/m);
    expect(lb2).toMatch(/^keepalived_up 1$/m);
    expect([vip1(lb1), vip1(lb2)]).toEqual(['1', '0']);
    expect(lb1 + lb2).not.toContain(PASSWORD);
    expect(lab.exporterOutput()).toMatch(/level=/);
    expect(lab.exporterOutput()).not.toContain(PASSWORD);
  });

  it("the VRRP dashboard: every query returns data on the live pair, the wire listener's included", async () => {
    const board = loadDashboards().get('lvscope-vrrp.json');
    if (!board) throw new Error('dashboards/grafana/lvscope-vrrp.json missing');
    const { values, options } = await setVariables(lab.prometheusUrl, board, { instance: '*' });
    expect(options.instance?.map((o) => o.text)).toEqual(['lb1', 'lb2']);
    // rate() and increase() need two samples of the counters: wait for them (bounded).
    let results = await evaluatePanels(lab.prometheusUrl, board, values);
    const deadline = Date.now() + 20_000;
    while (results.some((r) => !passes(r)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      results = await evaluatePanels(lab.prometheusUrl, board, values);
    }
    const failing = results
      .filter((r) => !passes(r))
      .map(
        (r) =>
          `${r.panel}/${r.refId}: ${r.error ?? `${r.series} series, empty: ${r.emptySelectors.join(' ')}`}`,
      );
    if (failing.length > 0)
      console.log(
        'samples of keepalived_advertisements_sent_total in the last minute:',
        JSON.stringify(await lab.query('count_over_time(keepalived_advertisements_sent_total[1m])')),
      );
    expect(failing).toEqual([]);
    // The queries the captures cannot feed (test/dashboards/) are among them.
    const live = results.filter((r) =>
      LIVE_PAIR_ONLY['lvscope-vrrp.json']?.includes(`${r.panel}/${r.refId}`),
    );
    expect(live).toHaveLength(LIVE_PAIR_ONLY['lvscope-vrrp.json']?.length ?? -1);
    const advertisers = results.find((r) => r.panel === 'Routers advertising, heard on the wire');
    expect(advertisers?.samples.map((s) => s.value)).toEqual([1, 1, 1, 1]);
  });

  it('kill -9 of the master parent: KeepalivedDown on lb1, KeepalivedFailover on lb2', async () => {
    const { parent, vrrp } = await lab.waitPidFiles('lb1');
    const t0 = Date.now();
    process.kill(parent, 'SIGKILL');
    await measure(
      'kill -9 of the master parent',
      'KeepalivedFailover',
      { instance: 'lb2', iname: 'VI_1' },
      t0,
    );
    await measure('kill -9 of the master parent', 'KeepalivedDown', { instance: 'lb1' }, t0);
    await lab.waitGone(vrrp); // the VRRP child follows its parent (parent-death signal)
    expect(lab.hasVip('lb2', VIP1)).toBe(true);
  });

  it('restart with preemption: lb1 takes VI_1 back (KeepalivedFailover on lb1)', async () => {
    const t0 = Date.now();
    lab.startKeepalived('lb1');
    await measure('restart with preemption', 'KeepalivedFailover', { instance: 'lb1', iname: 'VI_1' }, t0);
    await steady();
    // lb2 advertised VI_1 until lb1 took it back: an overlap, not two masters.
    expect(await lab.firing('VrrpMultipleAdvertisers', {})).toBe(false);
  });

  it('frozen keepalived (SIGSTOP parent, kill -9 VRRP child): VIP on both directors → KeepalivedSplitBrainVIP', async () => {
    const { parent, vrrp } = await lab.waitPidFiles('lb1');
    const t0 = Date.now();
    process.kill(parent, 'SIGSTOP');
    process.kill(vrrp, 'SIGKILL');
    await measure('frozen keepalived', 'KeepalivedSplitBrainVIP', { ip_address: VIP1 }, t0);
    await measure('frozen keepalived', 'KeepalivedDown', { instance: 'lb1' }, t0);
    expect(lab.hasVip('lb1', VIP1) && lab.hasVip('lb2', VIP1)).toBe(true);
    // Recovery: the frozen parent dies; a new keepalived removes the stale VIP at start.
    process.kill(parent, 'SIGKILL');
    await lab.waitGone(parent);
    lab.startKeepalived('lb1');
    await steady();
  });

  it('master link down: KeepalivedFault on lb1', async () => {
    const t0 = Date.now();
    lab.ip('-n', lab.nsOf('lb1'), 'link', 'set', 'eth0', 'down');
    await measure('master link down', 'KeepalivedFault', { instance: 'lb1', iname: 'VI_1' }, t0);
    lab.ip('-n', lab.nsOf('lb1'), 'link', 'set', 'eth0', 'up');
    await steady();
  });

  it('track script failing: KeepalivedFault (VI_1) and KeepalivedPriorityDegraded (VI_2 weight -60) on lb1', async () => {
    const flag = path.join(lab.dir('lb1'), 'healthy');
    const t0 = Date.now();
    rmSync(flag);
    await measure('track script failing', 'KeepalivedFault', { instance: 'lb1', iname: 'VI_1' }, t0);
    await measure(
      'track script failing',
      'KeepalivedPriorityDegraded',
      { instance: 'lb1', iname: 'VI_2' },
      t0,
    );
    writeFileSync(flag, '');
    await steady();
  });

  it('restart without preemption: lb1 stays BACKUP under lb2 → KeepalivedPreferredNotMaster, no failover back', async () => {
    const { parent } = await lab.waitPidFiles('lb1');
    process.kill(parent, 'SIGTERM');
    await lab.waitGone(parent);
    await waitFor('lb2 MASTER of VI_1', 20_000, () => master('lb2', 'VI_1'), 100);
    lab.writeConfig('lb1', { preempt: false });
    const t0 = Date.now();
    lab.startKeepalived('lb1');
    await measure(
      'restart without preemption',
      'KeepalivedPreferredNotMaster',
      { instance: 'lb1', iname: 'VI_1' },
      t0,
    );
    expect(await master('lb2', 'VI_1')).toBe(true);
    expect(await lab.firing('KeepalivedFailover', { instance: 'lb1', iname: 'VI_1' })).toBe(false);
    expect(lab.hasVip('lb1', VIP1)).toBe(false);
    // lb1's SIGTERM resigned VI_1 with priority 0 and lb2 took over: no second advertiser.
    expect(await lab.firing('VrrpMultipleAdvertisers', {})).toBe(false);
  });

  it('the notify FIFO counted every transition, and still no output holds the password', async () => {
    const fifo = await lab.query(
      'lvscope_keepalived_fifo_transitions_total{instance="lb2",iname="VI_1",to_state="MASTER"}',
    );
    // lb2 became MASTER of VI_1 in the kill, frozen, link-down, track-script and no-preempt scenarios.
    expect(Number(fifo[0]?.value[1])).toBeGreaterThanOrEqual(5);
    for (const node of ['lb1', 'lb2'] as const) expect(await lab.scrape(node)).not.toContain(PASSWORD);
    expect(lab.exporterOutput()).not.toContain(PASSWORD);
  });

  it("two masters while lb2's exporter is down: lb1's listener hears both → VrrpMultipleAdvertisers", async () => {
    // From the previous scenarios: lb2 is MASTER of VI_1 and VI_2, lb1 BACKUP (nopreempt).
    await lab.stopExporter('lb2');
    const t0 = Date.now();
    lab.deaf('lb1', true);
    try {
      // lb1 takes VI_2 (its priority 100 < 150: lb2 ignores it) and VI_1 (150: lb2 yields).
      await measure(
        'two masters, the other exporter down',
        'VrrpMultipleAdvertisers',
        { instance: 'lb1', vrid: '52' },
        t0,
      );
      const heard = await lab.query('lvscope_keepalived_vrrp_wire_priority{instance="lb1",vrid="52"}');
      expect(heard.map((s) => `${s.metric.source_address} ${s.value[1]}`).sort()).toEqual([
        '10.251.0.11 100',
        '10.251.0.12 150',
      ]);
      // The state-based rule needs both exporters: it cannot see this.
      expect(await lab.firing('KeepalivedMultipleMasters', {})).toBe(false);
      expect(await lab.firing('VrrpMultipleAdvertisers', { vrid: '51' })).toBe(false);
    } finally {
      lab.deaf('lb1', false);
    }
    expect(await lab.scrape('lb1')).not.toContain(PASSWORD);
    expect(lab.exporterOutput()).not.toContain(PASSWORD);
  });
});
