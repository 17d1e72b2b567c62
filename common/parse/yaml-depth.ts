/**
 * A guard in front of the `yaml` package: a few thousand nested flow collections (`{{{{…`)
 * make it compile regular expressions until V8 aborts the process for lack of memory (6,000
 * levels in 12 kB), and take super-linear time below that. No configuration nests more than a
 * handful of levels, so deeper input is refused before it is parsed.
 */

/** Far deeper than any configuration; far below where the yaml package gets slow. */
export const MAX_YAML_FLOW_DEPTH = 64;

/**
 * The 1-based line where flow collections (`[`, `{`) first nest deeper than `max`, or undefined.
 * Quoted scalars and comments are skipped, so brackets inside strings do not count.
 */
export function yamlTooDeep(text: string, max = MAX_YAML_FLOW_DEPTH): number | undefined {
  let depth = 0;
  let line = 1;
  let quote = '';
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      comment = false;
      continue;
    }
    if (comment) continue;
    if (quote !== '') {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"') i++;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) comment = true;
    else if (c === '[' || c === '{') {
      if (++depth > max) return line;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
}
