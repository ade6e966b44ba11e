// A watch response (one JSON event per line) as an async iterable of typed events that the caller
// can close at any time. ERROR events carry the server's Status as a StatusError.
import type { KubeObject } from '../api/types';
import { ClientError, statusErrorFrom, type StatusError } from './errors';
import type { ObjectChannel } from './object-channel';
import type { TransportResponse } from './transport';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export type WatchEvent<T extends KubeObject = KubeObject> =
  | { readonly type: WatchEventType; readonly object: T }
  | { readonly type: 'ERROR'; readonly error: StatusError };

export interface WatchStream<T extends KubeObject = KubeObject> extends AsyncIterable<WatchEvent<T>> {
  /** Ends the stream: iteration finishes after the event in hand; idempotent. */
  close(): void;
}

const EVENT_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

function parseEvent<T extends KubeObject>(line: string, objects: ObjectChannel | undefined): WatchEvent<T> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new ClientError('decode', `a watch event is not JSON: ${line.slice(0, 200)}`);
  }
  const ev = v as { type?: unknown; object?: unknown; ref?: unknown };
  // An in-process server hands the object over by reference (see object-channel.ts).
  if (typeof ev?.ref === 'number' && ev.object === undefined) {
    ev.object = objects?.take(ev.ref);
    if (ev.object === undefined) throw new ClientError('decode', `a watch event refers to object ${ev.ref}, which this connection does not hold`);
  }
  if (typeof ev?.type !== 'string' || !EVENT_TYPES.has(ev.type) || ev.object === null || typeof ev.object !== 'object') {
    throw new ClientError('decode', `a watch event lacks a known type or an object: ${line.slice(0, 200)}`);
  }
  if (ev.type === 'ERROR') {
    const code = typeof (ev.object as { code?: unknown }).code === 'number' ? ((ev.object as { code: number }).code) : 500;
    return { type: 'ERROR', error: statusErrorFrom(code, ev.object) };
  }
  const obj = ev.object as T;
  if (obj.metadata === null || typeof obj.metadata !== 'object') throw new ClientError('decode', `a ${ev.type} watch event has an object without metadata`);
  return { type: ev.type as WatchEventType, object: obj };
}

export function watchStreamOf<T extends KubeObject>(res: TransportResponse, signal?: AbortSignal): WatchStream<T> {
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    signal?.removeEventListener('abort', close);
    res.close();
  };
  signal?.addEventListener('abort', close, { once: true });
  if (signal?.aborted) close();
  async function* events(): AsyncGenerator<WatchEvent<T>> {
    let buf = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) {
        buf += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (closed) return;
          if (line) yield parseEvent<T>(line, res.objects);
        }
      }
      const tail = buf.trim();
      if (tail && !closed) yield parseEvent<T>(tail, res.objects);
    } catch (e) {
      // Closing cuts the connection; that is the end the caller asked for, not a failure.
      if (closed) return;
      throw e;
    } finally {
      close();
    }
  }
  const iterable = events();
  return {
    close,
    [Symbol.asyncIterator]: () => iterable,
  };
}
