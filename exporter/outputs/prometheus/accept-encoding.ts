/**
 * Content negotiation for the exposition (RFC 9110 §12.5.3): gzip is used when the client's
 * Accept-Encoding gives `gzip` (or `x-gzip`) a non-zero weight, or names `*` with a non-zero weight
 * without listing gzip itself. `gzip;q=0` refuses gzip, and so does `*;q=0` without gzip.
 */

const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/** The weight of each coding named in an Accept-Encoding header (lowercased, last one wins). */
function weights(header: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const item of header.split(',')) {
    const [name = '', ...params] = item.split(';').map((part) => part.trim());
    if (name === '') continue;
    let q = 1;
    for (const param of params) {
      const match = /^q\s*=\s*(.*)$/i.exec(param);
      // RFC 9110 §12.4.2: 0 to 1 with at most three decimals. Anything else is read as 0:
      // refusing compression is always allowed.
      if (match) q = QVALUE.test(match[1] ?? '') ? Number(match[1]) : 0;
    }
    result.set(name.toLowerCase(), q);
  }
  return result;
}

export function acceptsGzip(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  const text = Array.isArray(header) ? header.join(',') : header;
  // A header this long is not a real client's; refusing compression is always allowed.
  if (text.length > 1024) return false;
  const q = weights(text);
  const gzip = q.get('gzip') ?? q.get('x-gzip');
  if (gzip !== undefined) return gzip > 0;
  const any = q.get('*');
  return any !== undefined && any > 0;
}
