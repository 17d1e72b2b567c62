/**
 * An equivalent of each Grafana dashboard without Grafana: the same panels at the same grid
 * positions, fed by the same queries (variables set as in the tests) from the same Prometheus,
 * drawn with chart.js (time series, bar gauges), HTML (stats, tables, state timelines) in one
 * self-contained page, and screenshotted by the system Chromium through playwright-core.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { promApi } from '../support/prometheus.js';
import { ROOT } from '../exporter/helpers.js';
import {
  type Dashboard,
  instant,
  interpolate,
  type Panel,
  setVariables,
  type Values,
} from './grafana-model.js';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumInstalled = (() => {
  try {
    return statSync(CHROMIUM).isFile();
  } catch {
    return false;
  }
})();
export const SCREENSHOT_DIR = join(ROOT, 'dashboards/grafana/screenshots');
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface Series {
  readonly name: string;
  readonly points: [number, number][];
}

interface PanelData {
  readonly type: string;
  readonly title: string;
  readonly gridPos: Panel['gridPos'];
  readonly unit: string;
  readonly decimals?: number;
  readonly min?: number;
  readonly max?: number;
  readonly mappings: Record<string, { text: string; color: string }>;
  readonly steps: { value: number | null; color: string }[];
  readonly textMode?: string;
  readonly series: Series[];
  table?: { columns: string[]; rows: string[][] };
  readonly text?: string;
  readonly dashed?: string;
}

/** Grafana's legend: `{{label}}` replaced by the series' label values. */
function legend(format: string | undefined, metric: Record<string, string>): string {
  if (format === undefined || format === '') {
    const { __name__: name = '', ...labels } = metric;
    return `${name}{${Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(', ')}}`;
  }
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, label: string) => metric[label] ?? '');
}

async function range(url: string, expr: string, start: number, end: number) {
  const answer = await promApi<{ result: { metric: Record<string, string>; values: [number, string][] }[] }>(
    url,
    '/api/v1/query_range',
    { query: expr, start: start / 1000, end: end / 1000, step: 1 },
  );
  if (answer.status !== 'success') throw new Error(`${expr}: ${answer.error}`);
  return answer.data?.result ?? [];
}

async function panelData(
  url: string,
  panel: Panel,
  values: Values,
  start: number,
  end: number,
): Promise<PanelData> {
  const defaults = panel.fieldConfig?.defaults ?? {};
  const mappings = Object.assign(
    {},
    ...(defaults.mappings ?? []).map((m) => m.options),
  ) as PanelData['mappings'];
  const dashed = panel.fieldConfig?.overrides?.find((o) => o.matcher.id === 'byRegexp')?.matcher.options;
  const data: PanelData = {
    type: panel.type,
    title: panel.title,
    gridPos: panel.gridPos,
    unit: defaults.unit ?? 'short',
    decimals: defaults.decimals,
    min: defaults.min,
    max: defaults.max,
    mappings,
    steps: defaults.thresholds?.steps ?? [],
    textMode: typeof panel.options?.textMode === 'string' ? panel.options.textMode : undefined,
    series: [],
    dashed,
    text:
      panel.type === 'text' && typeof panel.options?.content === 'string' ? panel.options.content : undefined,
  };
  const targets = panel.targets ?? [];
  if (panel.type === 'table') {
    const organize = panel.transformations?.find((t) => t.id === 'organize')?.options as
      { indexByName: Record<string, number>; renameByName: Record<string, string> } | undefined;
    const columns = Object.entries(organize?.indexByName ?? {})
      .sort(([, a], [, b]) => a - b)
      .map(([name]) => name);
    const rows = new Map<string, Record<string, string>>();
    for (const target of targets) {
      for (const { metric, value } of await instant(url, interpolate(target.expr, values))) {
        const labels = Object.fromEntries(Object.entries(metric).filter(([name]) => name !== '__name__'));
        const key = JSON.stringify(Object.entries(labels).sort());
        const row = rows.get(key) ?? { ...labels };
        row[`Value #${target.refId}`] = value[1];
        rows.set(key, row);
      }
    }
    data.table = {
      columns: columns.map((c) => organize?.renameByName[c] ?? c),
      rows: [...rows.values()].map((row) => columns.map((c) => row[c] ?? '')),
    };
    return data;
  }
  for (const target of targets) {
    const expr = interpolate(target.expr, values);
    if (target.instant) {
      for (const { metric, value } of await instant(url, expr))
        data.series.push({
          name: legend(target.legendFormat, metric),
          points: [[value[0] * 1000, Number(value[1])]],
        });
    } else {
      for (const { metric, values: points } of await range(url, expr, start, end))
        data.series.push({
          name: legend(target.legendFormat, metric),
          points: points.map(([t, v]) => [t * 1000, Number(v)]),
        });
    }
  }
  return data;
}

function chartJs(): string {
  const require = createRequire(import.meta.url);
  const umd = new URL('chart.umd.min.js', pathToFileURL(require.resolve('chart.js')));
  return readFileSync(umd, 'utf8').replace(/<\/script/gi, '<\\/script');
}

/** The page's own script: formats values as Grafana's units do (the ones the dashboards use) and draws the panels. */
const PAGE_SCRIPT = String.raw`
const COLORS = { green: '#73bf69', orange: '#ff9830', red: '#f2495c', blue: '#5794f2', yellow: '#fade2a', text: '#ccccdc', transparent: '#2c3235' };
const PALETTE = ['#7eb26d', '#eab839', '#6ed0e0', '#ef843c', '#e24d42', '#1f78c1', '#ba43a9', '#705da0', '#508642', '#cca300'];
const color = (c) => COLORS[c] || c;
function si(v, suffix, base) {
  const units = base === 1024 ? ['', 'Ki', 'Mi', 'Gi', 'Ti'] : ['', 'k', 'M', 'G', 'T'];
  let i = 0; let x = Math.abs(v);
  while (x >= base && i < units.length - 1) { x /= base; i++; }
  const n = (v < 0 ? -x : x);
  const text = Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);
  return (text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text) + ' ' + units[i] + suffix;
}
function duration(s) {
  const a = Math.abs(s);
  if (a < 60) return s.toFixed(a < 10 ? 1 : 0) + ' s';
  if (a < 3600) return (s / 60).toFixed(1) + ' min';
  if (a < 86400) return (s / 3600).toFixed(1) + ' h';
  return (s / 86400).toFixed(1) + ' d';
}
function format(v, unit, decimals) {
  if (v === null || v === undefined || Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return String(v);
  switch (unit) {
    case 'percentunit': return (v * 100).toFixed(decimals ?? 0) + '%';
    case 's': return duration(v);
    case 'Bps': return si(v, 'B/s', 1000).trim();
    case 'decbytes': return si(v, 'B', 1000).trim();
    case 'pps': return si(v, 'p/s', 1000).trim();
    case 'cps': return si(v, 'c/s', 1000).trim();
    case 'none': return decimals !== undefined ? v.toFixed(decimals) : String(Math.round(v * 100) / 100);
    default: return si(v, '', 1000).trim();
  }
}
function stepColor(panel, v) {
  let c = 'green';
  for (const s of panel.steps) if (s.value === null || v >= s.value) c = s.color;
  return color(c);
}
function mapped(panel, v) {
  const m = panel.mappings[String(v)];
  return m ? { text: m.text, color: color(m.color) } : undefined;
}
const time = (t) => new Date(t).toISOString().slice(11, 19);
function draw(panel, body) {
  if (panel.type === 'text') { body.textContent = panel.text; body.className += ' text'; return; }
  if (panel.type === 'table') {
    const t = document.createElement('table');
    t.innerHTML = '<tr>' + panel.table.columns.map((c) => '<th>' + c + '</th>').join('') + '</tr>' +
      panel.table.rows.map((r) => '<tr>' + r.map((c) => '<td>' + c + '</td>').join('') + '</tr>').join('');
    body.appendChild(t); return;
  }
  if (panel.series.length === 0) { body.innerHTML = '<div class="nodata">No data</div>'; return; }
  if (panel.type === 'stat') {
    body.className += ' stat';
    for (const s of panel.series) {
      const v = s.points[s.points.length - 1][1];
      const m = mapped(panel, v);
      const el = document.createElement('div'); el.className = 'big';
      const value = panel.textMode === 'name' ? s.name : m ? m.text : format(v, panel.unit, panel.decimals);
      el.innerHTML = (panel.textMode === 'value_and_name' ? '<span class="name">' + s.name + '</span>' : '') + '<span>' + value + '</span>';
      el.style.color = panel.textMode === 'name' ? color('text') : m ? m.color : stepColor(panel, v);
      body.appendChild(el);
    }
    return;
  }
  if (panel.type === 'state-timeline') {
    body.className += ' timeline';
    for (const s of panel.series) {
      const row = document.createElement('div'); row.className = 'lane';
      row.innerHTML = '<span class="name">' + s.name + '</span>';
      const bar = document.createElement('div'); bar.className = 'bar';
      let i = 0;
      while (i < s.points.length) {
        let j = i; while (j + 1 < s.points.length && s.points[j + 1][1] === s.points[i][1]) j++;
        const m = mapped(panel, s.points[i][1]);
        const seg = document.createElement('div');
        seg.style.flex = String(j - i + 1); seg.style.background = m ? m.color : stepColor(panel, s.points[i][1]);
        seg.textContent = m ? m.text : format(s.points[i][1], panel.unit, panel.decimals);
        bar.appendChild(seg); i = j + 1;
      }
      row.appendChild(bar); body.appendChild(row);
    }
    return;
  }
  const canvas = document.createElement('canvas'); body.appendChild(canvas);
  const dashed = panel.dashed ? new RegExp(panel.dashed.replace(/^\/|\/$/g, '')) : null;
  if (panel.type === 'bargauge') {
    new Chart(canvas, { type: 'bar', data: { labels: panel.series.map((s) => s.name), datasets: [{
      data: panel.series.map((s) => s.points[0][1]), backgroundColor: panel.series.map((s) => stepColor(panel, s.points[0][1])) }] },
      options: { indexAxis: 'y', animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } },
        scales: { x: { min: panel.min, max: panel.max, ticks: { color: '#ccccdc', callback: (v) => format(v, panel.unit, panel.decimals) }, grid: { color: '#2c3235' } },
          y: { ticks: { color: '#ccccdc' }, grid: { display: false } } } } });
    return;
  }
  // Threshold lines only where they fall near the data (Grafana does not stretch the axis for them).
  const ys = panel.series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  const [lo, hi] = [Math.min(...ys, 0), Math.max(...ys, 1)];
  const thresholds = panel.steps.filter((s) => s.value !== null && s.value <= hi + (hi - lo) && s.value >= lo - (hi - lo));
  new Chart(canvas, { type: 'line', data: { datasets: panel.series.map((s, i) => ({
      label: s.name, data: s.points.map(([x, y]) => ({ x, y })), borderColor: PALETTE[i % PALETTE.length],
      borderDash: dashed && dashed.test(s.name) ? [6, 4] : [], pointRadius: 0, borderWidth: 1.5 })).concat(
      thresholds.length && panel.series[0].points.length ? thresholds.map((s) => ({ label: '', data: [
        { x: panel.series[0].points[0][0], y: s.value }, { x: panel.series[0].points[panel.series[0].points.length - 1][0], y: s.value }],
        borderColor: color(s.color), borderDash: [3, 3], pointRadius: 0, borderWidth: 1 })) : []) },
    options: { animation: false, responsive: true, maintainAspectRatio: false, parsing: false,
      plugins: { legend: { position: 'bottom', labels: { color: '#ccccdc', boxWidth: 10, font: { size: 10 }, filter: (item) => item.text !== '' } } },
      scales: { x: { type: 'linear', ticks: { color: '#ccccdc', maxTicksLimit: 6, callback: (v) => time(v) }, grid: { color: '#2c3235' } },
        y: { min: panel.min, max: panel.max, ticks: { color: '#ccccdc', callback: (v) => format(v, panel.unit, panel.decimals) }, grid: { color: '#2c3235' } } } } });
}
const data = JSON.parse(document.getElementById('data').textContent);
document.getElementById('title').textContent = data.title;
document.getElementById('vars').textContent = data.variables;
const grid = document.getElementById('grid');
for (const panel of data.panels) {
  const el = document.createElement('div');
  el.className = panel.type === 'row' ? 'row' : 'panel';
  el.style.gridColumn = (panel.gridPos.x + 1) + ' / span ' + panel.gridPos.w;
  el.style.gridRow = (panel.gridPos.y + 1) + ' / span ' + panel.gridPos.h;
  el.innerHTML = '<div class="title">' + panel.title + '</div>';
  grid.appendChild(el);
  if (panel.type !== 'row') { const body = document.createElement('div'); body.className = 'body'; el.appendChild(body); draw(panel, body); }
}
window.__rendered = true;
`;

const STYLE = `
body { margin: 0; background: #111217; color: #ccccdc; font: 12px Inter, Helvetica, Arial, sans-serif; }
header { padding: 10px 16px; } header h1 { font-size: 18px; margin: 0 0 4px; } header p { margin: 0; color: #8e8e8e; }
#grid { display: grid; grid-template-columns: repeat(24, 1fr); grid-auto-rows: 30px; gap: 8px; padding: 8px 16px 16px; }
.panel { background: #181b1f; border: 1px solid #2c3235; border-radius: 2px; display: flex; flex-direction: column; min-width: 0; overflow: hidden; }
.row { display: flex; align-items: flex-end; font-size: 14px; font-weight: 500; border-bottom: 1px solid #2c3235; }
.title { padding: 4px 8px; font-weight: 500; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.body { flex: 1; position: relative; padding: 0 8px 6px; min-height: 0; overflow: hidden; }
.body canvas { position: absolute; inset: 0 8px 6px 8px; }
.stat { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-around; gap: 4px 12px; }
.big { font-size: 26px; font-weight: 500; text-align: center; } .big .name { display: block; font-size: 11px; color: #ccccdc; font-weight: 400; }
.nodata { color: #8e8e8e; text-align: center; margin-top: 20px; }
table { border-collapse: collapse; width: 100%; font-size: 11px; } th, td { text-align: left; padding: 2px 6px; border-bottom: 1px solid #2c3235; white-space: nowrap; }
.timeline { display: flex; flex-direction: column; gap: 2px; overflow: hidden; }
.lane { display: flex; align-items: center; gap: 6px; height: 18px; } .lane .name { width: 38%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.bar { flex: 1; display: flex; height: 16px; } .bar div { color: #111; font-size: 10px; padding-left: 4px; overflow: hidden; white-space: nowrap; }
.text { white-space: pre-wrap; color: #ccccdc; }
`;

export interface RenderedPage {
  readonly file: string;
  readonly png?: string;
  /** Panels drawn (rows aside). */
  readonly panels: number;
  readonly charts: number;
  readonly blankCharts: string[];
  readonly errors: string[];
}

/**
 * Renders each dashboard (with the variables picked) as a page in `workDir`, and screenshots it
 * into `screenshotDir` when given (a full-page PNG costs about a second each).
 */
export async function renderDashboards(
  url: string,
  boards: ReadonlyMap<
    string,
    { board: Dashboard; picks: Readonly<Record<string, string | readonly string[]>> }
  >,
  startedAt: number,
  workDir: string,
  screenshotDir?: string,
): Promise<RenderedPage[]> {
  mkdirSync(workDir, { recursive: true });
  if (screenshotDir) mkdirSync(screenshotDir, { recursive: true });
  const script = chartJs();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
  const pages: RenderedPage[] = [];
  try {
    // One tab for every dashboard: a new tab costs a renderer process each time.
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    let errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    for (const [file, { board, picks }] of boards) {
      const { values } = await setVariables(url, board, picks);
      const end = Date.now();
      const panels: (PanelData | { type: 'row'; title: string; gridPos: Panel['gridPos'] })[] = [];
      for (const panel of board.panels) {
        if (panel.type === 'row') panels.push({ type: 'row', title: panel.title, gridPos: panel.gridPos });
        else panels.push(await panelData(url, panel, values, startedAt, end));
      }
      const shown = Object.entries(picks)
        .map(([name, pick]) => `${name} = ${pick === '*' ? 'All' : String(pick)}`)
        .join(', ');
      const payload = JSON.stringify({
        title: board.title,
        variables: `${shown} — drawn by test/dashboards/render.ts (chart.js) from the dashboard's queries on a Prometheus that scraped the real captures; not Grafana.`,
        panels,
      }).replace(/</g, '\\u003c');
      const html = [
        '<!doctype html><html><head><meta charset="utf-8">',
        `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`,
        `<title>${board.title}</title><style>${STYLE}</style></head><body>`,
        '<header><h1 id="title"></h1><p id="vars"></p></header><div id="grid"></div>',
        `<script id="data" type="application/json">${payload}</script>`,
        `<script>${script}</script><script>${PAGE_SCRIPT}</script></body></html>`,
      ].join('\n');
      const htmlPath = join(workDir, file.replace(/\.json$/, '.html'));
      writeFileSync(htmlPath, html);
      errors = [];
      await page.goto(pathToFileURL(htmlPath).href, { timeout: 20_000 });
      await page.waitForFunction('window.__rendered === true', undefined, { timeout: 20_000 });
      // Canvases with no painted pixel at all (the page runs in the browser, hence the string).
      const { charts, blank } = await page.evaluate<{ charts: number; blank: string[] }>(`(() => {
        const canvases = [...document.querySelectorAll('canvas')];
        const blank = canvases.filter((canvas) => {
          const context = canvas.getContext('2d');
          if (!context || canvas.width === 0 || canvas.height === 0) return true;
          const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) return false;
          return true;
        }).map((canvas) => canvas.closest('.panel')?.querySelector('.title')?.textContent ?? '?');
        return { charts: canvases.length, blank };
      })()`);
      let png: string | undefined;
      if (screenshotDir) {
        png = join(screenshotDir, file.replace(/\.json$/, '.png'));
        await page.screenshot({ path: png, fullPage: true });
      }
      const panelsShown = await page.evaluate<number>("document.querySelectorAll('.panel').length");
      pages.push({ file, png, panels: panelsShown, charts, blankCharts: blank, errors });
    }
  } finally {
    await browser.close();
  }
  return pages;
}
