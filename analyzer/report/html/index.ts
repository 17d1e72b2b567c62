/**
 * The HTML capacity report of `lvs-analyze recommend`: one self-contained file (chart.js and the
 * data inlined, a strict CSP, no network requests; works from file://) that an SRE reads in a
 * browser or prints. Every number is in a table; the charts draw some of them again.
 */
import type { Recommendation, ServiceRecommendation } from '../../recommend/types.js';
import { ChartSet } from './chart-slot.js';
import { type ChartJsBundle, chartJs } from './chart-js.js';
import { CLIENT_SCRIPT } from './client.js';
import { contentSecurityPolicy } from './csp.js';
import { jsonForScript } from './escape.js';
import { num, percent, when } from './format.js';
import { type Html, markup, trusted } from './html.js';
import { candidatesSection } from './sections/candidates.js';
import { commandsSection } from './sections/commands.js';
import { evidenceSection, warningList } from './sections/evidence.js';
import { modesSection } from './sections/modes.js';
import { imbalanceSection, serverLoadSection } from './sections/servers.js';
import { verdictSection } from './sections/verdict.js';
import { whatIfSection } from './sections/whatif.js';
import { STYLE } from './style.js';

export { ChartJsMissingError } from './chart-js.js';

export interface HtmlReportOptions {
  /** The chart.js bundle to inline (default: the installed package's). */
  readonly chartJs?: ChartJsBundle;
}

const serviceId = (i: number) => `service-${i + 1}`;

function serviceSection(r: Recommendation, s: ServiceRecommendation, i: number, charts: ChartSet): Html {
  const id = serviceId(i);
  return markup`<section aria-labelledby="${id}">
    <h2 id="${id}">Service ${s.service}</h2>
    <p class="meta">
      ${s.labels[0]} · now ${s.baseline.name} · ${num(s.peakConnectionsPerSecond)} new connections/s in the
      busiest window
    </p>
    ${verdictSection(s)} ${serverLoadSection(s, charts, id)} ${imbalanceSection(s, charts, id)}
    ${candidatesSection(s, r.objective, charts, id)}
    ${s.modes !== undefined && modesSection(s.modes, charts, id)}
    ${s.whatif.length > 0 && whatIfSection(s.whatif, charts, id)}
    ${
      s.warnings.length > 0 &&
      markup`<h3 id="${id}-warnings">Warnings</h3>
        ${warningList(s.warnings)}`
    }
    ${commandsSection(s, id)}
  </section>`;
}

function contents(r: Recommendation): Html {
  const entries = r.services.map((s, i) => {
    const id = serviceId(i);
    const sub: [key: string, title: string][] = [
      ['load', 'per-server load'],
      ['imbalance', 'imbalance over time'],
      ['candidates', 'latency per candidate'],
    ];
    if (s.modes !== undefined) sub.push(['modes', 'forwarding modes']);
    if (s.whatif.length > 0) sub.push(['whatif', 'what if']);
    if (s.warnings.length > 0) sub.push(['warnings', 'warnings']);
    sub.push(['commands', 'commands']);
    return markup`<li>
      <a href="#${id}">${s.service}</a>:
      ${sub.map(([key, title], j) => markup`${j > 0 && ', '}<a href="#${id}-${key}">${title}</a>`)}
    </li>`;
  });
  return markup`<nav aria-label="Contents">
    <ol>
      ${entries}
      <li><a href="#evidence">Evidence</a></li>
    </ol>
  </nav>`;
}

/** The whole report as one HTML document. */
export function recommendationHtml(r: Recommendation, options: HtmlReportOptions = {}): string {
  const bundle = options.chartJs ?? chartJs();
  const charts = new ChartSet();
  const services = r.services.map((s, i) => serviceSection(r, s, i, charts));
  const changes = r.services.filter((s) => s.verdict === 'change').length;
  const body = markup`<header>
      <h1>Capacity report: pool ${r.pool}</h1>
      <p class="meta">
        lvs-analyze recommend · generated ${r.generatedAt} · objective ${r.objective} · a change needs ≥
        ${percent(r.minGain)} gain · history ${when(r.evidence.start)} → ${when(r.evidence.end)}
      </p>
      <p>
        ${r.services.length === 0 ? 'No service with real servers in the history: nothing to recommend.' : `${changes} of ${r.services.length} service${r.services.length === 1 ? '' : 's'} to change.`}
      </p>
      ${r.warnings.length > 0 && markup`<div class="verdict" role="note"><strong>Read first</strong>${warningList(r.warnings)}</div>`}
    </header>
    ${contents(r)}
    <main>${services} ${evidenceSection(r.evidence)}</main>
    <footer>
      Made by lvscope's lvs-analyze recommend (Recommendation version ${r.version}); charts drawn by chart.js
      ${bundle.version}, inlined. Nothing was applied. The Recommendation itself is embedded in this file as
      JSON (script#recommendation).
    </footer>`;
  const specs = jsonForScript(charts.all);
  const scripts = [bundle.source, CLIENT_SCRIPT];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(scripts, [STYLE])}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lvscope lvs-analyze recommend">
${markup`<title>Capacity report: pool ${r.pool} (lvscope)</title>`.text}
<style>${STYLE}</style>
</head>
<body>
${body.text}
<script type="application/json" id="recommendation">${jsonForScript(r)}</script>
<script type="application/json" id="chart-specs">${specs}</script>
${scripts.map((s) => trusted(`<script>${s}</script>`).text).join('\n')}
</body>
</html>
`;
}
