/** The forwarding-mode costs as a terminal table (the recommender prints it under its own advice). */
import { num, textTable } from '../report/table.js';
import type { ModeCost, ModeCostReport } from './cost.js';
import { MODE_LABELS } from './modes.js';
import { bitsText, bytesText, coresText, formatHeadroom, ppsText } from './units.js';

const okMark = (ok: boolean | null) => (ok === null ? '?' : ok ? 'ok' : 'FAILS');

function modeName(m: ModeCost, report: ModeCostReport): string {
  const tags = [
    m.mode === report.current ? 'current' : '',
    m.mode === report.recommended ? 'recommended' : '',
  ]
    .filter((t) => t !== '')
    .join(', ');
  return tags ? `${MODE_LABELS[m.mode]} (${tags})` : MODE_LABELS[m.mode];
}

function row(m: ModeCost, report: ModeCostReport): string[] {
  const extra =
    m.mssClamp !== undefined ? `MSS ${m.mssClamp}` : m.lipsNeeded !== undefined ? `${m.lipsNeeded} LIP` : '';
  return [
    modeName(m, report),
    ppsText(m.packetsPerSecond.in),
    ppsText(m.packetsPerSecond.out),
    ppsText(m.packetsPerSecond.peakTotal),
    bitsText(m.nicBitsPerSecond.rx),
    bitsText(m.nicBitsPerSecond.tx),
    `${coresText(m.cores)} / ${coresText(m.peakCores)}`,
    bytesText(m.connTableBytes),
    m.headroom === null ? '?' : formatHeadroom(m.headroom),
    extra,
    m.constraints.some((c) => c.ok === false) ? 'constraint fails' : (m.bindingResource ?? '?'),
  ];
}

export function modeCostText(report: ModeCostReport): string {
  const s = report.shared;
  const lines = [
    `forwarding modes${report.service ? ` for ${report.service}` : ''}: ${num(s.arrivalsPerSecond.mean)} new connections/s mean, ${num(s.arrivalsPerSecond.peak)}/s peak; server→client figures: ${s.outSource}`,
    ...textTable(
      [
        'mode',
        'pkt/s in',
        'pkt/s out',
        'peak pkt/s',
        'NIC rx',
        'NIC tx',
        'cores mean/peak',
        'conn table',
        'headroom',
        '',
        'binds first',
      ],
      report.modes.map((m) => row(m, report)),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'left'],
    ),
    `recommended: ${MODE_LABELS[report.recommended]}. ${report.why}`,
  ];
  // Tunnels share most of their constraints: one line per distinct constraint, naming its modes.
  const problems = new Map<string, string[]>();
  for (const m of report.modes) {
    for (const c of m.constraints.filter((c) => c.ok !== true)) {
      const text = `${c.name} [${okMark(c.ok)}]: ${c.detail}`;
      problems.set(text, [...(problems.get(text) ?? []), MODE_LABELS[m.mode]]);
    }
  }
  if (problems.size > 0) {
    lines.push('constraints not known to hold:');
    for (const [text, modes] of problems) lines.push(`  ${modes.join(', ')} ${text}`);
  }
  const fullnat = report.modes.find((m) => m.mode === 'fullnat');
  if (fullnat) lines.push(...fullnat.notes.map((n) => `FULLNAT: ${n}`));
  lines.push(
    `connection table: ${num(s.entries.mean)} entries mean, ${num(s.entries.peak)} at peak (linger ${num(s.lingerSeconds.value)} s, ${s.lingerSeconds.source}; templates ${num(s.templates.count)}, ${s.templates.detail})`,
  );
  if (report.unknowns.length > 0) lines.push('unknown:', ...report.unknowns.map((u) => `  ${u}`));
  lines.push(`cost profile: ${report.profile}; ? = unknown; headroom = capacity ÷ peak load`);
  return `${lines.join('\n')}\n`;
}
