/** The report's stylesheet: plain, dense tables, charts shown only when script runs, and a print layout. */
export const STYLE = `
:root { color-scheme: light; --fg: #1b1b1b; --muted: #5a5a5a; --line: #d6d6d6; --band: #f4f6f8;
  --change: #0b6b2f; --keep: #5a5a5a; --warn: #8a4b00; --bad: #a5281b; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1180px; padding: 16px 20px 40px; color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
h1 { font-size: 1.6em; margin: 0.2em 0 0.1em; }
h2 { font-size: 1.3em; margin: 1.6em 0 0.4em; padding-top: 0.4em; border-top: 2px solid var(--line); }
h3 { font-size: 1.08em; margin: 1.3em 0 0.4em; }
p, ul { margin: 0.4em 0; }
.meta { color: var(--muted); }
nav ol { columns: 2; margin: 0.4em 0; }
.verdict { border-left: 6px solid var(--keep); background: var(--band); padding: 10px 14px; margin: 0.6em 0; }
.verdict.change { border-color: var(--change); }
.verdict strong { text-transform: uppercase; letter-spacing: 0.04em; margin-right: 0.5em; }
.verdict.change strong { color: var(--change); }
.warnings li { color: var(--warn); }
.warnings .kind { font-size: 0.85em; text-transform: none; letter-spacing: 0; margin-right: 0.3em; }
.warnings .instead { color: var(--fg); display: block; }
table { border-collapse: collapse; margin: 0.4em 0 0.8em; font-size: 13px; max-width: 100%; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: 0 0 4px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 8px; vertical-align: top; text-align: left;
  white-space: nowrap; }
thead th { background: var(--band); border-bottom: 2px solid var(--line); white-space: normal; vertical-align: bottom; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.prose, th.prose { white-space: normal; min-width: 14em; }
tr.now th, tr.now td { background: #f1f1f1; }
tr.recommended th, tr.recommended td { background: #e7f1f9; }
.overloaded, .fails { color: var(--bad); font-weight: 600; }
.unknown { color: var(--warn); }
.scroll { overflow-x: auto; }
.chart { display: none; position: relative; width: 100%; height: 280px; margin: 0.4em 0 0.8em; }
.js .chart { display: block; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.pair > figure { margin: 0; min-width: 0; }
figcaption { font-weight: 600; font-size: 13px; }
pre.command { background: #f6f6f6; border: 1px solid var(--line); padding: 8px 10px; margin: 0 0 0.8em;
  overflow-x: auto; font: 12.5px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre; }
.command-block { position: relative; }
button.copy { position: absolute; top: 6px; right: 6px; font-size: 12px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0.4em 0; }
dt { color: var(--muted); }
dd { margin: 0; }
details { margin: 0.4em 0; }
footer { margin-top: 2em; color: var(--muted); font-size: 12px; }
@media (max-width: 800px) { .pair { grid-template-columns: 1fr; } nav ol { columns: 1; } }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav, button.copy { display: none; }
  h2 { break-before: auto; break-after: avoid; }
  h3, caption, figcaption { break-after: avoid; }
  table, figure, .chart, pre { break-inside: avoid; }
  .chart canvas { max-width: 100% !important; height: auto !important; }
  pre.command { white-space: pre-wrap; overflow: visible; }
  .scroll { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
`;
