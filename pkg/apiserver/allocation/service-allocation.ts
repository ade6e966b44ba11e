// Cluster IPs and node ports for Services, allocated where upstream allocates them: in the service
// storage, around the write (StoreHooks). A create or update first claims what the new spec needs
// (the requested values, or free ones), the object is written, then what the write no longer
// needs is released — or, when the write failed, what it claimed. Deletion releases everything the
// Service held. The datastore holds the claims (see marker-range.ts), so this works the same with
// any number of servers on one datastore.
import { isHeadless, needsClusterIP, needsHealthCheckNodePort, needsNodePort } from '../../api/catalog/strategies/service';
import type { FieldError, KubeObject } from '../../api/types';
import { index, invalid } from '../../api/validation/errors';
import { asArray, asNumber, asObject, asString, objectsOf, type JsonRecord } from '../../api/validation/json';
import type { Logger } from '../../log/logger';
import { ApiError, errors } from '../errors';
import type { FinishWrite, StoreHooks } from '../registry/store';
import { AllocationError } from './errors';
import type { MarkerOwner } from './marker-range';
import type { NodePortAllocator } from './node-port-allocator';
import type { ServiceIPAllocator } from './service-ip-allocator';

type Undo = () => Promise<void>;

function specOf(obj: KubeObject): JsonRecord {
  const spec = asObject(obj.spec);
  if (spec) return spec;
  const fresh: JsonRecord = {};
  obj.spec = fresh;
  return fresh;
}

function ownerOf(obj: KubeObject): MarkerOwner {
  return { namespace: String(obj.metadata.namespace ?? ''), name: String(obj.metadata.name ?? ''), uid: String(obj.metadata.uid ?? '') };
}

function invalidService(obj: KubeObject, causes: FieldError[]): ApiError {
  return errors.invalid('', 'Service', String(obj.metadata.name ?? ''), causes);
}

/** The cluster IPs a spec holds (none for headless and ExternalName services). */
export function clusterIPsOf(spec: JsonRecord): string[] {
  if (!needsClusterIP(spec) || isHeadless(spec)) return [];
  const ips = (asArray(spec.clusterIPs) ?? []).filter((x): x is string => typeof x === 'string' && x !== '');
  if (ips.length > 0) return ips;
  const ip = asString(spec.clusterIP);
  return ip ? [ip] : [];
}

/** Every node port a spec holds (ports' nodePort and healthCheckNodePort), without duplicates. */
export function nodePortsOf(spec: JsonRecord): number[] {
  const out = new Set<number>();
  for (const [p] of objectsOf(spec.ports)) {
    const n = asNumber(p.nodePort);
    if (n) out.add(n);
  }
  const hc = asNumber(spec.healthCheckNodePort);
  if (hc) out.add(hc);
  return [...out];
}

/** Whether ports without a nodePort get one (NodePort, LoadBalancer unless allocateLoadBalancerNodePorts is false). */
function shouldAllocateNodePorts(spec: JsonRecord): boolean {
  return needsNodePort(spec);
}

export interface ServiceAllocationConfig {
  readonly ips: ServiceIPAllocator;
  readonly ports: NodePortAllocator;
  readonly log: Logger;
}

export class ServiceAllocation {
  constructor(private readonly cfg: ServiceAllocationConfig) {}

  get ips(): ServiceIPAllocator {
    return this.cfg.ips;
  }

  get ports(): NodePortAllocator {
    return this.cfg.ports;
  }

  /** The hooks for the core/v1 services store. */
  hooks(): StoreHooks {
    return {
      beginCreate: (obj, o) => this.#begin(obj, undefined, o.dryRun),
      beginUpdate: (obj, old, o) => this.#begin(obj, old, o.dryRun),
      afterDelete: (obj) => this.#releaseAll(obj),
    };
  }

  async #begin(obj: KubeObject, old: KubeObject | undefined, dryRun: boolean): Promise<FinishWrite> {
    const spec = specOf(obj);
    const oldSpec = old ? (asObject(old.spec) ?? {}) : undefined;
    const owner = ownerOf(old ?? obj);
    const undo: Undo[] = [];
    try {
      await this.#clusterIPs(obj, spec, oldSpec, owner, dryRun, undo);
      await this.#nodePorts(obj, spec, oldSpec, owner, dryRun, undo);
    } catch (e) {
      await this.#run(undo);
      throw e;
    }
    if (dryRun) return async () => {};
    const release = oldSpec ? this.#releasesFor(oldSpec, spec, owner.uid) : [];
    return async (stored) => {
      await this.#run(stored ? release : undo);
    };
  }

  /** What an update frees: values the old spec held and the new one does not. */
  #releasesFor(oldSpec: JsonRecord, spec: JsonRecord, uid: string): Undo[] {
    const keepIPs = new Set(clusterIPsOf(spec));
    const keepPorts = new Set(nodePortsOf(spec));
    return [
      ...clusterIPsOf(oldSpec)
        .filter((ip) => !keepIPs.has(ip))
        .map((ip) => () => this.cfg.ips.release(ip, uid).then(() => undefined)),
      ...nodePortsOf(oldSpec)
        .filter((p) => !keepPorts.has(p))
        .map((p) => () => this.cfg.ports.release(p, uid).then(() => undefined)),
    ];
  }

  async #run(actions: readonly Undo[]): Promise<void> {
    for (const a of actions) {
      try {
        await a();
      } catch (e) {
        // The repair loop frees what could not be released here.
        this.cfg.log.warn('could not release a service allocation; the repair loop will', { error: e });
      }
    }
  }

  async #clusterIPs(obj: KubeObject, spec: JsonRecord, oldSpec: JsonRecord | undefined, owner: MarkerOwner, dryRun: boolean, undo: Undo[]): Promise<void> {
    if (!needsClusterIP(spec) || isHeadless(spec)) return;
    const families = (asArray(spec.ipFamilies) ?? []).map(String);
    const v6 = families.indexOf('IPv6');
    if (spec.ipFamilyPolicy === 'RequireDualStack') throw invalidService(obj, [invalid('spec.ipFamilyPolicy', 'RequireDualStack', 'this cluster is not configured for dual-stack services')]);
    if (v6 >= 0) {
      if (spec.ipFamilyPolicy === 'PreferDualStack' && v6 > 0) spec.ipFamilies = families.filter((f) => f !== 'IPv6');
      else throw invalidService(obj, [invalid(index('spec.ipFamilies', v6), 'IPv6', 'not configured on this cluster')]);
    }
    const held = new Set(oldSpec ? clusterIPsOf(oldSpec) : []);
    const requested = clusterIPsOf(spec);
    if (requested.length === 0) {
      let ip: string;
      try {
        ip = dryRun ? await this.cfg.ips.peekNext() : await this.cfg.ips.allocateNext(owner);
      } catch (e) {
        if (e instanceof AllocationError) throw errors.internal(`failed to allocate a serviceIP: ${e.message}`);
        throw e;
      }
      if (!dryRun) undo.push(() => this.cfg.ips.release(ip, owner.uid).then(() => undefined));
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
      return;
    }
    for (const ip of requested) {
      if (held.has(ip)) continue;
      try {
        if (dryRun) await this.cfg.ips.check(ip);
        else await this.cfg.ips.allocate(ip, owner);
      } catch (e) {
        if (e instanceof AllocationError) throw invalidService(obj, [invalid('spec.clusterIPs', requested, `failed to allocate IP ${ip}: ${e.message}`)]);
        throw e;
      }
      if (!dryRun) undo.push(() => this.cfg.ips.release(ip, owner.uid).then(() => undefined));
    }
  }

  async #claimPort(port: number, field: string, obj: KubeObject, owner: MarkerOwner, dryRun: boolean, undo: Undo[]): Promise<void> {
    try {
      if (dryRun) await this.cfg.ports.check(port);
      else await this.cfg.ports.allocate(port, owner);
    } catch (e) {
      if (e instanceof AllocationError) throw invalidService(obj, [invalid(field, port, e.message)]);
      throw e;
    }
    if (!dryRun) undo.push(() => this.cfg.ports.release(port, owner.uid).then(() => undefined));
  }

  async #nextPort(owner: MarkerOwner, dryRun: boolean, undo: Undo[]): Promise<number> {
    let port: number;
    try {
      port = dryRun ? await this.cfg.ports.peekNext() : await this.cfg.ports.allocateNext(owner);
    } catch (e) {
      if (e instanceof AllocationError) throw errors.internal(`failed to allocate a nodePort: ${e.message}`);
      throw e;
    }
    if (!dryRun) undo.push(() => this.cfg.ports.release(port, owner.uid).then(() => undefined));
    return port;
  }

  async #nodePorts(obj: KubeObject, spec: JsonRecord, oldSpec: JsonRecord | undefined, owner: MarkerOwner, dryRun: boolean, undo: Undo[]): Promise<void> {
    const held = new Set(oldSpec ? nodePortsOf(oldSpec) : []);
    const claimed = new Set<number>();
    const allocate = shouldAllocateNodePorts(spec);
    const ports = objectsOf(spec.ports);
    // Ports of one service port number (TCP and UDP 53…) share one node port, as upstream.
    const byServicePort = new Map<number, number>();
    for (const [p] of ports) {
      const np = asNumber(p.nodePort);
      const sp = asNumber(p.port);
      if (np && sp !== undefined && !byServicePort.has(sp)) byServicePort.set(sp, np);
    }
    for (const [p, i] of ports) {
      let np = asNumber(p.nodePort) ?? 0;
      const sp = asNumber(p.port) ?? -1;
      if (np === 0 && !allocate) continue;
      if (np === 0) {
        np = byServicePort.get(sp) ?? (await this.#nextPort(owner, dryRun, undo));
        p.nodePort = np;
        byServicePort.set(sp, np);
        claimed.add(np);
        continue;
      }
      if (held.has(np) || claimed.has(np)) continue;
      await this.#claimPort(np, `spec.ports[${i}].nodePort`, obj, owner, dryRun, undo);
      claimed.add(np);
    }
    if (needsHealthCheckNodePort(spec)) {
      const hc = asNumber(spec.healthCheckNodePort) ?? 0;
      if (hc === 0) spec.healthCheckNodePort = await this.#nextPort(owner, dryRun, undo);
      else if (!held.has(hc) && !claimed.has(hc)) await this.#claimPort(hc, 'spec.healthCheckNodePort', obj, owner, dryRun, undo);
    }
  }

  async #releaseAll(obj: KubeObject): Promise<void> {
    const spec = asObject(obj.spec) ?? {};
    const uid = String(obj.metadata.uid ?? '');
    await this.#run([
      ...clusterIPsOf(spec).map((ip) => () => this.cfg.ips.release(ip, uid).then(() => undefined)),
      ...nodePortsOf(spec).map((p) => () => this.cfg.ports.release(p, uid).then(() => undefined)),
    ]);
  }
}
