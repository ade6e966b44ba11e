// The pod network between nodes, embedded in the agent (flannel with its Kubernetes subnet manager):
// the node's pod range comes from its Node's spec.podCIDR (node IPAM); the node announces itself in
// flannel.alpha.coreos.com/* annotations; for every other node's lease it programs the backend —
// VXLAN (device flannel.<VNI>, UDP 8472, static routes/neighbours/FDB) or host-gw (routes via node
// IPs) — and keeps it right on Node add/change/delete and every resync. It also writes subnet.env
// and installs the masquerade/forward rules. State stays in place when it stops (like flannel);
// k3ts-killall removes it.
import type { Clock } from '../client/clock';
import type { Logger } from '../log/logger';
import { parseCidr } from '../network/cidr';
import { annotationPatch, isLease, leaseOf, ownAnnotations, type BackendType, type NodeLease } from './annotations';
import { FlannelError } from './errors';
import { findExternalInterface, type ExternalInterface } from './external-interface';
import { applyPlan, deleteLink, ensureVxlanDevice, readHostGwRoutes, readVxlanState } from './kernel-state';
import { FlannelIptables } from './masquerade';
import type { NetExec } from './net-exec';
import type { NodeSource } from './node-source';
import { EMPTY_VXLAN, desiredHostGw, desiredVxlan, peerLeases, planHostGw, planVxlan, vtepAddress } from './route-plan';
import { writeSubnetEnv } from './subnet-env';

export type FlannelBackend = BackendType | 'none';
export const FLANNEL_BACKENDS: readonly FlannelBackend[] = ['vxlan', 'host-gw', 'none'];
export const VXLAN_PORT = 8472;
/** Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14) headers. */
export const VXLAN_OVERHEAD = 50;

export interface FlannelConfig {
  readonly backend: FlannelBackend;
  readonly nodeName: string;
  readonly clusterCidr: string;
  /** --flannel-iface. */
  readonly iface?: string;
  /** --node-ip: the address to announce (and the interface holding it). */
  readonly nodeIp?: string;
  readonly subnetFile: string;
  /** Masquerade pod traffic leaving the cluster CIDR (default true). */
  readonly ipMasq?: boolean;
  readonly vni?: number;
  readonly port?: number;
  /** VXLAN device name (default flannel.<VNI>). */
  readonly device?: string;
  /** Full re-apply period (default 30 s): repairs routes or rules removed behind our back. */
  readonly resyncMs?: number;
}

export interface FlannelDeps {
  readonly nodes: NodeSource;
  readonly exec: NetExec;
  readonly iptables: FlannelIptables;
  readonly clock: Clock;
  readonly log: Logger;
}

export function parseBackend(text: string | undefined): FlannelBackend {
  const b = (text ?? 'vxlan') as FlannelBackend;
  if (!FLANNEL_BACKENDS.includes(b)) throw new FlannelError('invalid-config', `--flannel-backend ${text}: expected one of ${FLANNEL_BACKENDS.join(', ')}`);
  return b;
}

export class Flannel {
  #ext: ExternalInterface | undefined;
  #podCidr: string | undefined;
  #vtepMac: string | undefined;
  #timer: (() => void) | undefined;
  #resync: (() => void) | undefined;
  #running: Promise<void> | undefined;
  #dirty = false;
  #full = true;
  #syncs = 0;
  #done: Promise<void> = Promise.resolve();

  constructor(
    readonly cfg: FlannelConfig,
    private readonly deps: FlannelDeps,
  ) {
    parseCidr(cfg.clusterCidr);
  }

  get device(): string {
    return this.cfg.device ?? `flannel.${this.cfg.vni ?? 1}`;
  }

  /** The MTU pods get: the external interface's minus the VXLAN overhead. Known after prepare(). */
  get mtu(): number | undefined {
    if (!this.#ext) return undefined;
    return this.cfg.backend === 'vxlan' ? this.#ext.mtu - VXLAN_OVERHEAD : this.#ext.mtu;
  }

  get externalInterface(): ExternalInterface | undefined {
    return this.#ext;
  }

  get podCidr(): string | undefined {
    return this.#podCidr;
  }

  get syncCount(): number {
    return this.#syncs;
  }

  get done(): Promise<void> {
    return this.#done;
  }

  /** Picks the external interface (backend none: removes what an earlier backend left, in both iptables backends). */
  async prepare(): Promise<void> {
    if (this.cfg.backend === 'none') {
      const other = new FlannelIptables(this.deps.exec, this.deps.iptables.mode === 'nft' ? 'legacy' : 'nft');
      const removed = await removePodNetwork(this.deps.exec, [this.deps.iptables, other], this.device);
      if (removed.device || removed.rules) this.deps.log.info('backend none: removed the pod network of an earlier backend', removed);
      return;
    }
    this.#ext = await findExternalInterface(this.deps.exec, { iface: this.cfg.iface, nodeIp: this.cfg.nodeIp });
    this.deps.log.info('pod network interface', { backend: this.cfg.backend, iface: this.#ext.name, address: this.#ext.address, mtu: this.mtu });
  }

  /** Watches Nodes and keeps the kernel state in line until `signal` aborts. */
  async start(signal: AbortSignal): Promise<void> {
    if (this.cfg.backend === 'none') return;
    if (!this.#ext) await this.prepare();
    const kick = () => this.#schedule(signal);
    signal.addEventListener('abort', () => {
      this.#timer?.();
      this.#resync?.();
    });
    const synced = this.deps.nodes.start(signal, kick);
    this.#done = (async () => {
      await synced;
      if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      await this.deps.nodes.done;
      await this.#running;
    })();
    const every = this.cfg.resyncMs ?? 30_000;
    const loop = () => {
      this.#resync = this.deps.clock.setTimeout(() => {
        this.#full = true;
        kick();
        loop();
      }, every);
    };
    if (await synced) loop();
  }

  #schedule(signal: AbortSignal, delayMs = 20): void {
    if (signal.aborted || this.#timer) return;
    if (this.#running) {
      this.#dirty = true;
      return;
    }
    this.#timer = this.deps.clock.setTimeout(() => {
      this.#timer = undefined;
      if (signal.aborted) return;
      this.#running = this.#sync()
        .then(
          () => undefined,
          (e: unknown) => {
            this.deps.log.error('pod network sync failed; retrying', { error: (e as Error).message });
            this.#full = true;
            this.#dirty = true;
          },
        )
        .finally(() => {
          this.#running = undefined;
          if (this.#dirty) {
            this.#dirty = false;
            this.#schedule(signal, this.#full ? 1000 : 20);
          }
        });
    }, delayMs);
  }

  async #sync(): Promise<void> {
    const ext = this.#ext!;
    const backend = this.cfg.backend as BackendType;
    const self = this.deps.nodes.get(this.cfg.nodeName);
    const podCidr = (self?.spec as { podCIDR?: unknown } | undefined)?.podCIDR;
    if (!self || typeof podCidr !== 'string' || !podCidr) return; // not registered / no node IPAM yet
    const full = this.#full || podCidr !== this.#podCidr;
    this.#full = false;
    const exec = this.deps.exec;
    if (full) {
      parseCidr(podCidr);
      if (backend === 'vxlan') {
        this.#vtepMac = await ensureVxlanDevice(exec, { name: this.device, vni: this.cfg.vni ?? 1, port: this.cfg.port ?? VXLAN_PORT, local: ext.address, dev: ext.name, mtu: this.mtu!, address: vtepAddress(podCidr) });
      } else if (await deleteLink(exec, this.device)) this.deps.log.info('removed the VXLAN device of an earlier backend', { device: this.device });
      const ipMasq = this.cfg.ipMasq ?? true;
      if (writeSubnetEnv(this.cfg.subnetFile, { network: this.cfg.clusterCidr, podCidr, mtu: this.mtu!, ipMasq })) this.deps.log.info('wrote subnet.env', { file: this.cfg.subnetFile, podCIDR: podCidr });
      await this.deps.iptables.apply(this.cfg.clusterCidr, podCidr, ipMasq);
      await enableForwarding(exec);
      this.#podCidr = podCidr;
    }
    const want = ownAnnotations(backend, ext.address, backend === 'vxlan' ? { vni: this.cfg.vni ?? 1, mac: this.#vtepMac! } : undefined);
    const patch = annotationPatch(self, want);
    if (patch) {
      await this.deps.nodes.patchAnnotations(this.cfg.nodeName, patch);
      this.deps.log.info('announced the node lease', { podCIDR: podCidr, publicIP: ext.address, backend });
    }
    const leases: NodeLease[] = [];
    for (const n of this.deps.nodes.list()) {
      const l = leaseOf(n);
      if (isLease(l)) leases.push(l);
      else if (n.metadata.name !== this.cfg.nodeName) this.deps.log.debug('node has no usable lease', { node: n.metadata.name, reason: l.skip });
    }
    const peers = peerLeases(leases, { node: this.cfg.nodeName, podCidr }, backend);
    const hostGwNow = await readHostGwRoutes(exec, this.cfg.clusterCidr, podCidr, this.device);
    const hostGwPlan = planHostGw(hostGwNow, backend === 'host-gw' ? desiredHostGw(peers) : [], ext.name);
    const vxlanPlan = backend === 'vxlan' ? planVxlan(await readVxlanState(exec, this.device), desiredVxlan(peers), this.device) : planVxlan(EMPTY_VXLAN, EMPTY_VXLAN, this.device);
    const lines = hostGwPlan.ip.length + vxlanPlan.ip.length + vxlanPlan.bridge.length;
    await applyPlan(exec, hostGwPlan);
    await applyPlan(exec, vxlanPlan);
    this.#syncs++;
    if (lines) this.deps.log.info('programmed routes to other nodes', { backend, peers: peers.map((p) => `${p.node}=${p.podCidr}`).join(','), changes: lines });
  }
}

async function enableForwarding(exec: NetExec): Promise<void> {
  // Through `exec` so that it is the forwarding switch of the namespace being programmed.
  const v = await exec.run('cat', ['/proc/sys/net/ipv4/ip_forward']).catch(() => '');
  if (v.trim() !== '1') await exec.run('sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
}

/** Removes the VXLAN device (with its routes, neighbours and FDB) and the iptables chains in the given backends. */
export async function removePodNetwork(exec: NetExec, iptables: readonly FlannelIptables[], device = 'flannel.1'): Promise<{ device: boolean; rules: number }> {
  const device_ = await deleteLink(exec, device).catch(() => false);
  let rules = 0;
  for (const t of iptables) rules += await t.remove().catch(() => 0);
  return { device: device_, rules };
}
