// NetworkPolicy enforcement in the agent (what K3s's embedded kube-router controller does): informers
// on pods, namespaces and NetworkPolicies feed one debounced sync loop that rewrites the NWPLCY-*
// filter chains atomically with iptables-restore --noflush (unchanged input is not re-applied). Unlike
// the service proxy, the rules go when the controller stops: an unenforced node must not keep
// isolating pods with stale rules.
import type { KubeObject } from '../api/types';
import type { Clock } from '../client/clock';
import { SharedInformerFactory } from '../client/informer-factory';
import { RESOURCES, type ResourceRef } from '../client/resource-ref';
import type { RestClient } from '../client/rest-client';
import type { Logger } from '../log/logger';
import { namespaceOf, podOf, policyOf, worldOf } from './policy-model';
import type { PolicyIptables } from './policy-iptables';
import { buildPolicyRules, existingRules, policyCleanupRules, type ExistingRules } from './policy-rules';
import { CoalescedSync } from '../controller/coalesced-sync';

export const NETWORK_POLICIES: ResourceRef = Object.freeze({ group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true });

export interface NetworkPolicyConfig {
  readonly nodeName: string;
  /** Coalesce bursts of changes into one sync (default 100 ms). */
  readonly minSyncIntervalMs?: number;
  /** Full re-apply period even without changes (default 5 min). */
  readonly resyncMs?: number;
}

export interface NetworkPolicyDeps {
  readonly client: RestClient;
  readonly iptables: PolicyIptables;
  readonly clock: Clock;
  readonly log: Logger;
}

export class NetworkPolicyController {
  #resync: (() => void) | undefined;
  #syncs = 0;
  #done: Promise<void> = Promise.resolve();
  #lists: (() => { pods: readonly KubeObject[]; namespaces: readonly KubeObject[]; policies: readonly KubeObject[] }) | undefined;
  /** Per-chain rules last applied; undefined forces a full rewrite from an iptables-save (first sync, resync, after a failure). */
  #previous: ReadonlyMap<string, string> | undefined;

  /** Coalesces change notifications into syncs (one in flight, ≥ minSyncIntervalMs apart). */
  readonly #loop: CoalescedSync;

  constructor(
    private readonly cfg: NetworkPolicyConfig,
    private readonly deps: NetworkPolicyDeps,
  ) {
    this.#loop = new CoalescedSync(deps.clock, { minIntervalMs: cfg.minSyncIntervalMs ?? 100 }, (signal) => this.#sync(signal));
  }

  get syncCount(): number {
    return this.#syncs;
  }

  /** Resolves once the controller stopped (after the start signal aborted) and its rules are removed. */
  get done(): Promise<void> {
    return this.#done;
  }

  /** Starts the informers; the first sync runs once all three caches have synced. */
  async start(signal: AbortSignal): Promise<void> {
    const factory = new SharedInformerFactory({ client: this.deps.client, clock: this.deps.clock, log: this.deps.log });
    const pods = factory.informerFor(RESOURCES.pods);
    const namespaces = factory.informerFor(RESOURCES.namespaces);
    const policies = factory.informerFor(NETWORK_POLICIES);
    const kick = () => this.#loop.notify(signal);
    // Only what the rules depend on triggers a sync (pod status updates are frequent).
    const on = (view: (o: KubeObject) => unknown) => ({ add: kick, delete: kick, update: (a: KubeObject, b: KubeObject) => a !== b && JSON.stringify(view(a)) !== JSON.stringify(view(b)) && kick() });
    pods.addEventHandler(on(podOf));
    namespaces.addEventHandler(on(namespaceOf));
    policies.addEventHandler(on(policyOf));
    factory.start(signal);
    signal.addEventListener('abort', () => {
      this.#loop.cancel();
      this.#resync?.();
    });
    this.#done = factory.stopped().then(async () => {
      await this.#loop.inFlight;
      await this.#cleanup();
    });
    if (!(await factory.waitForCacheSync(signal))) return;
    this.#lists = () => ({ pods: pods.indexer.list(), namespaces: namespaces.indexer.list(), policies: policies.indexer.list() });
    await this.#loop.runNow(signal);
    const every = this.cfg.resyncMs ?? 300_000;
    const loop = () => {
      this.#resync = this.deps.clock.setTimeout(() => {
        this.#previous = undefined;
        kick();
        loop();
      }, every);
    };
    if (!signal.aborted) loop();
  }

  async #sync(signal: AbortSignal): Promise<boolean> {
    if (!this.#lists || signal.aborted) return true;
    const t0 = performance.now();
    try {
      const l = this.#lists();
      const world = worldOf(l.pods, l.namespaces, l.policies);
      let stats: Record<string, number | boolean> = {};
      const previous = this.#previous;
      this.#previous = undefined;
      const existing = previous ? await this.#existingFromPrevious(previous) : existingRules(await this.deps.iptables.save());
      const rules = buildPolicyRules({ world, nodeName: this.cfg.nodeName, existing, previous });
      if (!rules.noop) await this.deps.iptables.restore(rules.text);
      this.#previous = rules.chainRules;
      stats = { rules: rules.rules, unchanged: rules.unchanged, isolatedIngress: rules.isolated.ingress, isolatedEgress: rules.isolated.egress, applied: !rules.noop };
      this.#syncs++;
      this.deps.log.debug('synced network policy rules', { policies: world.policies.length, ...stats, ms: Math.round(performance.now() - t0) });
      return true;
    } catch (e) {
      this.deps.log.error('network policy sync failed; retrying', { error: (e as Error).message });
      return false;
    }
  }

  /** Between full syncs our chains are the ones last applied; only the jumps' chains are listed. */
  async #existingFromPrevious(previous: ReadonlyMap<string, string>): Promise<ExistingRules> {
    const builtinRules = (await Promise.all(['FORWARD', 'INPUT'].map((c) => this.deps.iptables.listRules(c)))).flat();
    return { chains: [...previous.keys()], builtinRules };
  }

  async #cleanup(): Promise<void> {
    try {
      const input = policyCleanupRules(await this.deps.iptables.save());
      if (input) await this.deps.iptables.restore(input);
      this.#previous = undefined;
    } catch (e) {
      this.deps.log.warn('could not remove the network policy rules', { error: (e as Error).message });
    }
  }
}
