import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const alerts = fileURLToPath(new URL('../../dashboards/alerts/', import.meta.url));
const promtool = spawnSync('promtool', ['--version']).status === 0;
const work = mkdtempSync(path.join(os.tmpdir(), 'lvsk-rules-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (args: string[], cwd: string) =>
  spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 30_000 });

describe.skipIf(!promtool)('alert rules (promtool)', () => {
  it('the rules file is valid', () => {
    const out = execFileSync('promtool', ['check', 'rules', 'lvscope.rules.yml'], {
      cwd: alerts,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(out).toMatch(/SUCCESS: 9 rules found/);
  });

  it('every alert fires where it should and stays quiet elsewhere (promtool test rules)', () => {
    const result = run(['test', 'rules', 'lvscope.rules.test.yml'], alerts);
    expect(result.stdout + result.stderr).toMatch(/SUCCESS/);
    expect(result.status).toBe(0);
  });

  it('the unit tests catch a broken rule (the split-brain threshold raised)', () => {
    copyFileSync(path.join(alerts, 'lvscope.rules.test.yml'), path.join(work, 'lvscope.rules.test.yml'));
    const rules = readFileSync(path.join(alerts, 'lvscope.rules.yml'), 'utf8');
    const broken = rules.replace(
      '(lvscope_keepalived_vip_present == 1) > 1',
      '(lvscope_keepalived_vip_present == 1) > 2',
    );
    expect(broken).not.toBe(rules);
    writeFileSync(path.join(work, 'lvscope.rules.yml'), broken);
    const result = run(['test', 'rules', 'lvscope.rules.test.yml'], work);
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/KeepalivedSplitBrainVIP/);
  });
});
if (!promtool) console.warn('promtool not installed: alert rule tests skipped');
