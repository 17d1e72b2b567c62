/**
 * The IPVS recording and alert rules and the example Alertmanager configuration, with the real
 * promtool and amtool: the files are valid; every alert is tested firing and quiet (promtool
 * test rules); the tests catch a broken threshold, grace or duration; every alert carries a
 * severity, a summary, a description and a runbook_url whose README section exists; the example
 * routes critical, warning and info alerts where it says.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, test } from 'vitest';
import { type Config, DEFAULT_CONFIG } from '../../dashboards/src/config.js';
import { alertRulesYaml, recordingRulesYaml } from '../../dashboards/src/generate.js';
import { alertRules, runbookAnchor } from '../../dashboards/src/rules.js';
import { installed, run, tempDir } from '../support/process.js';
import { promtool, promtoolInstalled } from '../support/promtool.js';
import { ROOT } from '../exporter/helpers.js';

const ALERTS = join(ROOT, 'dashboards/alerts');
const TEST_FILE = 'lvscope-ipvs.rules.test.yml';
const AM_EXAMPLE = join(ROOT, 'dashboards/alertmanager/alertmanager.example.yml');
const work = tempDir('ipvs-rules');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** GitHub's anchor of a Markdown heading. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
}

test('every alert has a severity, a summary, a description and a runbook_url to a README section', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const anchors = new Set([...readme.matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1] ?? '')));
  const { rules } = alertRules(DEFAULT_CONFIG);
  expect(rules.length).toBe(8);
  for (const rule of rules) {
    expect(['critical', 'warning', 'info']).toContain(rule.labels.severity);
    expect(rule.annotations.summary.length, rule.alert).toBeGreaterThan(20);
    expect(rule.annotations.description.length, rule.alert).toBeGreaterThan(40);
    expect(rule.annotations.runbook_url).toBe(`README.md#${runbookAnchor(rule.alert)}`);
    expect(anchors.has(runbookAnchor(rule.alert)), `README heading for ${rule.alert}`).toBe(true);
  }
});

test('the promtool tests exercise every alert both firing and quiet', () => {
  const tests = (
    parseYaml(readFileSync(join(ALERTS, TEST_FILE), 'utf8')) as {
      tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
    }
  ).tests.flatMap((t) => t.alert_rule_test ?? []);
  for (const { alert } of alertRules(DEFAULT_CONFIG).rules) {
    const cases = tests.filter((t) => t.alertname === alert);
    expect(
      cases.some((t) => t.exp_alerts.length > 0),
      `${alert} firing`,
    ).toBe(true);
    expect(
      cases.some((t) => t.exp_alerts.length === 0),
      `${alert} quiet`,
    ).toBe(true);
  }
});

describe.skipIf(!promtoolInstalled)('rules (promtool)', () => {
  test('the recording and alert rule files are valid', async () => {
    const recording = await promtool(['check', 'rules', 'dashboards/rules/lvscope-ipvs.recording.yml'], ROOT);
    expect(recording.stdout).toMatch(/SUCCESS: 4 rules found/);
    const alerts = await promtool(['check', 'rules', 'dashboards/alerts/lvscope-ipvs.rules.yml'], ROOT);
    expect(alerts.stdout).toMatch(/SUCCESS: 8 rules found/);
    expect([recording.code, alerts.code]).toEqual([0, 0]);
  });

  test('every alert fires where it should and stays quiet elsewhere (promtool test rules)', async () => {
    const result = await promtool(['test', 'rules', TEST_FILE], ALERTS);
    expect(result.stdout + result.stderr).toMatch(/SUCCESS/);
    expect(result.code).toBe(0);
  });

  /** Runs the committed promtool tests against rules generated with `config` (and `edit`ed). */
  async function testWith(
    name: string,
    config: Config,
    edit: (recording: string, alerts: string) => [string, string],
  ) {
    const dir = join(work, name);
    mkdirSync(join(dir, 'alerts'), { recursive: true });
    mkdirSync(join(dir, 'rules'), { recursive: true });
    const [recording, alerts] = edit(recordingRulesYaml(), alertRulesYaml(config));
    writeFileSync(join(dir, 'rules/lvscope-ipvs.recording.yml'), recording);
    writeFileSync(join(dir, 'alerts/lvscope-ipvs.rules.yml'), alerts);
    copyFileSync(join(ALERTS, TEST_FILE), join(dir, 'alerts', TEST_FILE));
    return promtool(['test', 'rules', TEST_FILE], join(dir, 'alerts'));
  }
  const same = (recording: string, alerts: string): [string, string] => [recording, alerts];
  const imbalance = (change: Partial<Config['imbalance']>): Config => ({
    ...DEFAULT_CONFIG,
    imbalance: { ...DEFAULT_CONFIG.imbalance, ...change },
  });

  test('the generated files, regenerated into a scratch folder, pass the same tests', async () => {
    const result = await testWith('unchanged', DEFAULT_CONFIG, same);
    expect(result.stdout + result.stderr).toMatch(/SUCCESS/);
  });

  test.each([
    ['a higher threshold', imbalance({ high: 3 }), same, 'IpvsRealServerImbalanced'],
    ['tiny services judged', imbalance({ minServiceConnections: 5 }), same, 'IpvsRealServerImbalanced'],
    ['a shorter grace for new servers', imbalance({ grace: '5m' }), same, 'IpvsRealServerImbalanced'],
    ['a shorter for', imbalance({ for: '5m' }), same, 'IpvsRealServerImbalanced'],
    [
      'drained servers alerting sooner',
      { ...DEFAULT_CONFIG, realServerOutFor: '1m' as const },
      same,
      'IpvsRealServerWeightZero',
    ],
    [
      'weight-0 servers counted in the mean (persistence)',
      DEFAULT_CONFIG,
      (recording: string, alerts: string): [string, string] => [
        recording
          .replace(
            '(ipvs_destination_connections_active and ipvs_destination_weight > 0)',
            '(ipvs_destination_connections_active)',
          )
          .replace(
            '/ sum without (remote_address, remote_port) (ipvs_destination_weight > 0)',
            '/ sum without (remote_address, remote_port) (ipvs_destination_weight)',
          ),
        alerts,
      ],
      'ipvs_destination:weight_normalised_load:ratio',
    ],
    [
      'dead servers reported as drained too',
      DEFAULT_CONFIG,
      (recording: string, alerts: string): [string, string] => [
        recording,
        alerts.replace(
          /unless on \([^)]*\)\n\s*\(lvscope_keepalived_checker_rs_alive == 0\)/,
          'unless vector(0)',
        ),
      ],
      'IpvsRealServerWeightZero',
    ],
  ] as const)('the tests catch %s', async (name, config, edit, failing) => {
    const result = await testWith(name.replace(/\W+/g, '-'), config, edit);
    expect(result.code, result.stdout).toBe(1);
    expect(result.stdout + result.stderr).toContain(failing);
  });
});

describe.skipIf(!installed('amtool'))('the example Alertmanager configuration (amtool)', () => {
  test('amtool check-config is clean', async () => {
    const result = await run('amtool', ['check-config', AM_EXAMPLE]);
    expect(result.stdout).toMatch(/SUCCESS/);
    expect(result.stdout).toMatch(/3 inhibit rules/);
    expect(result.code).toBe(0);
  });

  test.each([
    ['critical', 'IpvsServiceNoUsableRealServer', 'lvscope-page'],
    ['warning', 'IpvsRealServerImbalanced', 'lvscope-ticket'],
    ['info', 'IpvsSchedulerWeightMismatch', 'lvscope-info'],
  ])('routes severity=%s (%s) to %s', async (severity, alertname, receiver) => {
    const result = await run('amtool', [
      'config',
      'routes',
      'test',
      `--config.file=${AM_EXAMPLE}`,
      `severity=${severity}`,
      `alertname=${alertname}`,
    ]);
    expect(result.stdout.trim()).toBe(receiver);
  });

  test('every severity the rules use has a route', () => {
    const config = parseYaml(readFileSync(AM_EXAMPLE, 'utf8')) as {
      route: { routes: { matchers: string[] }[] };
    };
    const routed = config.route.routes.flatMap((r) => r.matchers);
    for (const rule of alertRules(DEFAULT_CONFIG).rules)
      if (rule.labels.severity !== 'warning')
        expect(routed, rule.alert).toContain(`severity="${rule.labels.severity}"`);
  });
});
