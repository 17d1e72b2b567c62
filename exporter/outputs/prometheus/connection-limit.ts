/**
 * A cap on open connections that slow or idle clients cannot use to lock out real scrapes. Each
 * connection is "waiting" (no complete request yet, or idle between keep-alive requests) or
 * "busy" (a request being answered). At the cap a new connection takes the place of the oldest
 * waiting one, which is closed; only when every connection is busy is the new one refused. So
 * N sockets dribbling a header byte a second hold at most the slots nobody else needs, and each is
 * cut anyway when the header timeout runs out.
 */
import type { Socket } from 'node:net';

interface Entry {
  readonly socket: Socket;
  busy: number;
}

export class ConnectionLimit {
  /** In arrival order (Map keeps insertion order): the first waiting entry is the oldest. */
  private readonly open = new Map<Socket, Entry>();
  /** `max` 0: no cap. */
  constructor(private readonly max: number) {}

  /** Admits a new raw connection, closing the oldest waiting one if at the cap; false: refused. */
  admit(socket: Socket): boolean {
    if (this.max > 0 && this.open.size >= this.max) {
      const victim = [...this.open.values()].find((entry) => entry.busy === 0);
      if (!victim) return false;
      this.forget(victim.socket);
      victim.socket.destroy();
    }
    this.open.set(socket, { socket, busy: 0 });
    socket.once('close', () => this.forget(socket));
    return true;
  }

  /** A request started on `socket` (the raw one); returns the function that marks it finished. */
  busy(socket: Socket): () => void {
    const entry = this.open.get(socket);
    if (!entry) return () => undefined;
    entry.busy += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      entry.busy -= 1;
      // Back to the end of the line: an idle keep-alive connection is younger than one that has
      // been waiting for its headers since before this request.
      if (entry.busy === 0 && this.open.has(socket)) {
        this.open.delete(socket);
        this.open.set(socket, entry);
      }
    };
  }

  private forget(socket: Socket): void {
    this.open.delete(socket);
  }
}
