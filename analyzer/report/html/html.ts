/**
 * A tagged template that escapes every interpolated value unless it is already markup, so text
 * from the data cannot become markup by forgetting to escape it. Named `markup`, not `html`, so
 * that Prettier does not reformat the templates (it would change the text inside elements).
 */
import { escapeHtml } from './escape.js';

/** Markup, built only by `markup` (or `trusted` for the few fixed strings the renderer writes). */
export class Html {
  constructor(readonly text: string) {}
}

/** What may go into `markup`: text (escaped), numbers, markup, lists of them; nothing for null, undefined and false. */
export type Part = Html | string | number | false | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.text;
  if (typeof part === 'number') return escapeHtml(String(part));
  if (typeof part === 'string') return escapeHtml(part);
  return part.map(render).join('');
}

export function markup(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0] ?? '';
  parts.forEach((p, i) => {
    out += render(p) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** Markup the renderer itself made (a script or style it wrote, not data). */
export function trusted(text: string): Html {
  return new Html(text);
}
