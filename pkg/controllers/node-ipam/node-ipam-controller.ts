// Node IPAM (upstream's range allocator): every Node gets spec.podCIDR and spec.podCIDRs, a subnet
// (/24 by default) of --cluster-cidr. The assignment lives on the Node, so it survives restarts and
// leader changes: on start the controller occupies what nodes already hold, then assigns subnets to
// nodes without one; a deleted node's subnet becomes free again. One worker: assignments are serial.
import type { KubeObject } from '../../api/types';
import { asArray, asObject, asString } from '../../api/validation/json';
import { isNotFound } from '../../client/errors';
import { RESOURCES } from '../../client/resource-ref';
import { QueueController, type Controller, type ControllerContext, type ControllerFactory } from '../../controller/controller';
import type { ReconcileResult } from '../../controller/controller-runner';
import { CidrSet } from './cidr-set';

export const NODE_IPAM_CONTROLLER = 'node-ipam';

export interface NodeIpamOptions {
  /** --cluster-cidr (10.42.0.0/16). */
  readonly clusterCidr: string;
  /** Prefix length of each node's subnet (24). */
  readonly nodeCidrMaskSize?: number;
}

function podCIDRsOf(node: KubeObject): string[] {
  const spec = asObject(node.spec) ?? {};
  const list = (asArray(spec.podCIDRs) ?? []).filter((c): c is string => typeof c === 'string' && c !== '');
  if (list.length) return list;
  const one = asString(spec.podCIDR);
  return one ? [one] : [];
}

export function nodeIpamController(opts: NodeIpamOptions): ControllerFactory {
  return (ctx: ControllerContext): Controller => {
    const nodes = ctx.informers.informerFor(RESOURCES.nodes);
    const api = ctx.client.resource(RESOURCES.nodes);
    const set = new CidrSet(opts.clusterCidr, opts.nodeCidrMaskSize ?? 24);
    /** node name → subnet index it holds (as far as this controller knows). */
    const held = new Map<string, number>();
    /** subnet index → the nodes holding it (one, unless two nodes were given the same). */
    const holders = new Map<number, Set<string>>();
    const hold = (name: string, idx: number) => {
      const prev = held.get(name);
      if (prev !== undefined && prev !== idx) holders.get(prev)?.delete(name);
      held.set(name, idx);
      let names = holders.get(idx);
      if (!names) holders.set(idx, (names = new Set()));
      names.add(name);
    };
    /** Nodes left without a subnet because none was free: looked at again when one is freed. */
    const waiting = new Set<string>();
    let initialized = false;
    const controller = new QueueController({ name: NODE_IPAM_CONTROLLER, workers: 1, ctx, informers: [nodes], reconcile });
    nodes.addEventHandler({
      add: (n) => controller.enqueue(n),
      update: (old, n) => {
        if (JSON.stringify(podCIDRsOf(old)) !== JSON.stringify(podCIDRsOf(n)) || podCIDRsOf(n).length === 0) controller.enqueue(n);
      },
      delete: (n) => controller.enqueue(n),
    });

    function occupy(node: KubeObject): void {
      const name = String(node.metadata.name);
      for (const cidr of podCIDRsOf(node)) {
        const idx = set.indexOf(cidr);
        if (idx === undefined) {
          ctx.log.warn('node has a pod CIDR outside the cluster CIDR', { node: name, podCIDR: cidr, clusterCIDR: opts.clusterCidr });
          continue;
        }
        const owner = [...(holders.get(idx) ?? [])].find((n) => n !== name);
        if (owner !== undefined) ctx.log.error('two nodes hold the same pod CIDR', { podCIDR: cidr, nodes: `${owner},${name}` });
        set.occupy(idx);
        hold(name, idx);
      }
    }

    async function reconcile(name: string, signal: AbortSignal): Promise<ReconcileResult | void> {
      if (!initialized) {
        // Subnets nodes already hold are taken before any is handed out.
        for (const n of nodes.indexer.list()) occupy(n);
        initialized = true;
      }
      const node = nodes.indexer.get(name);
      if (!node) {
        const idx = held.get(name);
        if (idx !== undefined) {
          held.delete(name);
          const names = holders.get(idx);
          names?.delete(name);
          if (!names?.size) {
            holders.delete(idx);
            set.release(idx);
          }
          ctx.log.info('released the pod CIDR of a deleted node', { node: name, podCIDR: set.cidrAt(idx) });
          for (const w of waiting) controller.queue.add(w);
        }
        waiting.delete(name);
        return;
      }
      if (podCIDRsOf(node).length > 0) {
        occupy(node);
        return;
      }
      const idx = set.allocateNext();
      if (idx === undefined) {
        if (!waiting.has(name)) ctx.log.error('no pod CIDR is left for a node', { node: name, clusterCIDR: opts.clusterCidr });
        waiting.add(name);
        return { requeueAfterMs: 60_000 };
      }
      waiting.delete(name);
      const cidr = set.cidrAt(idx);
      try {
        await api.patch(undefined, name, 'merge', { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, { signal });
      } catch (e) {
        set.release(idx);
        if (isNotFound(e)) return;
        throw e;
      }
      hold(name, idx);
      ctx.log.info('assigned a pod CIDR', { node: name, podCIDR: cidr });
    }

    return controller;
  };
}
