// The repair loop of service allocations (upstream's ipallocator/portallocator repair
// controllers): compares the claims in the datastore with the Services that hold values, restores
// claims that are missing (a datastore restored from an older snapshot, a crash between writes) and
// releases leaked ones — a claim no Service holds, seen so on two passes and older than a grace
// period, so that a create still between its claim and its write is never robbed.
import type { KubeObject } from '../../api/types';
import { asObject } from '../../api/validation/json';
import { sleep, type Clock } from '../../client/clock';
import type { Logger } from '../../log/logger';
import { AllocationError } from './errors';
import type { MarkerOwner, RangeMarker } from './marker-range';
import { clusterIPsOf, nodePortsOf, type ServiceAllocation } from './service-allocation';

export interface AllocationRepairConfig {
  readonly allocation: ServiceAllocation;
  /** Every Service in the cluster, read after the claims. */
  readonly listServices: () => Promise<readonly KubeObject[]>;
  readonly clock: Clock;
  readonly log: Logger;
  /** Between passes (default 3 min, as upstream). */
  readonly intervalMs?: number;
  /** A leaked claim younger than this is left alone (default 1 min). */
  readonly leakGraceMs?: number;
}

export interface RepairReport {
  readonly released: readonly string[];
  readonly restored: readonly string[];
  readonly conflicts: readonly string[];
}

interface Kind<V> {
  readonly what: 'ip' | 'port';
  valuesOf(svc: KubeObject): V[];
  contains(v: V): boolean;
  list(): Promise<(RangeMarker & { readonly value: V })[]>;
  allocate(v: V, owner: MarkerOwner): Promise<void>;
  releaseMarker(v: V, modRevision: number): Promise<boolean>;
}

function ownerOf(svc: KubeObject): MarkerOwner {
  return { namespace: String(svc.metadata.namespace ?? ''), name: String(svc.metadata.name ?? ''), uid: String(svc.metadata.uid ?? '') };
}

export class AllocationRepair {
  /** `ip/10.43.0.7` → the modRevision of the claim seen leaked on the last pass. */
  #suspects = new Map<string, number>();

  constructor(private readonly cfg: AllocationRepairConfig) {}

  /** Passes until `signal` aborts; the first runs at once. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const r = await this.runOnce();
        if (r.released.length || r.restored.length || r.conflicts.length) this.cfg.log.info('repaired service allocations', { released: r.released.join(','), restored: r.restored.join(','), conflicts: r.conflicts.join(',') });
      } catch (e) {
        if (signal.aborted) return;
        this.cfg.log.warn('service allocation repair failed; retrying next pass', { error: e });
      }
      await sleep(this.cfg.clock, this.cfg.intervalMs ?? 180_000, signal);
    }
  }

  async runOnce(): Promise<RepairReport> {
    const a = this.cfg.allocation;
    const ips: Kind<string> = {
      what: 'ip',
      valuesOf: (svc) => clusterIPsOf(asObject(svc.spec) ?? {}),
      contains: (ip) => a.ips.contains(ip),
      list: async () => (await a.ips.list()).map((m) => ({ ...m, value: m.ip })),
      allocate: (ip, owner) => a.ips.allocate(ip, owner),
      releaseMarker: (ip, rev) => a.ips.releaseMarker(ip, rev),
    };
    const ports: Kind<number> = {
      what: 'port',
      valuesOf: (svc) => nodePortsOf(asObject(svc.spec) ?? {}),
      contains: (p) => a.ports.contains(p),
      list: async () => (await a.ports.list()).map((m) => ({ ...m, value: m.port })),
      allocate: (p, owner) => a.ports.allocate(p, owner),
      releaseMarker: (p, rev) => a.ports.releaseMarker(p, rev),
    };
    // Claims first, then Services: a claim always precedes its Service's write and outlives its deletion.
    const ipMarkers = await ips.list();
    const portMarkers = await ports.list();
    const services = await this.cfg.listServices();
    const report = { released: [] as string[], restored: [] as string[], conflicts: [] as string[] };
    const suspects = new Map<string, number>();
    await this.#repair(ips, ipMarkers, services, report, suspects);
    await this.#repair(ports, portMarkers, services, report, suspects);
    this.#suspects = suspects;
    return report;
  }

  async #repair<V>(kind: Kind<V>, markers: readonly (RangeMarker & { readonly value: V })[], services: readonly KubeObject[], report: { released: string[]; restored: string[]; conflicts: string[] }, suspects: Map<string, number>): Promise<void> {
    const claims = new Map<V, KubeObject>();
    for (const svc of services) {
      for (const v of kind.valuesOf(svc)) {
        if (!kind.contains(v)) continue;
        const other = claims.get(v);
        if (other && other.metadata.uid !== svc.metadata.uid) {
          report.conflicts.push(`${kind.what} ${String(v)} is held by ${other.metadata.namespace}/${other.metadata.name} and ${svc.metadata.namespace}/${svc.metadata.name}`);
          continue;
        }
        claims.set(v, svc);
      }
    }
    const byValue = new Map(markers.map((m) => [m.value, m] as const));
    // Values Services hold without a claim (or with a stale owner's claim): claim them again.
    for (const [v, svc] of claims) {
      const m = byValue.get(v);
      if (m?.owner.uid === svc.metadata.uid) continue;
      if (m && !(await kind.releaseMarker(v, m.modRevision))) continue;
      try {
        await kind.allocate(v, ownerOf(svc));
        report.restored.push(`${kind.what} ${String(v)}`);
      } catch (e) {
        if (!(e instanceof AllocationError)) throw e;
      }
    }
    // Claims no Service holds: released once seen so twice, and old enough.
    const now = this.cfg.clock.now();
    const grace = this.cfg.leakGraceMs ?? 60_000;
    for (const m of markers) {
      if (claims.has(m.value)) continue;
      const key = `${kind.what}/${String(m.value)}`;
      if (this.#suspects.get(key) === m.modRevision && now - m.createdAtMs >= grace) {
        if (await kind.releaseMarker(m.value, m.modRevision)) report.released.push(`${kind.what} ${String(m.value)}`);
        continue;
      }
      suspects.set(key, m.modRevision);
    }
  }
}
