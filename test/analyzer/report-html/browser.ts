/**
 * Opens a report file from file:// in the system Chromium (playwright-core) and records what a
 * reader's browser would complain about: console errors, page errors, CSP violations, dialogs,
 * and every request the page makes.
 */
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** The flags test/dashboards/render.ts uses: no GPU, no background traffic of the browser's own. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
}

export interface Opened {
  readonly page: Page;
  readonly url: string;
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
  readonly requests: string[];
  readonly dialogs: string[];
  /** securitypolicyviolation events: `directive blocked-uri`. */
  violations(): Promise<string[]>;
}

export interface OpenOptions {
  readonly javaScript?: boolean;
  readonly width?: number;
}

export async function openReport(browser: Browser, file: string, options: OpenOptions = {}): Promise<Opened> {
  const context = await browser.newContext({
    javaScriptEnabled: options.javaScript ?? true,
    viewport: { width: options.width ?? 1200, height: 900 },
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  const url = pathToFileURL(file).href;
  const opened: Opened = {
    page,
    url,
    consoleErrors: [],
    pageErrors: [],
    requests: [],
    dialogs: [],
    violations: () => page.evaluate<string[]>('window.__violations ?? []'),
  };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') opened.consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => opened.pageErrors.push(e.message));
  page.on('request', (r) => opened.requests.push(r.url()));
  page.on('dialog', (d) => {
    opened.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  // Injected by the DevTools protocol, so the page's CSP does not apply to this listener itself.
  await page.addInitScript(`window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(e.effectiveDirective + ' ' + e.blockedURI);
});`);
  await page.goto(url, { waitUntil: 'load', timeout: 20_000 });
  return opened;
}

export interface CanvasCheck {
  readonly key: string;
  readonly width: number;
  readonly height: number;
  /** Pixels with any paint on them. */
  readonly painted: number;
  /** Pixels close to the colour of some dataset of the chart (the data itself, not only axes). */
  readonly dataPixels: number;
  /** Points chart.js holds across the chart's datasets (Chart.getChart). */
  readonly points: number;
  readonly label: string;
}

/** Reads every chart's pixels back in the page. */
export function checkCanvases(page: Page): Promise<CanvasCheck[]> {
  return page.evaluate<CanvasCheck[]>(`(() => {
    const near = (r, g, b, hex) => {
      const n = parseInt(hex.slice(1), 16);
      return Math.abs(r - (n >> 16)) + Math.abs(g - ((n >> 8) & 255)) + Math.abs(b - (n & 255)) < 60;
    };
    return [...document.querySelectorAll('canvas[data-chart]')].map((canvas) => {
      const ctx = canvas.getContext('2d');
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const chart = Chart.getChart(canvas);
      const colours = chart
        ? chart.data.datasets.flatMap((d) => (Array.isArray(d.backgroundColor) ? d.backgroundColor : [d.backgroundColor]))
        : [];
      let painted = 0;
      let dataPixels = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 0) continue;
        painted++;
        if (colours.some((c) => near(data[i], data[i + 1], data[i + 2], c))) dataPixels++;
      }
      return {
        key: canvas.dataset.chart,
        width: canvas.width,
        height: canvas.height,
        painted,
        dataPixels,
        points: chart ? chart.data.datasets.reduce((n, d) => n + d.data.filter((v) => v !== null && (typeof v !== 'object' || v.y !== null)).length, 0) : 0,
        label: canvas.getAttribute('aria-label') ?? '',
      };
    });
  })()`);
}

/** Each table's caption and its body rows as cell texts. */
export function readTables(page: Page): Promise<{ caption: string; rows: string[][] }[]> {
  return page.evaluate(`[...document.querySelectorAll('table')].map((t) => ({
    caption: t.caption ? t.caption.textContent : '',
    rows: [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent)),
  }))`);
}
