/**
 * The report's Content-Security-Policy: nothing may load (default-src 'none'), and only the exact
 * inline scripts and stylesheet the renderer wrote may run, by their SHA-256 (CSP Level 2 hash
 * sources), so a string in the data that escaped into markup still could not execute.
 */
import { createHash } from 'node:crypto';

/** `'sha256-…'` of an inline element's text, as the browser hashes it (UTF-8). */
export function hashSource(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export function contentSecurityPolicy(scripts: readonly string[], styles: readonly string[]): string {
  return [
    "default-src 'none'",
    `script-src ${scripts.map(hashSource).join(' ')}`,
    `style-src ${styles.map(hashSource).join(' ')}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}
