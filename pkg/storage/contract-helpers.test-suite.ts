// Helpers shared by the contract suite's files (and usable by driver-specific tests).
import { expect } from 'vitest';
import type { Backend, KeyValue, WatchEvent } from './backend';
import { StorageError, type StorageErrorCode } from './errors';

/** What each contract test reads its backend and key prefix from (both change per test). */
export interface ContractContext {
  current(): { readonly b: Backend; readonly p: string };
}

export const MIB = 1024 * 1024;
export const DEFAULT_LIMIT = 1.5 * MIB;
export const WATCH_DEADLINE_MS = 15_000;
export const LEASE_DEADLINE_MS = 20_000;

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Awaits `p` and checks it rejected with a StorageError of `code` (and returns the error). */
export async function expectStorageError(p: Promise<unknown>, code: StorageErrorCode): Promise<StorageError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a StorageError with code ${code}`).toBeInstanceOf(StorageError);
  expect((caught as StorageError).code).toBe(code);
  return caught as StorageError;
}

/** Watches until `until(events)` holds or the deadline passes; returns what arrived. */
export async function collectEvents(
  backend: Backend,
  prefix: string,
  fromRevision: number,
  until: (events: readonly WatchEvent[]) => boolean,
  deadlineMs = WATCH_DEADLINE_MS,
): Promise<WatchEvent[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), deadlineMs);
  const out: WatchEvent[] = [];
  try {
    for await (const batch of backend.watch(prefix, { fromRevision }, ac.signal)) {
      out.push(...batch);
      if (until(out)) break;
    }
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return out;
}

/** Polls `check` until it returns true or the deadline passes. */
export async function pollUntil(check: () => Promise<boolean>, deadlineMs: number, what: string): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** A comparable summary of an event (revisions, keys, values as text). */
export function summary(e: WatchEvent): string {
  const prev = e.prevKv ? ` prev=${e.prevKv.modRevision}:${dec(e.prevKv.value)}` : '';
  return `${e.revision} ${e.type} ${e.kv.key} c=${e.kv.createRevision} m=${e.kv.modRevision} v=${dec(e.kv.value)}${prev}`;
}

export function keysOf(kvs: readonly KeyValue[]): string[] {
  return kvs.map((kv) => kv.key);
}
