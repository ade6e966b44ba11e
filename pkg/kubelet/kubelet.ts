// The kubelet: registers its Node and keeps its status and Lease current, watches the pods bound
// to it, and reconciles each pod (by UID, one at a time per pod, many pods in parallel) against the
// container runtime. Runtime changes are noticed by relisting every second (upstream's PLEG);
// everything else comes from the API watch. All writes go through the API as `system:node:<name>`.
import type { KubeObject } from '../api/types';
import { sleep, type Clock } from '../client/clock';
import { isAlreadyExists, isNotFound } from '../client/errors';
import { RESOURCES, type ResourceRef } from '../client/resource-ref';
import type { RestClient } from '../client/rest-client';
import { SharedInformer } from '../client/shared-informer';
import { runController } from '../controller/controller-runner';
import { defaultControllerRateLimiter } from '../controller/rate-limiter';
import { WorkQueue } from '../controller/work-queue';
import { semanticEqual } from '../api/validation/json';
import type { Cgroups } from '../containerd/cgroups';
import type { Logger } from '../log/logger';
import type { ReferenceReader } from './container-env';
import type { ImageService, RuntimeService } from './cri/types';
import { messageOf } from './errors';
import type { HostFacts } from './host-facts';
import { runNodeLease } from './node-lease';
import { buildNodeStatus, newNode, nodeLabels, type NodeConfig, type RuntimeHealth } from './node-status';
import { PodCgroups } from './pod-cgroups';
import { PodSyncer, type PodApi, type PodSyncConfig } from './pod-sync';
import { asPod, podUid, type Pod, type PodCondition } from './pod-types';
import { emptyRuntime, listRuntimePods, runtimeFingerprint, type PodRuntime } from './runtime-state';
import { LABEL_POD_UID } from './sandbox-config';
import { StaticPods } from './static-pods/static-pod-manager';
import { apiVolumeSources, hasApiVolumes } from './volumes/api-volume-sources';
import type { VolumeSources } from './volumes';
import { podPullCredentials } from '../images/pull-credentials';

export interface KubeletConfig {
  readonly node: NodeConfig;
  readonly pods: Omit<PodSyncConfig, 'allocatable' | 'machineMemory' | 'hostIPs'>;
  readonly relistMs?: number;
  readonly nodeStatusMs?: number;
  /** A status with no change is still sent this often (heartbeat in the Node object). */
  readonly nodeStatusReportMs?: number;
  readonly leaseRenewMs?: number;
  /** Every pod is synced at least this often (configMap/secret volume updates). */
  readonly resyncMs?: number;
  /** Pods with configMap/secret/projected volumes are synced this often, so updates reach them. */
  readonly volumeRefreshMs?: number;
  readonly workers?: number;
  /** Static pod manifests (`<data-dir>/agent/pod-manifests`), re-read every `staticPodPollMs`. */
  readonly staticPodDir?: string;
  readonly staticPodPollMs?: number;
}

export interface KubeletDeps {
  /** A client authenticated as the node. */
  readonly client: RestClient;
  readonly runtime: RuntimeService & ImageService;
  readonly facts: HostFacts;
  readonly clock: Clock;
  readonly log: Logger;
  readonly removeCgroup?: (group: string) => void;
  /** The host's cgroups: pod-level groups by QoS class are made here before each sandbox. */
  readonly cgroups?: Cgroups;
  /** Called with the node's spec.podCIDR after registration and whenever it changes (undefined: none assigned). */
  readonly onPodCidr?: (cidr: string | undefined) => void;
}

const SECRETS: ResourceRef = Object.freeze({ group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true });

function decodeSecretData(obj: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, unknown>)) if (typeof v === 'string') out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries((obj.stringData ?? {}) as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  return out;
}

export class Kubelet {
  readonly #cfg: KubeletConfig;
  readonly #deps: KubeletDeps;
  readonly #pods = new Map<string, Pod>();
  readonly #fingerprints = new Map<string, string>();
  readonly #queue: WorkQueue<string>;
  readonly #syncer: PodSyncer;
  readonly #informer: SharedInformer;
  readonly #nodeInformer: SharedInformer;
  readonly #static: StaticPods | undefined;
  #nodeUid: string | undefined;
  #podCidr: string | undefined;
  #runtimeVersion = '';
  #lastReport = 0;
  #lastStatus: Record<string, unknown> | undefined;
  #running: Promise<unknown> | undefined;
  #workers: Promise<void> | undefined;

  constructor(cfg: KubeletConfig, deps: KubeletDeps) {
    this.#cfg = cfg;
    this.#deps = deps;
    const { client, clock, log } = deps;
    this.#queue = new WorkQueue<string>(clock, defaultControllerRateLimiter<string>(clock));
    const refs: VolumeSources & ReferenceReader = {
      ...apiVolumeSources(client, clock),
      configMap: async (ns, name) => {
        try {
          const cm = await client.resource(RESOURCES.configmaps).get(ns, name);
          return { ...((cm.data ?? {}) as Record<string, string>) };
        } catch (e) {
          if (isNotFound(e)) return undefined;
          throw e;
        }
      },
      secret: async (ns, name) => {
        try {
          return decodeSecretData(await client.resource(SECRETS).get(ns, name));
        } catch (e) {
          if (isNotFound(e)) return undefined;
          throw e;
        }
      },
    };
    const podsApi = client.resource(RESOURCES.pods);
    const api: PodApi = {
      patchStatus: async (pod, status) => {
        await podsApi.patch(String(pod.metadata.namespace), String(pod.metadata.name), 'merge', { status }, { subresource: 'status' }).catch((e: unknown) => {
          if (!isNotFound(e)) throw e;
        });
      },
      deletePod: async (pod) => {
        await podsApi.delete(String(pod.metadata.namespace), String(pod.metadata.name), { gracePeriodSeconds: 0, preconditions: { uid: podUid(pod) } }).catch((e: unknown) => {
          if (!isNotFound(e) && !String(messageOf(e)).includes('Precondition')) throw e;
        });
      },
    };
    const facts = deps.facts;
    this.#syncer = new PodSyncer(
      {
        ...cfg.pods,
        hostIPs: cfg.node.nodeIPs,
        machineMemory: facts.memoryBytes,
        allocatable: { cpuMilli: facts.cpus * 1000, memoryBytes: Math.max(0, facts.memoryBytes - cfg.node.reservedMemoryBytes) },
      },
      { runtime: deps.runtime, images: deps.runtime, refs, api, clock, log: log.child('pods'), removeCgroup: deps.removeCgroup, podCgroups: deps.cgroups && new PodCgroups(deps.cgroups, cfg.pods.sandbox.cgroupRoot), requeue: (uid) => this.#queue.add(uid), pullCredentials: podPullCredentials(refs.secret) },
    );
    this.#informer = new SharedInformer({ client: podsApi, clock, log, fieldSelector: `spec.nodeName=${cfg.node.nodeName}` });
    this.#nodeInformer = new SharedInformer({ client: client.resource(RESOURCES.nodes), clock, log, fieldSelector: `metadata.name=${cfg.node.nodeName}` });
    this.#static = cfg.staticPodDir
      ? new StaticPods({ dir: cfg.staticPodDir, nodeName: cfg.node.nodeName, pollMs: cfg.staticPodPollMs }, { pods: podsApi, clock, log: log.child('static-pods'), nodeUid: () => this.#nodeUid, synced: () => this.#informer.hasSynced(), onChange: (uids) => uids.forEach((u) => this.#queue.add(u)) })
      : undefined;
    const track = (obj: KubeObject) => {
      if (this.#static?.observe(obj)) return;
      const uid = podUid(obj);
      this.#pods.set(uid, asPod(obj));
      this.#queue.add(uid);
    };
    this.#informer.addEventHandler({
      add: track,
      update: (_old, obj) => track(obj),
      delete: (obj) => {
        if (this.#static?.observe(obj, true)) return;
        const uid = podUid(obj);
        this.#pods.delete(uid);
        this.#queue.add(uid);
      },
    });
    const nodeChanged = (obj: KubeObject) => {
      this.#nodeUid = obj.metadata.uid;
      const cidr = (obj.spec as { podCIDR?: string } | undefined)?.podCIDR || undefined;
      if (cidr !== this.#podCidr) {
        this.#podCidr = cidr;
        if (cidr) this.#deps.onPodCidr?.(cidr);
      }
    };
    this.#nodeInformer.addEventHandler({ add: nodeChanged, update: (_o, n) => nodeChanged(n) });
  }

  get nodeName(): string {
    return this.#cfg.node.nodeName;
  }

  /** Pods bound to this node, as last seen from the API. */
  pod(namespace: string, name: string): Pod | undefined {
    for (const p of this.allPods()) if (p.metadata.namespace === namespace && p.metadata.name === name) return p;
    return undefined;
  }

  allPods(): Pod[] {
    return [...this.#pods.values(), ...(this.#static?.all() ?? [])];
  }

  /** Registers the Node (resolves once it exists), then runs every loop until `signal` aborts (see `done`). */
  async start(signal: AbortSignal): Promise<void> {
    const node = await this.#register(signal);
    this.#nodeUid = node?.metadata.uid;
    const cidr = (node?.spec as { podCIDR?: string } | undefined)?.podCIDR || undefined;
    this.#podCidr = cidr;
    this.#deps.onPodCidr?.(cidr);
    const log = this.#deps.log;
    signal.addEventListener('abort', () => this.#syncer.stop(), { once: true });
    this.#static?.load();
    const workers = this.#cfg.workers ?? 16;
    this.#workers = this.#informer.waitForSync(signal).then(async (ok) => void (ok && (await runController({ name: 'kubelet-pods', queue: this.#queue, reconcile: (uid) => this.#syncPod(uid), workers, log }, signal))));
    this.#running = Promise.all([
      this.#informer.run(signal),
      this.#nodeInformer.run(signal),
      this.#static?.run(signal),
      this.#relistLoop(signal),
      this.#statusLoop(signal),
      this.#resyncLoop(signal),
      this.#volumeRefreshLoop(signal),
      runNodeLease({ nodeName: this.#cfg.node.nodeName, renewIntervalMs: this.#cfg.leaseRenewMs ?? 10_000 }, { client: this.#deps.client, clock: this.#deps.clock, log, nodeUid: () => this.#nodeUid }, signal),
    ]);
  }

  /**
   * Settles after `signal` aborted and every loop stopped. Pod workers get 2 s to finish: a teardown
   * waiting out a long grace period does not hold up shutdown (its pod is torn down after restart).
   */
  get done(): Promise<void> {
    const workers = this.#workers ?? Promise.resolve();
    const give = new AbortController();
    const waited = Promise.race([workers, sleep(this.#deps.clock, 2000, give.signal)]).finally(() => give.abort());
    return Promise.all([this.#running, waited]).then(() => undefined);
  }

  async #syncPod(uid: string): Promise<{ requeueAfterMs?: number }> {
    const pod = this.#pods.get(uid) ?? this.#static?.get(uid);
    const rt = await this.#runtimeOf(uid);
    const r = await this.#syncer.sync(uid, pod, rt);
    if (!pod) this.#syncer.forget(uid);
    return r;
  }

  async #runtimeOf(uid: string): Promise<PodRuntime> {
    const filter = { label_selector: { [LABEL_POD_UID]: uid } };
    const [sandboxes, containers] = await Promise.all([this.#deps.runtime.listPodSandbox(filter), this.#deps.runtime.listContainers(filter)]);
    const newest = <T extends { created_at: string }>(a: T, b: T) => (BigInt(b.created_at) > BigInt(a.created_at) ? 1 : BigInt(b.created_at) < BigInt(a.created_at) ? -1 : 0);
    if (sandboxes.length === 0 && containers.length === 0) return emptyRuntime(uid);
    return { uid, sandboxes: [...sandboxes].sort(newest), containers: [...containers].sort(newest) };
  }

  async #relistLoop(signal: AbortSignal): Promise<void> {
    const every = this.#cfg.relistMs ?? 1000;
    let failing = false;
    while (!signal.aborted) {
      try {
        const all = await listRuntimePods(this.#deps.runtime);
        if (failing) this.#deps.log.info('container runtime is answering again');
        failing = false;
        for (const [uid, p] of all) {
          const fp = runtimeFingerprint(p);
          if (this.#fingerprints.get(uid) !== fp) {
            this.#fingerprints.set(uid, fp);
            this.#queue.add(uid);
          } else if (!this.#pods.has(uid) && !this.#static?.get(uid) && this.#informer.hasSynced()) this.#queue.add(uid);
        }
        for (const uid of [...this.#fingerprints.keys()]) {
          if (all.has(uid)) continue;
          this.#fingerprints.delete(uid);
          if (this.#pods.has(uid)) this.#queue.add(uid);
        }
      } catch (e) {
        if (!failing) this.#deps.log.warn('listing the container runtime failed', { error: messageOf(e) });
        failing = true;
      }
      if (!(await sleep(this.#deps.clock, every, signal))) return;
    }
  }

  async #volumeRefreshLoop(signal: AbortSignal): Promise<void> {
    while (await sleep(this.#deps.clock, this.#cfg.volumeRefreshMs ?? 20_000, signal)) for (const [uid, pod] of this.#pods) if (hasApiVolumes(pod)) this.#queue.add(uid);
  }

  async #resyncLoop(signal: AbortSignal): Promise<void> {
    while (await sleep(this.#deps.clock, this.#cfg.resyncMs ?? 60_000, signal)) for (const uid of [...this.#pods.keys(), ...(this.#static?.all() ?? []).map(podUid)]) this.#queue.add(uid);
  }

  async #health(): Promise<RuntimeHealth> {
    const rt = this.#deps.runtime;
    try {
      if (!this.#runtimeVersion) {
        const v = await rt.version();
        this.#runtimeVersion = `${v.runtime_name}://${v.runtime_version}`;
      }
      const conds = await rt.status();
      const get = (t: string) => conds.find((c) => c.type === t);
      const net = get('NetworkReady');
      return { version: this.#runtimeVersion, runtimeReady: get('RuntimeReady')?.status ?? false, networkReady: net?.status ?? false, message: net && !net.status ? `${net.reason}: ${net.message}` : undefined };
    } catch (e) {
      return { version: this.#runtimeVersion || 'containerd://unknown', runtimeReady: false, networkReady: false, message: messageOf(e) };
    }
  }

  async #images(): Promise<{ names: string[]; sizeBytes: number }[]> {
    try {
      const list = await this.#deps.runtime.listImages();
      return list.map((i) => ({ names: [...i.repo_digests, ...i.repo_tags], sizeBytes: Number(i.size) })).sort((a, b) => b.sizeBytes - a.sizeBytes);
    } catch {
      return [];
    }
  }

  async #computeStatus(oldConditions: readonly PodCondition[]): Promise<Record<string, unknown>> {
    const [health, images] = await Promise.all([this.#health(), this.#images()]);
    return buildNodeStatus(this.#cfg.node, this.#deps.facts, { health, images, oldConditions, nowMs: this.#deps.clock.now() });
  }

  async #register(signal: AbortSignal): Promise<KubeObject | undefined> {
    const nodes = this.#deps.client.resource(RESOURCES.nodes);
    const cfg = this.#cfg.node;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const status = await this.#computeStatus([]);
        let node: KubeObject;
        try {
          node = await nodes.create(newNode(cfg, this.#deps.facts, status), { signal });
          this.#deps.log.info('registered node', { node: cfg.nodeName });
        } catch (e) {
          if (!isAlreadyExists(e)) throw e;
          node = await nodes.get(undefined, cfg.nodeName, { signal });
          const want = nodeLabels(cfg, this.#deps.facts);
          const have = node.metadata.labels ?? {};
          if (Object.entries(want).some(([k, v]) => have[k] !== v)) node = await nodes.patch(undefined, cfg.nodeName, 'merge', { metadata: { labels: want } }, { signal });
          this.#deps.log.info('node already registered', { node: cfg.nodeName });
        }
        await this.#reportStatus(node, signal, true);
        return node;
      } catch (e) {
        if (signal.aborted) return undefined;
        (attempt > 2 ? this.#deps.log.warn : this.#deps.log.debug).call(this.#deps.log, 'registering the node failed; retrying', { error: messageOf(e) });
        await sleep(this.#deps.clock, Math.min(5000, 200 * 2 ** attempt), signal);
      }
    }
    return undefined;
  }

  async #reportStatus(node: KubeObject | undefined, signal: AbortSignal, force: boolean): Promise<void> {
    const oldConditions = ((node?.status as { conditions?: PodCondition[] } | undefined)?.conditions ?? (this.#lastStatus?.conditions as PodCondition[] | undefined) ?? []) as PodCondition[];
    const status = await this.#computeStatus(oldConditions);
    const strip = (s: Record<string, unknown> | undefined) => s && { ...s, conditions: (s.conditions as Record<string, unknown>[] | undefined)?.map(({ lastHeartbeatTime: _h, ...c }) => c) };
    const now = this.#deps.clock.now();
    if (!force && semanticEqual(strip(status), strip(this.#lastStatus)) && now - this.#lastReport < (this.#cfg.nodeStatusReportMs ?? 60_000)) return;
    await this.#deps.client.resource(RESOURCES.nodes).patch(undefined, this.#cfg.node.nodeName, 'merge', { status }, { subresource: 'status', signal });
    const wasReady = (this.#lastStatus?.conditions as PodCondition[] | undefined)?.find((c) => c.type === 'Ready')?.status;
    const ready = (status.conditions as PodCondition[]).find((c) => c.type === 'Ready')?.status;
    if (wasReady !== ready) this.#deps.log.info('node status', { node: this.#cfg.node.nodeName, ready });
    this.#lastStatus = status;
    this.#lastReport = now;
  }

  #ready(): boolean {
    return (this.#lastStatus?.conditions as PodCondition[] | undefined)?.find((c) => c.type === 'Ready')?.status === 'True';
  }

  async #statusLoop(signal: AbortSignal): Promise<void> {
    // While not Ready (runtime or network coming up) look every second, so Ready is reported promptly.
    while (await sleep(this.#deps.clock, this.#ready() ? (this.#cfg.nodeStatusMs ?? 10_000) : 1000, signal)) {
      try {
        await this.#reportStatus(undefined, signal, false);
      } catch (e) {
        if (isNotFound(e)) {
          this.#deps.log.warn('the Node object is gone; registering again');
          await this.#register(signal);
        } else if (!signal.aborted) this.#deps.log.warn('updating node status failed', { error: messageOf(e) });
      }
    }
  }
}
