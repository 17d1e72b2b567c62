/**
 * Rewrites a Chromium screenshot as an 8-bit palette PNG, as pngquant would (no such tool here):
 * a screenshot of text and flat charts has few colours that matter, and one byte per pixel
 * deflates to a third of RGB. The palette takes the most frequent colours, each at least a small
 * distance from those already taken; every other colour maps to its nearest palette entry.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { crc32, deflateSync, inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface Rgb {
  readonly width: number;
  readonly height: number;
  /** r, g, b per pixel, alpha composited over white. */
  readonly pixels: Uint8Array;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** 8-bit RGB or RGBA, not interlaced: what Chromium writes. */
export function decodePng(file: Buffer): Rgb {
  if (!file.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at < file.length;) {
    const length = file.readUInt32BE(at);
    const type = file.toString('latin1', at + 4, at + 8);
    const data = file.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colour, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0)
        throw new Error(
          `PNG: bit depth ${depth}, colour type ${colour}, interlace ${interlace} not supported`,
        );
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? (out[row + x - channels] as number) : 0;
      const b = y > 0 ? (out[row - stride + x] as number) : 0;
      const c = x >= channels && y > 0 ? (out[row - stride + x - channels] as number) : 0;
      const v = line[x] as number;
      const predicted =
        filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4 ? paeth(a, b, c) : 0;
      out[row + x] = (v + predicted) & 0xff;
    }
  }
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < pixels.length; i += channels, j += 3) {
    const alpha = channels === 4 ? (out[i + 3] as number) / 255 : 1;
    for (let k = 0; k < 3; k++)
      pixels[j + k] = Math.round((out[i + k] as number) * alpha + 255 * (1 - alpha));
  }
  return { width, height, pixels };
}

const distance = (a: number, b: number) =>
  Math.abs((a >> 16) - (b >> 16)) +
  Math.abs(((a >> 8) & 255) - ((b >> 8) & 255)) +
  Math.abs((a & 255) - (b & 255));

/** Palette entries kept for the rarest colours furthest from the rest (an anti-aliased line's tint). */
const OUTLIER_SLOTS = 32;

/**
 * Up to 256 colours: by frequency, skipping those within `spread` of one already taken; the last
 * OUTLIER_SLOTS go, one at a time, to the colour furthest from its nearest entry, so a rare
 * colour far from every frequent one is not drawn in another hue.
 */
export function palette(image: Rgb, spread = 12): number[] {
  const counts = new Map<number, number>();
  const p = image.pixels;
  for (let j = 0; j < p.length; j += 3) {
    const key = ((p[j] as number) << 16) | ((p[j + 1] as number) << 8) | (p[j + 2] as number);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const byFrequency = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([c]) => c);
  const taken: number[] = [];
  for (const c of byFrequency) {
    if (taken.length === 256 - OUTLIER_SLOTS) break;
    if (taken.every((t) => distance(t, c) > spread)) taken.push(c);
  }
  const nearest = byFrequency.map((c) => Math.min(...taken.map((t) => distance(t, c))));
  while (taken.length < 256) {
    let far = -1;
    for (let i = 0; i < nearest.length; i++)
      if ((nearest[i] as number) > spread && (far < 0 || (nearest[i] as number) > (nearest[far] as number)))
        far = i;
    if (far < 0) break;
    const c = byFrequency[far] as number;
    taken.push(c);
    for (let i = 0; i < nearest.length; i++)
      nearest[i] = Math.min(nearest[i] as number, distance(c, byFrequency[i] as number));
  }
  return taken;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export function encodePalettePng(image: Rgb, colours: readonly number[]): Buffer {
  const nearest = new Map<number, number>();
  const indexOf = (c: number) => {
    let best = nearest.get(c);
    if (best === undefined) {
      best = 0;
      for (let i = 1; i < colours.length; i++)
        if (distance(colours[i] as number, c) < distance(colours[best] as number, c)) best = i;
      nearest.set(c, best);
    }
    return best;
  };
  const { width, height, pixels: p } = image;
  // Filter 0 on every row: the PNG spec's advice for palette images.
  const raw = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const j = (y * width + x) * 3;
      raw[y * (width + 1) + 1 + x] = indexOf(
        ((p[j] as number) << 16) | ((p[j + 1] as number) << 8) | (p[j + 2] as number),
      );
    }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 3, 0, 0, 0], 8);
  const plte = Buffer.alloc(colours.length * 3);
  colours.forEach((c, i) => plte.set([c >> 16, (c >> 8) & 255, c & 255], i * 3));
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('PLTE', plte),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Rewrites `file` in place; returns the largest per-channel-sum error of any pixel. */
export function toPalettePng(file: string): { bytes: number; colours: number; worstError: number } {
  const image = decodePng(readFileSync(file));
  const colours = palette(image);
  const png = encodePalettePng(image, colours);
  writeFileSync(file, png);
  const back = decodePalette(png);
  let worstError = 0;
  for (let j = 0; j < image.pixels.length; j++)
    worstError = Math.max(worstError, Math.abs((image.pixels[j] as number) - (back[j] as number)));
  return { bytes: png.length, colours: colours.length, worstError };
}

/** Reads back what encodePalettePng wrote (filter 0 rows), as r, g, b per pixel. */
function decodePalette(png: Buffer): Uint8Array {
  let width = 0;
  let plte: Buffer = Buffer.alloc(0);
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') width = data.readUInt32BE(0);
    if (type === 'PLTE') plte = data;
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rows = raw.length / (width + 1);
  const out = new Uint8Array(rows * width * 3);
  for (let y = 0; y < rows; y++)
    for (let x = 0; x < width; x++) {
      const i = (raw[y * (width + 1) + 1 + x] as number) * 3;
      out.set(plte.subarray(i, i + 3), (y * width + x) * 3);
    }
  return out;
}
