// Follows the revision log of a shared SQL database and fans new rows out to this process's
// watchers, in revision order, with no gaps.
//
// Why polling is enough and gaps need no timeout: revisions are not autoincrement ids. Every write
// takes `revision = counter + 1` from a single counter row in the SAME transaction as its insert
// (SqlClient.appendRow), so (a) a failed or rolled-back write also rolls back its counter bump —
// revisions are dense, no id is ever burned — and (b) the counter row lock serialises writers, so
// revision N+1 cannot even be assigned until N has committed. A poll that sees N+1 therefore finds
// N already committed. The poller still checks density and never skips: if a revision were
// missing it stops before it and asks again on the next tick, so a surprise (say, a database
// whose visibility order differed from its commit order) costs latency, never a lost event. The
// only legitimate hole is compaction removing rows this poller had not read yet (it lagged more
// than the retention window); then subscribers are told `compacted` and must fail their watch.
import type { WatchEvent } from '../../backend';
import { toWatchEvent, type LogRow } from './log-row';

export type PollerMessage =
  | { readonly kind: 'events'; readonly events: readonly WatchEvent[]; readonly upTo: number }
  | { readonly kind: 'compacted'; readonly compacted: number };

export interface RevisionPollerDeps {
  /** Rows with id > `after`, ascending, at most `limit` (with the previous row's lease joined). */
  readRowsAfter(after: number, limit: number): Promise<LogRow[]>;
  compactedRevision(): Promise<number>;
  readonly intervalMs: number;
  readonly batchLimit: number;
  /** Poll failures (e.g. the database restarting); the loop keeps going. */
  onError(err: unknown): void;
}

export class RevisionPoller {
  private pos = 0;
  private readonly subscribers = new Set<(m: PollerMessage) => void>();
  private kicked = false;
  private wakeUp: (() => void) | undefined;
  private controller: AbortController | undefined;
  private loopDone: Promise<void> | undefined;

  constructor(private readonly deps: RevisionPollerDeps) {}

  /** The highest revision delivered to subscribers; every revision up to it is committed. */
  get position(): number {
    return this.pos;
  }

  start(position: number): void {
    if (this.controller) return;
    this.pos = position;
    this.controller = new AbortController();
    this.loopDone = this.loop(this.controller.signal);
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    this.wakeUp?.();
    await this.loopDone;
    this.subscribers.clear();
  }

  /** Subscribes to messages for revisions above the current position. Returns the unsubscriber. */
  subscribe(fn: (m: PollerMessage) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /** Polls as soon as possible (after a local write), instead of waiting for the next tick. */
  kick(): void {
    this.kicked = true;
    this.wakeUp?.();
  }

  private async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.kicked = false;
      try {
        await this.pollOnce();
      } catch (err) {
        if (!signal.aborted) this.deps.onError(err);
      }
      if (signal.aborted || this.kicked) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.deps.intervalMs);
        const self = this;
        function done(): void {
          clearTimeout(timer);
          self.wakeUp = undefined;
          resolve();
        }
        this.wakeUp = done;
      });
    }
  }

  private async pollOnce(): Promise<void> {
    for (;;) {
      const rows = await this.deps.readRowsAfter(this.pos, this.deps.batchLimit);
      if (rows.length === 0) return;
      const events: WatchEvent[] = [];
      let expected = this.pos + 1;
      for (const row of rows) {
        if (row.id !== expected) break;
        events.push(toWatchEvent(row));
        expected++;
      }
      if (events.length > 0) {
        this.pos = expected - 1;
        this.publish({ kind: 'events', events, upTo: this.pos });
      }
      if (events.length < rows.length) {
        // Revision `expected` is missing. Only compaction may remove rows; anything else is
        // waited for (see the header comment) rather than skipped.
        const compacted = await this.deps.compactedRevision();
        if (compacted < expected) return;
        this.publish({ kind: 'compacted', compacted });
        this.pos = compacted;
        continue;
      }
      if (rows.length < this.deps.batchLimit) return;
    }
  }

  private publish(m: PollerMessage): void {
    for (const fn of this.subscribers) fn(m);
  }
}
