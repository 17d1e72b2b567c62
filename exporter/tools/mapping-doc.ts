/** Markdown tables of the family names and of the label → attribute mapping, for the README. */
import type { FamilySpec } from '../../common/metrics/family.js';
import { domainOf, fallbackAttribute, mappingTable, ruleFor } from '../outputs/otlp/attributes.js';

const code = (text: string): string => (text === '' ? '' : `\`${text}\``);

/** The labels, optional ones (see FamilySpec.optionalLabels) in brackets after the others. */
function labelCell(family: FamilySpec): string {
  const cells = family.labelNames.map(code);
  const optional = family.optionalLabels ?? [];
  if (optional.length > 0) cells.push(`[${optional.map(code).join(', ')}]`);
  return cells.join(', ');
}

/** One row per family name (the first of equal names), from catalog specs or collected families. */
export function familyTable(families: readonly FamilySpec[]): string {
  const rows = [
    '| Prometheus family | type | OTel instrument | unit | InfluxDB measurement.field | labels (InfluxDB tags) |',
    '|---|---|---|---|---|---|',
  ];
  const seen = new Set<string>();
  for (const family of families) {
    if (seen.has(family.name)) continue;
    seen.add(family.name);
    const otel = family.otelName === null ? '— (alias)' : code(family.otelName);
    const kind = family.type === 'counter' ? 'counter → cumulative monotonic sum' : 'gauge';
    const influx = family.influx === null ? '—' : code(`${family.influx.measurement}.${family.influx.field}`);
    rows.push(
      `| ${code(family.name)} | ${kind} | ${otel} | ${code(family.unit)} | ${influx} | ${labelCell(family)} |`,
    );
  }
  return rows.join('\n');
}

/** Labels (optional ones included) that the mapping table does not cover (their attribute is the fallback). */
export function unmappedLabels(families: readonly FamilySpec[]): string[] {
  const missing = new Set<string>();
  for (const family of families) {
    if (family.otelName === null) continue;
    const domain = domainOf(family.otelName);
    for (const label of [...family.labelNames, ...(family.optionalLabels ?? [])]) {
      if (!ruleFor(domain, label)) missing.add(fallbackAttribute(domain, label));
    }
  }
  return [...missing].sort();
}

export function attributeTable(): string {
  const rows = ['| families | label | OTel attribute | notes |', '|---|---|---|---|'];
  for (const { domains, label, rule } of mappingTable()) {
    rows.push(`| ${domains} | ${code(label)} | ${code(rule.attribute)} | ${rule.description} |`);
  }
  return rows.join('\n');
}
