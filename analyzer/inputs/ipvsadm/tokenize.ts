/**
 * Splits a trace line into words the way a shell would for the simple cases that appear in
 * ipvsadm command lines: whitespace separates words, '…' and "…" quote, and a word starting
 * with '#' begins a comment that runs to the end of the line.
 */
export function tokenize(line: string): string[] {
  // Event lines have no quotes or comments: split them without the character loop.
  if (!/['"#]/.test(line)) {
    const trimmed = line.trim();
    return trimmed === '' ? [] : trimmed.split(/\s+/);
  }
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i] ?? '')) i++;
    if (i >= line.length || line[i] === '#') break;
    let word = '';
    while (i < line.length && !/\s/.test(line[i] ?? '')) {
      const ch = line[i] ?? '';
      if (ch === "'" || ch === '"') {
        const close = line.indexOf(ch, i + 1);
        if (close < 0) throw new Error(`unterminated ${ch} quote`);
        word += line.slice(i + 1, close);
        i = close + 1;
      } else {
        word += ch;
        i++;
      }
    }
    words.push(word);
  }
  return words;
}
