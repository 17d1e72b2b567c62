/**
 * The passive VRRP listener of one interface: tcpdump (Node has no raw sockets) writes pcap to a
 * pipe, decoded here record by record into the advertiser table. Runs from the module's start()
 * until stop(); if tcpdump exits or its stream turns bad, it is restarted with a doubling delay
 * (1 s up to 30 s, back to 1 s once a record arrived). Its stderr is kept only as one line, the
 * reason it failed; packets are never logged.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { ParseIssue } from '../../../common/parse/issue.js';
import { AdvertiserTable } from './advertisers.js';
import type { WireCapture } from '../../../common/vrrp/model.js';
import { parseVrrpPacket, ipPacket } from '../../../common/vrrp/parse-vrrp.js';
import { PcapStream, type PcapRecord } from '../../../common/pcap/pcap-stream.js';

/** Enough for the VRRP header and 20 IPv6 addresses behind Ethernet, VLAN or SLL2 headers. */
export const SNAP_LENGTH = 512;
const FILTER = 'ip proto 112 or ip6 proto 112';
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;
const STOP_GRACE_MS = 2000;

/** tcpdump's arguments for one interface: no name lookups, packets written as they arrive. */
export function tcpdumpArgs(intf: string): string[] {
  return ['-i', intf, '-w', '-', '-U', '-n', '-s', String(SNAP_LENGTH), '--immediate-mode', FILTER];
}

/** How tcpdump is run: directly, or inside a named network namespace through `ip netns exec`. */
export interface CaptureCommand {
  readonly tcpdump: string;
  /** Network namespace (a name under /run/netns); "" or absent: the exporter's own. */
  readonly netns?: string;
  /** iproute2 binary for `ip netns exec` (it execs tcpdump, so the pid stays tcpdump's). */
  readonly ip?: string;
}

/** Program and arguments for one interface's capture. */
export function captureCommand(intf: string, command: CaptureCommand): [string, string[]] {
  if (!command.netns) return [command.tcpdump, tcpdumpArgs(intf)];
  return [command.ip ?? 'ip', ['netns', 'exec', command.netns, command.tcpdump, ...tcpdumpArgs(intf)]];
}

export class VrrpCapture {
  readonly table: AdvertiserTable;
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private listening = false;
  private stopped = true;
  private restartTimer?: NodeJS.Timeout;
  private delayMs = FIRST_DELAY_MS;
  /** Packets not decoded since the last take(), and the first of them for the message. */
  private invalid = 0;
  private firstInvalid?: ParseIssue;
  /** Why the capture is not running (tcpdump's last error line, or a broken stream). */
  lastError?: string;

  constructor(
    readonly intf: string,
    private readonly command: CaptureCommand,
    capacity?: number,
  ) {
    this.table = new AdvertiserTable(capacity);
  }

  get capturing(): boolean {
    return this.listening && this.child !== undefined;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.spawn();
  }

  /** Stops tcpdump (SIGTERM, SIGKILL after 2 s) and resolves once it exited. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.kill('SIGTERM');
    await this.exited;
    clearTimeout(kill);
  }

  /** The capture as of `nowMs`, plus the packets it could not decode since the last call. */
  take(nowMs: number): { capture: WireCapture; invalid: number; firstInvalid?: ParseIssue } {
    const taken = { invalid: this.invalid, firstInvalid: this.firstInvalid };
    this.invalid = 0;
    this.firstInvalid = undefined;
    return {
      capture: {
        intf: this.intf,
        capturing: this.capturing,
        advertisers: this.table.current(nowMs),
        dropped: this.table.dropped,
      },
      ...taken,
    };
  }

  private spawn(): void {
    const stream = new PcapStream();
    const [file, args] = captureCommand(this.intf, this.command);
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
      windowsHide: true,
    });
    this.child = child;
    this.listening = false;
    let stderrLine = '';
    let streamError: string | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stream.push(chunk, (record) => this.onRecord(record));
      if (stream.issue && streamError === undefined) {
        this.report(stream.issue);
        streamError = `pcap stream from tcpdump: ${stream.issue.message}`;
        child.kill('SIGTERM');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      for (const line of text.split('\n')) {
        const trimmed = line.trim().slice(0, 300);
        if (/listening on /.test(trimmed)) {
          this.listening = true;
          this.lastError = undefined;
        } else if (trimmed !== '' && !/packets? (captured|received|dropped)/.test(trimmed))
          stderrLine = trimmed;
      }
    });
    // 'error' (not started) and 'close' (exited) may both come: the first one counts.
    this.exited = new Promise((resolve) => {
      const ended = (why: string) => {
        if (this.child === child) {
          this.lastError = streamError ?? why;
          this.afterExit();
        }
        resolve();
      };
      child.once('error', (error: NodeJS.ErrnoException) =>
        ended(
          error.code === 'ENOENT'
            ? `${file}: not found (${this.command.netns ? '--keepalived.ip-binary' : '--keepalived.tcpdump-path'})`
            : `${file}: ${error.message}`,
        ),
      );
      child.once('close', (code, signal) =>
        ended(
          `tcpdump -i ${this.intf} exited (${signal ?? `exit ${code}`})${stderrLine ? `: ${stderrLine}` : ''}`,
        ),
      );
    });
  }

  private afterExit(): void {
    this.child = undefined;
    this.listening = false;
    if (this.stopped) return;
    this.restartTimer = setTimeout(() => this.spawn(), this.delayMs);
    this.restartTimer.unref();
    this.delayMs = Math.min(this.delayMs * 2, MAX_DELAY_MS);
  }

  private onRecord(record: PcapRecord): void {
    this.delayMs = FIRST_DELAY_MS;
    const packet = ipPacket(record.linkType, record.data);
    const decoded = typeof packet === 'string' ? { error: packet } : parseVrrpPacket(packet);
    if ('advert' in decoded) this.table.observe(this.intf, decoded.advert, record.timestampMs);
    else
      this.report({
        file: `tcpdump -i ${this.intf}`,
        line: record.number,
        field: 'packet',
        message: decoded.error,
      });
  }

  private report(issue: ParseIssue): void {
    this.invalid++;
    this.firstInvalid ??= issue;
  }
}
