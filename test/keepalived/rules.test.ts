import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/process.js';
import { promtool, promtoolInstalled } from '../support/promtool.js';

const alerts = fileURLToPath(new URL('../../dashboards/alerts/', import.meta.url));
const work = tempDir('rules');
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!promtoolInstalled)('alert rules (promtool)', () => {
  it('the rules file is valid', async () => {
    const result = await promtool(['check', 'rules', 'lvscope.rules.yml'], alerts);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/SUCCESS: 10 rules found/);
  });

  it('every alert fires where it should and stays quiet elsewhere (promtool test rules)', async () => {
    const result = await promtool(['test', 'rules', 'lvscope.rules.test.yml'], alerts);
    expect(result.stdout + result.stderr).toMatch(/SUCCESS/);
    expect(result.code).toBe(0);
  });

  it.each([
    [
      'KeepalivedSplitBrainVIP',
      '(lvscope_keepalived_vip_present == 1) > 1',
      '(lvscope_keepalived_vip_present == 1) > 2',
    ],
    [
      'VrrpMultipleAdvertisers',
      'lvscope_keepalived_vrrp_wire_advertisers > 1',
      'lvscope_keepalived_vrrp_wire_advertisers > 2',
    ],
    ['VrrpMultipleAdvertisers', 'for: 10s\n', 'for: 3s\n'],
  ])('the unit tests catch a broken rule (%s: %s -> %s)', async (alert, from, to) => {
    copyFileSync(path.join(alerts, 'lvscope.rules.test.yml'), path.join(work, 'lvscope.rules.test.yml'));
    const rules = readFileSync(path.join(alerts, 'lvscope.rules.yml'), 'utf8');
    // The last occurrence: VrrpMultipleAdvertisers is the last rule of the file.
    const at = rules.lastIndexOf(from);
    expect(at).toBeGreaterThanOrEqual(0);
    const broken = rules.slice(0, at) + to + rules.slice(at + from.length);
    writeFileSync(path.join(work, 'lvscope.rules.yml'), broken);
    const result = await promtool(['test', 'rules', 'lvscope.rules.test.yml'], work);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toMatch(new RegExp(alert));
  });
});
if (!promtoolInstalled) console.warn('promtool not installed: alert rule tests skipped');
