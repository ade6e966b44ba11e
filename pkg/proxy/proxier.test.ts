// The proxier against the real API server with a recording iptables: the first sync after the
// caches fill, changes coalesced into few syncs, ready endpoints only, stop leaves rules alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../client/clock';
import { RESOURCES } from '../client/resource-ref';
import { silentLogger } from '../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../server/test-control-plane';
import type { Iptables } from './iptables';
import { Proxier } from './proxier';

async function until<T>(fn: () => T | undefined, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

class RecordingIptables implements Iptables {
  readonly mode = 'nft' as const;
  readonly restores: string[] = [];
  readonly jumps = new Set<string>();
  async save(): Promise<string> {
    return '*nat\n:PREROUTING ACCEPT [0:0]\n:K3TS-SVC-GONE - [0:0]\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n';
  }
  async restore(input: string): Promise<void> {
    this.restores.push(input);
  }
  async ensureJump(table: string, chain: string, target: string): Promise<void> {
    this.jumps.add(`${table}/${chain}->${target}`);
  }
}

describe('Proxier', () => {
  let cp: TestControlPlane;
  beforeAll(async () => {
    cp = await startTestControlPlane();
  });
  afterAll(async () => cp?.stop());

  it('syncs Services and EndpointSlices into one restore, coalescing bursts of changes', async () => {
    const iptables = new RecordingIptables();
    const proxier = new Proxier({ clusterCidr: '10.42.0.0/16', minSyncIntervalMs: 200 }, { client: cp.admin, iptables, clock: systemClock, log: silentLogger() });
    const abort = new AbortController();
    await proxier.start(abort.signal);
    expect(iptables.restores).toHaveLength(1);
    expect(iptables.restores[0]).toContain('-X K3TS-SVC-GONE');
    expect(iptables.jumps).toContain('nat/PREROUTING->K3TS-SERVICES');
    expect(iptables.jumps).toContain('filter/FORWARD->K3TS-FORWARD');

    const svcs = cp.admin.resource(RESOURCES.services);
    const slices = cp.admin.resource(RESOURCES.endpointslices);
    const before = iptables.restores.length;
    for (const name of ['a', 'b', 'c']) {
      await svcs.create({ metadata: { name, namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80 }] } });
      await slices.create({
        metadata: { name: `${name}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        endpoints: [{ addresses: ['10.42.0.7'], conditions: { ready: true } }, { addresses: ['10.42.0.8'], conditions: { ready: false } }],
      } as never);
    }
    const last = await until(() => {
      const r = iptables.restores.at(-1)!;
      return (r.match(/-j DNAT --to-destination 10\.42\.0\.7:8080/g) ?? []).length === 3 ? r : undefined;
    }, 'the three services in one restore');
    expect(last).not.toContain('10.42.0.8');
    // Six object changes, far fewer syncs (one per interval at most).
    expect(iptables.restores.length - before).toBeLessThan(6);
    abort.abort();
    await proxier.done;
    for (const name of ['a', 'b', 'c']) await svcs.delete('default', name);
  });
});
