// The storage contract against a real etcd (K3TS_TEST_ETCD_URL from
// scripts/start-test-databases.sh), plus what only the etcd driver has: key prefixes, lease IDs
// that carry the TTL, leases made by other clients, endpoint failover. Every backend works under
// its own key prefix (keyPrefix option), deleted afterwards. Note the contract's compaction tests
// compact the shared etcd as a whole, which only moves its history floor forward.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackendContract } from '../contract.test-suite';
import { createEtcdBackend } from './etcd';
import { EtcdRpc } from './etcd/etcd-rpc';
import { makeLeaseId, MAX_LEASE_TTL, ttlFromLeaseId } from './etcd/lease-ids';
import { runId, withExternalDb } from './sql/external-db.test-helper';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('etcd lease IDs', () => {
  it('carry the TTL and are told apart from foreign lease IDs', () => {
    for (const ttl of [1, 60, 3600, MAX_LEASE_TTL]) {
      const id = makeLeaseId(ttl, Math.random);
      expect(BigInt(id) > 0n && BigInt(id) < 2n ** 63n).toBe(true);
      expect(ttlFromLeaseId(id)).toBe(ttl);
    }
    expect(makeLeaseId(5, () => 0)).not.toBe(makeLeaseId(5, () => 0.5));
    expect(ttlFromLeaseId('0')).toBeUndefined();
    expect(ttlFromLeaseId('7587868347123456789')).toBeUndefined();
    expect(() => makeLeaseId(0, Math.random)).toThrow(RangeError);
    expect(() => makeLeaseId(MAX_LEASE_TTL + 1, Math.random)).toThrow(RangeError);
  });
});

withExternalDb('etcd driver', 'K3TS_TEST_ETCD_URL', (url) => {
  describe('etcd driver', () => {
    const root = `/k3ts-test/${runId()}/`;
    let admin: EtcdRpc;
    let n = 0;

    beforeAll(() => {
      admin = new EtcdRpc([url], undefined, 10_000);
    });

    afterAll(async () => {
      await admin.unary('KV/DeleteRange', { key: Buffer.from(root), range_end: rangeEnd(root) });
      admin.close();
    });

    const cleanupPrefix = (prefix: string) => async (): Promise<void> => {
      await admin.unary('KV/DeleteRange', { key: Buffer.from(prefix), range_end: rangeEnd(prefix) });
    };

    runBackendContract('etcd', async () => {
      const keyPrefix = `${root}${++n}`;
      return { backend: createEtcdBackend({ endpoints: [url], keyPrefix }), cleanup: cleanupPrefix(keyPrefix) };
    });

    describe('etcd specifics', () => {
      it('keyPrefix isolates backends sharing one etcd and is stripped from results', async () => {
        const a = createEtcdBackend({ endpoints: [url], keyPrefix: `${root}iso-a` });
        const b = createEtcdBackend({ endpoints: [url], keyPrefix: `${root}iso-b` });
        await a.start();
        await b.start();
        try {
          await a.create('/registry/x', enc('a'));
          expect((await b.get('/registry/x')).kv).toBeUndefined();
          expect((await a.list('')).kvs.map((kv) => kv.key)).toEqual(['/registry/x']);
          expect((await b.count('')).count).toBe(0);
          const raw = await admin.unary('KV/Range', { key: Buffer.from(`${root}iso-a/registry/x`) });
          expect(raw.kvs).toHaveLength(1);
        } finally {
          await a.close();
          await b.close();
        }
      });

      it('reports the granted TTL of a lease made by another etcd client', async () => {
        const keyPrefix = `${root}foreign`;
        const grant = await admin.unary('Lease/LeaseGrant', { TTL: 120, ID: 0 });
        await admin.unary('KV/Put', { key: Buffer.from(`${keyPrefix}/k`), value: Buffer.from('v'), lease: grant.ID });
        const be = createEtcdBackend({ endpoints: [url], keyPrefix });
        await be.start();
        try {
          expect((await be.get('/k')).kv?.lease).toBe(120);
        } finally {
          await be.close();
          await admin.unary('Lease/LeaseRevoke', { ID: grant.ID });
        }
      });

      it('fails over from an unreachable endpoint to the next one', async () => {
        const dead = await closedPort();
        const be = createEtcdBackend({ endpoints: [`http://127.0.0.1:${dead}`, url], keyPrefix: `${root}failover` });
        await be.start();
        try {
          const c = await be.create('/k', enc('v'));
          expect((await be.get('/k')).kv?.modRevision).toBe(c.revision);
        } finally {
          await be.close();
        }
      });

      it('start() rejects with code unavailable when no endpoint answers', async () => {
        const dead = await closedPort();
        const be = createEtcdBackend({ endpoints: [`127.0.0.1:${dead}`], requestTimeoutMs: 5_000 });
        await expect(be.start()).rejects.toMatchObject({ code: 'unavailable' });
        await be.close();
      });

      it('rejects malformed endpoints with code invalid-endpoint', async () => {
        const be = createEtcdBackend({ endpoints: ['ftp://127.0.0.1:2379'] });
        await expect(be.start()).rejects.toMatchObject({ code: 'invalid-endpoint' });
      });
    });
  });
});

function rangeEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  b[b.length - 1]!++;
  return b;
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}
