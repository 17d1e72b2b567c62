/**
 * A systemd unit file (or drop-in) read the way systemd reads the settings these tests look at:
 * `[Section]` headers, `Key=value` lines, `#`/`;` comments, repeated keys accumulating, and an
 * empty assignment resetting the list (`ExecStart=` before a new `ExecStart=`). Line
 * continuations are not used by lvscope's units and are refused rather than misread.
 */

export type UnitFile = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

export function parseUnitFile(text: string, fileName: string): UnitFile {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    const where = `${fileName}:${index + 1}`;
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    if (line.endsWith('\\')) throw new Error(`${where}: line continuation not supported`);
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header?.[1] !== undefined) {
      current = sections.get(header[1]) ?? new Map<string, string[]>();
      sections.set(header[1], current);
      return;
    }
    const equals = line.indexOf('=');
    if (equals <= 0)
      throw new Error(`${where}: expected Key=value, got ${JSON.stringify(line.slice(0, 80))}`);
    if (!current) throw new Error(`${where}: setting before any [Section]`);
    const key = line.slice(0, equals).trim();
    const value = line.slice(equals + 1).trim();
    current.set(key, value === '' ? [] : [...(current.get(key) ?? []), value]);
  });
  return sections;
}

/** The values of one setting (each assignment's text as written). */
export function setting(unit: UnitFile, section: string, key: string): readonly string[] {
  return unit.get(section)?.get(key) ?? [];
}

/** A setting's values split into words, as lists such as CapabilityBoundingSet= are. */
export function settingWords(unit: UnitFile, section: string, key: string): string[] {
  return setting(unit, section, key).flatMap((value) => value.split(/\s+/).filter((word) => word !== ''));
}
