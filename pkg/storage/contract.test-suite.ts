// The one behavioural contract every storage driver passes. A driver's test file calls
// runBackendContract('sqlite', factory); the factory returns a fresh, NOT yet started backend and a
// cleanup. For each test the suite calls start(), runs, then close() and cleanup().
//
// The suite tolerates a shared server (postgres, mysql, etcd): every test works under its own random
// key prefix, revisions are only compared for order (never assumed to step by one from 0), and
// global effects (compaction) only move forward.
//
// The tests live in contract-kv / contract-list / contract-history .test-suite.ts; helpers that
// driver-specific tests may reuse (collectEvents, expectStorageError, pollUntil) are re-exported here.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe } from 'vitest';
import type { Backend } from './backend';
import { registerHistoryContract } from './contract-history.test-suite';
import { registerKvContract } from './contract-kv.test-suite';
import { registerListContract } from './contract-list.test-suite';

export { collectEvents, expectStorageError, pollUntil, type ContractContext } from './contract-helpers.test-suite';

export interface BackendUnderTest {
  readonly backend: Backend;
  readonly cleanup: () => Promise<void>;
}

export type BackendFactory = () => Promise<BackendUnderTest>;

export function runBackendContract(name: string, factory: BackendFactory): void {
  describe(`storage contract: ${name}`, () => {
    let b: Backend | undefined;
    let cleanup: (() => Promise<void>) | undefined;
    let p = '';
    const ctx = {
      current: () => {
        if (!b) throw new Error('contract: no backend (did beforeEach fail?)');
        return { b, p };
      },
    };

    beforeEach(async () => {
      const made = await factory();
      b = made.backend;
      cleanup = made.cleanup;
      p = `/registry/contract-${randomUUID().slice(0, 8)}/`;
      await b.start();
    });

    afterEach(async () => {
      try {
        await b?.close();
      } finally {
        await cleanup?.();
        b = undefined;
        cleanup = undefined;
      }
    });

    registerKvContract(ctx);
    registerListContract(ctx);
    registerHistoryContract(ctx);
  });
}
