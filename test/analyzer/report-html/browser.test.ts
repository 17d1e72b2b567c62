/**
 * The HTML report of a Recommendation made by the real engine, opened from file:// in the system
 * Chromium: every chart drawn, nothing loaded, nothing refused by the CSP, no errors, every
 * number in the tables; a hostile server name stays text; the screenshot for the README
 * (LVSCOPE_SCREENSHOTS=1 writes it to docs/img/report.png).
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recommendationHtml } from '../../../analyzer/report/html/index.js';
import { delayText, percent } from '../../../analyzer/report/html/format.js';
import type { Recommendation } from '../../../analyzer/recommend/types.js';
import { ROOT } from '../../exporter/helpers.js';
import { checkCanvases, launch, type Opened, openReport, readTables } from './browser.js';
import { engineRecommendation, recordingRecommendation, renamed, SLOW } from './fixture.js';
import { toPalettePng } from './png-palette.js';

/** The README's picture is rewritten only on request (as test/dashboards does); every run takes and checks one. */
const WRITE_README_PICTURE = process.env.LVSCOPE_SCREENSHOTS === '1';
const HOSTILE = '</script><script>alert(1)</script>';

let browser: Browser;
let dir: string;
let rec: Recommendation;

function write(name: string, r: Recommendation): string {
  const file = join(dir, name);
  writeFileSync(file, recommendationHtml(r));
  return file;
}

async function expectQuiet(o: Opened): Promise<void> {
  expect(o.pageErrors).toEqual([]);
  expect(o.consoleErrors).toEqual([]);
  expect(await o.violations()).toEqual([]);
  expect(o.dialogs).toEqual([]);
  expect(o.requests).toEqual([o.url]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lvscope-html-report-'));
  [browser, rec] = await Promise.all([launch(), engineRecommendation()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the report in Chromium', () => {
  it('draws every chart with its data, loads nothing, trips no CSP rule and logs no error', async () => {
    const o = await openReport(browser, write('report.html', rec));
    await o.page.waitForFunction('document.documentElement.dataset.chartsDrawn !== undefined', undefined, {
      timeout: 20_000,
    });
    const canvases = await checkCanvases(o.page);
    const drawn = await o.page.evaluate<string>('document.documentElement.dataset.chartsDrawn');
    // load, two series, peak-to-mean, latency, modes, one what-if.
    expect(rec.services[0]?.modes).toBeDefined();
    expect(canvases.map((c) => c.key)).toEqual([
      'service-1-load',
      'service-1-series-now',
      'service-1-series-recommended',
      'service-1-peak-to-mean',
      'service-1-latency',
      'service-1-modes',
      'service-1-whatif-0',
    ]);
    expect(drawn).toBe(String(canvases.length));
    for (const c of canvases) {
      expect(c.width, c.key).toBeGreaterThan(300);
      expect(c.height, c.key).toBeGreaterThan(150);
      expect(c.painted, c.key).toBeGreaterThan(c.width * c.height * 0.01);
      expect(c.dataPixels, c.key).toBeGreaterThan(50);
      expect(c.points, c.key).toBeGreaterThan(0);
      expect(c.label, c.key).toMatch(/chart/);
    }
    await expectQuiet(o);
    const picture = WRITE_README_PICTURE ? join(ROOT, 'docs/img/report.png') : join(dir, 'report.png');
    await o.page.screenshot({ path: picture, fullPage: true });
    const png = toPalettePng(picture);
    expect(png.worstError).toBeLessThan(64);
    expect(statSync(picture).size).toBe(png.bytes);
    expect(png.bytes).toBeLessThan(400_000);
    await o.page.context().close();
  }, 60_000);

  it('renders a recommendation from a real-kernel recording (NAT, modes costed) as cleanly', async () => {
    const recorded = await recordingRecommendation();
    expect(recorded.services[0]?.modes).toBeDefined();
    const o = await openReport(browser, write('recorded.html', recorded));
    await o.page.waitForFunction('document.documentElement.dataset.chartsDrawn !== undefined', undefined, {
      timeout: 20_000,
    });
    const canvases = await checkCanvases(o.page);
    expect(canvases.map((c) => c.key)).toContain('service-1-modes');
    expect(canvases.map((c) => c.key)).toContain('service-1-whatif-0');
    for (const c of canvases) {
      expect(c.painted, c.key).toBeGreaterThan(c.width * c.height * 0.01);
      expect(c.dataPixels, c.key).toBeGreaterThan(50);
    }
    const tables = await readTables(o.page);
    expect(tables.find((t) => t.caption.startsWith('Forwarding modes'))?.rows).toHaveLength(6);
    await expectQuiet(o);
    await o.page.context().close();
  }, 90_000);

  it('shows the numbers in the tables', async () => {
    const o = await openReport(browser, write('tables.html', rec));
    const tables = await readTables(o.page);
    const s = rec.services[0]!;
    const table = (prefix: string) => {
      const t = tables.find((x) => x.caption.startsWith(prefix));
      if (!t) throw new Error(`no table "${prefix}" among ${tables.map((x) => x.caption).join(' | ')}`);
      return t.rows;
    };

    const candidates = table('All ');
    expect(candidates).toHaveLength(s.candidates.length);
    s.candidates.forEach((c, i) => {
      const row = candidates[i]!;
      expect(row.slice(0, 2)).toEqual([String(c.rank), c.name]);
      expect(row[3]).toBe(delayText(c.outcome.delayP50Ms));
      expect(row[4]).toBe(delayText(c.outcome.delayP99Ms));
      expect(row[5]).toBe(percent(c.outcome.peakUtilisation));
    });
    // The running wrr 1:1:1 overloads the slow server: said in words, in red, not as a number.
    expect(s.baseline.outcome.delayP99Ms).toBe('overloaded');
    const overloaded = await o.page.locator('td .overloaded').count();
    expect(overloaded).toBeGreaterThan(0);

    const servers = table('Per server');
    expect(servers.map((r) => r[0])).toEqual(s.baseline.outcome.servers.map((x) => x.server));
    const slow = servers.find((r) => r[0] === SLOW)!;
    const weight = (c: typeof s.baseline) =>
      c.config.servers.find((x) => x.server.startsWith(`${SLOW}:`))!.weight;
    expect(slow[2]).toBe(`${weight(s.baseline)} → ${weight(s.recommended)}`);

    const gains = table('Expected gains');
    expect(gains.map((r) => r[0])).toEqual(s.gains.map((g) => g.figure));

    const modes = table('Forwarding modes');
    expect(modes.map((r) => r[0]!.split(' (')[0])).toEqual([
      'DR',
      'TUN/IPIP',
      'TUN/GRE',
      'TUN/GUE',
      'NAT',
      'FULLNAT',
    ]);

    const runs = table(s.whatif[0]!.scenario.description);
    expect(runs.map((r) => r[0])).toEqual(s.whatif[0]!.runs.map((r) => r.name));
    expect(runs.map((r) => r[2])).toEqual(s.whatif[0]!.runs.map((r) => String(r.connectionsMoved)));

    const commands = await o.page.locator('pre.command').allTextContents();
    expect(commands[0]).toBe(s.apply.ipvsadmEdits.join('\n'));
    expect(commands[1]).toBe(s.apply.ipvsadmRestore.join('\n'));
    expect(commands[2]).toBe(s.apply.keepalived.trimEnd());
    expect(await o.page.locator('button.copy').count()).toBe(commands.length);
    await expectQuiet(o);
    await o.page.context().close();
  }, 60_000);

  it('reads without script: tables and commands, no empty chart boxes', async () => {
    const o = await openReport(browser, write('nojs.html', rec), { javaScript: false });
    const hidden = await o.page.evaluate<boolean[]>(
      "[...document.querySelectorAll('.chart')].map((c) => getComputedStyle(c).display === 'none')",
    );
    expect(hidden.length).toBeGreaterThan(0);
    expect(hidden.every((h) => h)).toBe(true);
    expect((await readTables(o.page)).length).toBeGreaterThanOrEqual(6);
    expect(await o.page.locator('pre.command').count()).toBe(3);
    expect(o.requests).toEqual([o.url]);
    await o.page.context().close();
  }, 60_000);

  it('prints without the navigation and copy buttons', async () => {
    const o = await openReport(browser, write('print.html', rec));
    await o.page.emulateMedia({ media: 'print' });
    const shown = await o.page.evaluate<string[]>(
      "['nav', 'button.copy', '.chart'].map((q) => getComputedStyle(document.querySelector(q)).display)",
    );
    expect(shown).toEqual(['none', 'none', 'block']);
    await expectQuiet(o);
    await o.page.context().close();
  }, 60_000);

  it('shows a hostile server name as text and runs none of it', async () => {
    const hostile = renamed(rec, SLOW, HOSTILE);
    const o = await openReport(browser, write('hostile.html', { ...hostile, pool: `<!--${HOSTILE}` }));
    await o.page.waitForFunction('document.documentElement.dataset.chartsDrawn !== undefined');
    const title = await o.page.title();
    expect(title).toContain(HOSTILE);
    const cell = await o.page.locator('table th[scope=row]', { hasText: HOSTILE }).count();
    expect(cell).toBeGreaterThan(0);
    expect(await o.page.locator('script').count()).toBe(4);
    const embedded = await o.page.evaluate<unknown>(
      "JSON.parse(document.getElementById('recommendation').textContent)",
    );
    expect(embedded).toEqual({ ...hostile, pool: `<!--${HOSTILE}` });
    await expectQuiet(o);
    await o.page.context().close();
  }, 60_000);
});
