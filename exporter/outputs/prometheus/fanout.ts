/**
 * Streams one snapshot's exposition to every scrape waiting for that snapshot: scrapes that
 * joined one collection share one rendering too, and the text goes out family by family with
 * back-pressure, so memory holds one family at a time however big the table or slow the client.
 */
import type { ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { drained } from '../../../common/io/text-output.js';
import type { MetricFamily } from '../../../common/metrics/family.js';
import type { Snapshot } from '../../../common/snapshot.js';
import { PROMETHEUS_CONTENT_TYPE, writeExposition } from './render.js';

export interface Scrape {
  readonly res: ServerResponse;
  readonly gzip: boolean;
}

interface Job {
  started: boolean;
  readonly scrapes: Scrape[];
  readonly done: Promise<void>;
}

function open({ res, gzip }: Scrape): Writable {
  res.writeHead(200, {
    'Content-Type': PROMETHEUS_CONTENT_TYPE,
    ...(gzip && { 'Content-Encoding': 'gzip' }),
  });
  // A scraper that hangs up mid-stream is not an error of ours; the other scrapes go on.
  res.on('error', () => undefined);
  if (!gzip) return res;
  const zipped = createGzip({ level: 1 });
  zipped.on('error', () => undefined);
  zipped.pipe(res);
  res.once('close', () => zipped.destroy());
  return zipped;
}

export class ExpositionFanout {
  private readonly jobs = new WeakMap<Snapshot, Job>();

  constructor(private readonly families: (snapshot: Snapshot) => MetricFamily[]) {}

  /** Adds a scrape to the snapshot's rendering (started on the next turn of the event loop). */
  serve(snapshot: Snapshot, scrape: Scrape): Promise<void> {
    let job = this.jobs.get(snapshot);
    if (!job || job.started) {
      const scrapes: Scrape[] = [];
      const created: Job = {
        started: false,
        scrapes,
        done: new Promise((resolve) => setImmediate(resolve)).then(() => this.run(snapshot, created)),
      };
      job = created;
      this.jobs.set(snapshot, job);
    }
    job.scrapes.push(scrape);
    return job.done;
  }

  private async run(snapshot: Snapshot, job: Job): Promise<void> {
    job.started = true;
    let sinks: Writable[] | undefined;
    try {
      await writeExposition(this.families(snapshot), async (chunk) => {
        sinks ??= job.scrapes.map(open);
        for (const sink of sinks) if (!sink.destroyed) sink.write(chunk);
        await Promise.all(sinks.map(drained));
      });
      await Promise.all(
        (sinks ?? []).map(
          (sink) => new Promise<void>((resolve) => (sink.destroyed ? resolve() : sink.end(resolve))),
        ),
      );
    } catch (error) {
      if (sinks) {
        for (const sink of sinks) sink.destroy(error as Error);
      } else {
        const message = `${(error as Error).message}\n`;
        for (const { res } of job.scrapes) res.writeHead(500, { 'Content-Type': 'text/plain' }).end(message);
      }
      throw error;
    }
  }
}
