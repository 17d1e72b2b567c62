import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyDraft } from '../../exporter/core/draft.js';
import { FifoReader } from '../../exporter/keepalived/fifo-reader.js';
import { FifoSource } from '../../exporter/keepalived/sources.js';
import { tempDir, waitFor } from '../support/process.js';

const dir = tempDir('fifo');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Waits until the reader has read `count` lines (polled every 10 ms for 2 s). */
async function linesRead(reader: FifoReader, count: number): Promise<void> {
  await waitFor(`${count} lines read`, 2000, () => reader.snapshot().linesRead === count, 10);
}

describe('FifoReader on a real FIFO', () => {
  it('creates the FIFO, counts every transition of a flap and keeps the time of the last', async () => {
    const fifo = path.join(dir, 'vrrp.fifo');
    const reader = new FifoReader(fifo);
    await reader.check();
    expect(reader.isOpen).toBe(true);
    expect(statSync(fifo).isFIFO()).toBe(true);
    // Every line keepalived 2.2.7 wrote during the capture run, split mid-line like a pipe may.
    const lines = readFileSync(
      new URL('../../fixtures/keepalived/2.2.7-vrrp/fifo-a.txt', import.meta.url),
      'utf8',
    );
    const before = Date.now();
    writeFileSync(fifo, lines.slice(0, 40));
    writeFileSync(fifo, lines.slice(40));
    await linesRead(reader, lines.trim().split('\n').length);
    const vi1 = reader.snapshot().instances.find((i) => i.name === 'VI_1');
    expect(vi1?.transitions).toEqual({ BACKUP: 2, MASTER: 2, FAULT: 1, STOP: 1 });
    expect(vi1?.state).toBe(98);
    expect(vi1?.lastTransitionMs).toBeGreaterThanOrEqual(before);
    const vi2 = reader.snapshot().instances.find((i) => i.name === 'VI_2');
    expect(vi2?.priorityChanges).toBe(2);
    expect(reader.unparsedLines).toBe(0);
    reader.close();
  });

  it('reopens when keepalived deletes and recreates the FIFO', async () => {
    const fifo = path.join(dir, 'recreated.fifo');
    const reader = new FifoReader(fifo);
    await reader.check();
    writeFileSync(fifo, 'INSTANCE "VI_1" MASTER 150\n');
    await linesRead(reader, 1);
    rmSync(fifo);
    execFileSync('mkfifo', [fifo], { timeout: 5000 });
    await reader.check();
    writeFileSync(fifo, 'INSTANCE "VI_1" BACKUP 100\n');
    await linesRead(reader, 2);
    expect(reader.snapshot().instances[0]?.transitions).toEqual({ MASTER: 1, BACKUP: 1 });
    reader.close();
  });

  it('reports a path that is not a FIFO and counts garbage lines', async () => {
    const file = path.join(dir, 'plain');
    writeFileSync(file, 'x');
    const reader = new FifoReader(file);
    await reader.check();
    expect(reader.isOpen).toBe(false);
    expect(reader.lastError).toMatch(/not a FIFO/);
    const fifo = new FifoReader(path.join(dir, 'garbage.fifo'));
    await fifo.check();
    writeFileSync(
      fifo.path,
      `garbage\nVS [192.0.2.1]:tcp:80 UP\n${'x'.repeat(5000)}\nINSTANCE "VI_9" FAULT 0\n`,
    );
    await linesRead(fifo, 4);
    expect(fifo.unparsedLines).toBe(2);
    expect(fifo.snapshot().instances.map((i) => i.name)).toEqual(['VI_9']);
    fifo.close();
  });

  it('as a source, reports each unparsable line in one collection only (the self module sums them)', async () => {
    const reader = new FifoReader(path.join(dir, 'source.fifo'));
    const source = new FifoSource('lb1', reader);
    const parseErrors = async () => (await source.collect(emptyDraft())).parseErrors;
    expect(await parseErrors()).toBe(0);
    writeFileSync(reader.path, 'garbage\nmore garbage\nINSTANCE "VI_1" MASTER 150\n');
    await linesRead(reader, 3);
    expect(await parseErrors()).toBe(2);
    expect(await parseErrors()).toBe(0);
    writeFileSync(reader.path, 'garbage again\n');
    await linesRead(reader, 4);
    expect(await parseErrors()).toBe(1);
    reader.close();
  });
});
