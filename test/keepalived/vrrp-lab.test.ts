import { writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/process.js';
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
    ]) {
      expect(await lab.firing(alert, {})).toBe(false);
    }
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
});
