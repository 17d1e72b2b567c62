import { execFile } from 'node:child_process';
import { closeSync, constants, fstatSync, openSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import net from 'node:net';
import { FifoTracker } from '../../common/keepalived/parse-fifo.js';
import type { FifoSnapshot } from '../../common/keepalived/model.js';

/** Longest line kept; keepalived's lines are short, anything longer is dropped as garbage. */
const MAX_LINE = 4096;

/**
 * Reads keepalived's notify FIFO continuously from start() until close(). Opened O_RDWR (as
 * keepalived does), so it never sees end-of-file while keepalived restarts; if keepalived
 * deletes and recreates the FIFO, check() notices the new inode and reopens it. A missing FIFO
 * is created with mkfifo(1) (mode 0600), so keepalived finds it and never removes it.
 */
export class FifoReader {
  private readonly tracker = new FifoTracker();
  private socket?: net.Socket;
  private inode?: number;
  private partial = '';
  private opening?: Promise<void>;
  private closed = false;
  lastError?: string;

  constructor(
    readonly path: string,
    private readonly timeoutMs = 2000,
  ) {}

  get isOpen(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  get unparsedLines(): number {
    return this.tracker.unparsedLines;
  }

  /** Opens the FIFO if it is not open, or reopens it when the path now names another file. */
  check(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.opening ??= this.reopenIfNeeded().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  snapshot(): FifoSnapshot {
    return this.tracker.snapshot(this.isOpen);
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
    this.socket = undefined;
  }

  private async reopenIfNeeded(): Promise<void> {
    let info: Stats | undefined;
    try {
      info = await stat(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return this.fail(error);
    }
    if (info && !info.isFIFO()) {
      // keepalived writes to the path, not to our descriptor: a FIFO replaced by a file is lost.
      this.socket?.destroy();
      this.socket = undefined;
      return this.fail(new Error(`${this.path} exists and is not a FIFO`));
    }
    if (info && this.isOpen && info.ino === this.inode) return;
    if (!info) {
      try {
        await this.mkfifo();
      } catch (error) {
        return this.fail(error);
      }
    }
    this.socket?.destroy();
    this.socket = undefined;
    try {
      // A raw descriptor, not a FileHandle (whose garbage collection would close it under the
      // socket). O_NONBLOCK: opening a FIFO returns at once, writer or not.
      const fd = openSync(this.path, constants.O_RDWR | constants.O_NONBLOCK);
      if (this.closed) {
        closeSync(fd);
        return;
      }
      this.inode = fstatSync(fd).ino;
      // net.Socket takes over the descriptor (libuv pipe): reads never block a thread.
      const socket = new net.Socket({ fd, readable: true, writable: false });
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => this.onData(chunk));
      socket.on('error', (error) => {
        this.lastError = error.message;
        socket.destroy();
      });
      socket.unref();
      this.socket = socket;
      this.lastError = undefined;
    } catch (error) {
      this.fail(error);
    }
  }

  private mkfifo(): Promise<void> {
    return new Promise((resolve, reject) => {
      execFile('mkfifo', ['-m', '0600', this.path], { timeout: this.timeoutMs, shell: false }, (error) => {
        if (error)
          reject(new Error(`cannot create FIFO ${this.path}: ${error.message.split('\n')[0] ?? ''}`));
        else resolve();
      });
    });
  }

  private onData(chunk: string): void {
    const now = Date.now();
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > MAX_LINE) {
      this.tracker.apply('\u0000oversized', now);
      this.partial = '';
    }
    for (const line of lines) this.tracker.apply(line.length > MAX_LINE ? '\u0000oversized' : line, now);
  }

  private fail(error: unknown): void {
    this.lastError = error instanceof Error ? error.message : String(error);
  }
}
