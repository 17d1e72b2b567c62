/**
 * The HTML report as text: escaping of everything from the data, the CSP's hashes against the
 * inline scripts and style, the embedded JSON, and sections omitted cleanly when the
 * Recommendation has no forwarding modes, no what-if, or no service at all.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recommendation, ServiceRecommendation } from '../../../analyzer/recommend/types.js';
import { hashSource } from '../../../analyzer/report/html/csp.js';
import { escapeHtml, jsonForScript } from '../../../analyzer/report/html/escape.js';
import { markup, trusted } from '../../../analyzer/report/html/html.js';
import { ChartJsMissingError, readChartJs } from '../../../analyzer/report/html/chart-js.js';
import { recommendationHtml } from '../../../analyzer/report/html/index.js';
import { engineRecommendation, renamed, SLOW } from './fixture.js';

const HOSTILE = '</script><script>alert(1)</script>';

let rec: Recommendation;
let dir: string;

beforeAll(async () => {
  rec = await engineRecommendation();
  dir = mkdtempSync(join(tmpdir(), 'lvscope-html-unit-'));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The text of every `<script …>` element, with its attributes. */
function scripts(page: string): { attrs: string; text: string }[] {
  return [...page.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({
    attrs: m[1] ?? '',
    text: m[2] ?? '',
  }));
}

function jsonBlock(page: string, id: string): unknown {
  const block = scripts(page).find((s) => s.attrs.includes(`id="${id}"`));
  if (!block) throw new Error(`no script#${id}`);
  return JSON.parse(block.text);
}

function csp(page: string): Map<string, string[]> {
  const content = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(page)?.[1];
  if (content === undefined) throw new Error('no CSP meta');
  return new Map(
    content.split('; ').map((d) => {
      const [name = '', ...values] = d.split(' ');
      return [name, values];
    }),
  );
}

/** The markup outside scripts: what the browser renders. */
const outsideScripts = (page: string) => page.replace(/<script[^>]*>[\s\S]*?<\/script>/g, '');

describe('escaping', () => {
  it('escapes markup characters and makes invisible ones visible', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    expect(escapeHtml('\u001b[31mred\u0000 \u202egnp.exe\u2066 \u0085')).toBe(
      '\\x1b[31mred\\x00 \\u202egnp.exe\\u2066 \\x85',
    );
    expect(escapeHtml('tab\there\nnew line → 2 µs ≥ 10 %')).toBe('tab\there\nnew line → 2 µs ≥ 10 %');
  });

  it('writes JSON that cannot end its script block and parses back to the same value', () => {
    const value = {
      name: HOSTILE,
      comment: '<!-- x -->',
      lines: 'a\u2028b\u2029c',
      amp: 'a&b',
      c1: '\u0085\u202e',
    };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029\u0085\u202e]/);
    expect(JSON.parse(text)).toEqual(value);
    expect(() => jsonForScript(undefined)).toThrow(/no JSON form/);
  });

  it('escapes every interpolated value of the markup template unless it is markup', () => {
    const out = markup`<p title="${'"x"'}">${'<b>'}${trusted('<i>ok</i>')}${[1, ' & ', markup`<br>`]}${false}${null}${undefined}</p>`;
    expect(out.text).toBe('<p title="&quot;x&quot;">&lt;b&gt;<i>ok</i>1 &amp; <br></p>');
  });

  it('shows a hostile server and pool name as text: no extra script, the JSON intact', () => {
    const hostile = { ...renamed(rec, SLOW, HOSTILE), pool: `<!--${HOSTILE}` };
    const page = recommendationHtml(hostile);
    expect(scripts(page)).toHaveLength(4);
    expect(outsideScripts(page)).not.toContain(HOSTILE);
    expect(outsideScripts(page)).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(jsonBlock(page, 'recommendation')).toEqual(hostile);
    // The only script elements are the two data blocks, chart.js and the client script.
    expect(scripts(page).map((s) => s.attrs.trim())).toEqual([
      'type="application/json" id="recommendation"',
      'type="application/json" id="chart-specs"',
      '',
      '',
    ]);
  });

  it('escapes control characters in messages in the markup and in the JSON', () => {
    const warned: Recommendation = {
      ...rec,
      warnings: [{ kind: 'model', message: 'bad \u001b[2J byte \u202e here', alternative: 'x\u0007' }],
    };
    const page = recommendationHtml(warned);
    const invisible = [...page].filter((c) => {
      const code = c.charCodeAt(0);
      return (code < 0x20 && c !== '\n' && c !== '\t') || (code >= 0x7f && code <= 0x9f) || code === 0x202e;
    });
    expect(invisible).toEqual([]);
    expect(outsideScripts(page)).toContain('bad \\x1b[2J byte \\u202e here');
    expect(jsonBlock(page, 'recommendation')).toEqual(warned);
  });
});

describe('the document', () => {
  it('allows exactly its own inline scripts and style by hash, and nothing to load', () => {
    const page = recommendationHtml(rec);
    const policy = csp(page);
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('img-src')).toEqual(['data:']);
    const executable = scripts(page).filter((s) => !s.attrs.includes('application/json'));
    expect(policy.get('script-src')).toEqual(executable.map((s) => hashSource(s.text)));
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1] ?? '';
    expect(policy.get('style-src')).toEqual([hashSource(style)]);
    expect(page).not.toContain('unsafe-inline');
    expect(outsideScripts(page)).not.toMatch(/\s(src|href)="(?!#)/);
    expect(outsideScripts(page)).not.toMatch(/\sstyle="/);
    expect(outsideScripts(page)).not.toMatch(/\son[a-z]+="/);
  });

  it('has a chart spec for every canvas and a label on each', () => {
    const page = recommendationHtml(rec);
    const specs = jsonBlock(page, 'chart-specs') as Record<string, { datasets: unknown[] }>;
    const canvases = [...page.matchAll(/<canvas data-chart="([^"]+)" role="img" aria-label="([^"]+)">/g)];
    expect(canvases.map((m) => m[1])).toEqual(Object.keys(specs));
    expect(canvases.length).toBe(7);
    for (const [, , label] of canvases) expect(label).toMatch(/chart/);
  });

  it('marks an overloaded candidate with the word, never with a delay', () => {
    const s = rec.services[0] as ServiceRecommendation;
    const page = recommendationHtml(rec);
    const specs = jsonBlock(page, 'chart-specs') as Record<
      string,
      { labels: string[]; datasets: { label: string; data: (number | null)[]; stands?: string }[] }
    >;
    const latency = specs['service-1-latency'];
    if (!latency) throw new Error('no latency chart');
    const [p50, p99, overloaded] = latency.datasets;
    const now = latency.labels.findIndex((l) => l.endsWith('(now)'));
    expect(now).toBeGreaterThanOrEqual(0);
    expect(s.baseline.outcome.delayP99Ms).toBe('overloaded');
    expect(p50?.data[now]).toBeNull();
    expect(p99?.data[now]).toBeNull();
    expect(overloaded?.stands).toBe('overloaded');
    const finite = (p99?.data ?? []).filter((v): v is number => v !== null);
    expect(overloaded?.data[now]).toBeGreaterThan(Math.max(...finite));
  });

  it('leaves out the modes and what-if sections when the Recommendation has neither', () => {
    const services = rec.services.map((s) => ({ ...s, modes: undefined, whatif: [] }));
    const page = recommendationHtml({ ...rec, services });
    expect(page).not.toMatch(/Forwarding-mode costs|What if: disruption|-modes"|-whatif/);
    const specs = jsonBlock(page, 'chart-specs') as Record<string, unknown>;
    expect(Object.keys(specs)).toEqual([
      'service-1-load',
      'service-1-series-now',
      'service-1-series-recommended',
      'service-1-peak-to-mean',
      'service-1-latency',
    ]);
    expect(page).toContain('Ready-to-apply commands');
    expect(page).toContain('<h2 id="evidence">Evidence</h2>');
  });

  it('gives each service its own anchors and charts, and a keep verdict no edits', () => {
    const first = rec.services[0] as ServiceRecommendation;
    const kept: ServiceRecommendation = { ...first, service: '172.16.1.19:3306', verdict: 'keep' };
    const page = recommendationHtml({ ...rec, services: [first, kept] });
    const specs = Object.keys(jsonBlock(page, 'chart-specs') as Record<string, unknown>);
    expect(specs.filter((k) => k.startsWith('service-1-'))).toHaveLength(7);
    expect(specs.filter((k) => k.startsWith('service-2-'))).toHaveLength(7);
    expect(page).toContain('<h2 id="service-2">Service 172.16.1.19:3306</h2>');
    expect(page).toContain('<a href="#service-2-commands">');
    expect(page).toContain('1 of 2 services to change.');
    expect(page.match(/No change to apply/g)).toHaveLength(1);
  });

  it('says so when there is no service to recommend for', () => {
    const page = recommendationHtml({ ...rec, services: [] });
    expect(page).toContain('nothing to recommend');
    expect(jsonBlock(page, 'chart-specs')).toEqual({});
    expect(page).not.toContain('<canvas');
  });
});

describe('the chart.js bundle', () => {
  it('is the installed 4.6.1 UMD build, without its source-map comment', () => {
    const bundle = readChartJs();
    expect(bundle.version).toBe('4.6.1');
    expect(bundle.source).not.toMatch(/sourceMappingURL|<\/script|<!--/i);
    expect(bundle.source.length).toBeGreaterThan(150_000);
  });

  it('names the missing file', () => {
    expect(() => readChartJs(join(dir, 'nowhere', 'chart.cjs'))).toThrow(ChartJsMissingError);
    expect(() => readChartJs(join(dir, 'nowhere', 'chart.cjs'))).toThrow(
      `${join(dir, 'nowhere', 'chart.umd.min.js')}: cannot read the chart.js UMD bundle the HTML report inlines (ENOENT)`,
    );
  });

  it('refuses a file that is not the bundle, and escapes what would end its script element', () => {
    writeFileSync(join(dir, 'chart.umd.min.js'), 'window.Chart = 1;\n');
    expect(() => readChartJs(join(dir, 'chart.cjs'))).toThrow(/no "Chart.js vX.Y.Z" banner/);
    writeFileSync(
      join(dir, 'chart.umd.min.js'),
      '/*! Chart.js v4.6.1 */\nvar a = "</script><!-- x";\n//# sourceMappingURL=chart.umd.min.js.map\n',
    );
    expect(readChartJs(join(dir, 'chart.cjs')).source).toBe(
      '/*! Chart.js v4.6.1 */\nvar a = "<\\/script>\\x3C!-- x";\n',
    );
  });
});
