// One Backend.watch over etcd: a Watch stream with start_revision and prev_kv, re-opened from the
// next revision if the stream breaks (a few times, with backoff), ended by the AbortSignal or the
// backend's close(). A start below etcd's compact revision comes back as a cancel response with
// compact_revision, which becomes CompactedError.
import type { WatchEvent } from '../../backend';
import { CompactedError, UnavailableError } from '../../errors';
import { BatchQueue } from '../sql/batch-queue';
import { num, unavailable, type EtcdRpc, type PbEvent, type PbWatchResponse, type grpc } from './etcd-rpc';

const WATCH_RETRIES = 3;

export interface EtcdWatchDeps {
  /** The open RPC layer (throws UnavailableError once the backend is closed). */
  rpc(): EtcdRpc;
  toEvent(e: PbEvent): Promise<WatchEvent>;
  /** Registers a stopper for the backend's close(); returns its unregistration. */
  track(stop: () => void): () => void;
  isClosed(): boolean;
}

export async function* watchEtcd(
  deps: EtcdWatchDeps, range: { key: Buffer; end: Buffer }, prefix: string, from: number, signal: AbortSignal,
): AsyncGenerator<readonly WatchEvent[]> {
  const rpc = deps.rpc();
  if (signal.aborted) return;
  const queue = new BatchQueue<readonly WatchEvent[]>();
  // The revision to (re)start from; 0 = "now" until the server's created response pins it.
  let resume = from;
  let retries = 0;
  let stopping = false;
  let call: grpc.ClientDuplexStream<object, PbWatchResponse> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  // Event batches are mapped (lease TTL lookups may be async) strictly one after another.
  let chain = Promise.resolve();
  const enqueue = (step: () => Promise<void> | void): void => {
    chain = chain.then(step).catch((err: unknown) => queue.fail(err));
  };
  const stop = (): void => {
    stopping = true;
    clearTimeout(retryTimer);
    call?.cancel();
    queue.end();
  };
  const open = (): void => {
    const c = rpc.watch();
    call = c;
    c.on('data', (res: PbWatchResponse) => {
      if (res.created) {
        retries = 0;
        if (resume === 0 && res.header) resume = num(res.header.revision) + 1;
      }
      if (res.canceled) {
        const compact = num(res.compact_revision);
        const requested = resume;
        enqueue(() => queue.fail(compact > 0
          ? new CompactedError(requested, compact - 1)
          : new UnavailableError(`etcd cancelled the watch on ${prefix}: ${res.cancel_reason || 'no reason given'}`)));
        return;
      }
      if (res.events.length > 0) {
        const events = res.events;
        resume = num(events[events.length - 1]!.kv?.mod_revision) + 1;
        enqueue(async () => queue.push(await Promise.all(events.map((e) => deps.toEvent(e)))));
      }
    });
    const lost = (err: unknown): void => {
      if (stopping || call !== c) return;
      call = undefined;
      if (retries < WATCH_RETRIES && !deps.isClosed()) {
        retries++;
        retryTimer = setTimeout(open, 100 * 2 ** retries);
      } else enqueue(() => queue.fail(unavailable(err)));
    };
    c.on('error', lost);
    c.on('end', () => lost(new Error('the etcd watch stream ended')));
    c.write({ create_request: { key: range.key, range_end: range.end, start_revision: resume, prev_kv: true } });
  };
  const untrack = deps.track(stop);
  signal.addEventListener('abort', stop, { once: true });
  try {
    open();
    for (;;) {
      const batch = await queue.next(signal);
      if (!batch) return;
      yield batch;
    }
  } finally {
    signal.removeEventListener('abort', stop);
    untrack();
    stop();
  }
}
