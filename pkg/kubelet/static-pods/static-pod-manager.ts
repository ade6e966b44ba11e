// Keeps the static pods of the manifest directory and their mirror pods in the API. The directory
// is re-read every `pollMs` (an edit or removal changes the pod set; the kubelet is told which UIDs
// changed). Once the kubelet's pod informer has synced, every static pod gets a mirror pod
// (created when missing, replaced when its hash is stale or it is being deleted) and mirror pods
// with no manifest behind them are deleted. The mirror's status is what the kubelet reports.
import { sleep, type Clock } from '../../client/clock';
import { isAlreadyExists, isNotFound } from '../../client/errors';
import type { ResourceClient } from '../../client/rest-client';
import type { KubeObject } from '../../api/types';
import type { Logger } from '../../log/logger';
import { messageOf } from '../errors';
import type { Pod, PodStatus } from '../pod-types';
import { CONFIG_MIRROR_ANNOTATION, isMirrorPod, mirrorPodFor, scanStaticPods } from './static-pod-manifest';

export interface StaticPodsConfig {
  readonly dir: string;
  readonly nodeName: string;
  readonly pollMs?: number;
}

export interface StaticPodsDeps {
  readonly pods: ResourceClient;
  readonly clock: Clock;
  readonly log: Logger;
  readonly nodeUid: () => string | undefined;
  /** Whether the mirror pods seen so far are complete (the pod informer has synced). */
  readonly synced: () => boolean;
  /** UIDs whose static pod appeared, changed, vanished or whose mirror changed. */
  readonly onChange: (uids: readonly string[]) => void;
}

const key = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;

export class StaticPods {
  readonly #pods = new Map<string, Pod>();
  readonly #mirrors = new Map<string, KubeObject>();
  readonly #badFiles = new Map<string, string>();

  constructor(
    private readonly cfg: StaticPodsConfig,
    private readonly deps: StaticPodsDeps,
  ) {}

  get(uid: string): Pod | undefined {
    return this.#pods.get(uid);
  }

  all(): Pod[] {
    return [...this.#pods.values()];
  }

  /** Re-reads the manifest directory; returns the UIDs that changed (also passed to onChange). */
  load(): string[] {
    const scan = scanStaticPods(this.cfg.dir, this.cfg.nodeName);
    for (const e of scan.errors) {
      if (this.#badFiles.get(e.file) !== e.message) this.deps.log.warn('ignoring a static pod manifest', { file: e.file, error: e.message });
    }
    this.#badFiles.clear();
    for (const e of scan.errors) this.#badFiles.set(e.file, e.message);
    const changed: string[] = [];
    for (const uid of [...this.#pods.keys()]) {
      if (scan.pods.has(uid)) continue;
      this.#pods.delete(uid);
      changed.push(uid);
    }
    for (const [uid, pod] of scan.pods) {
      if (this.#pods.has(uid)) continue;
      const mirror = this.#mirrors.get(key(pod));
      this.#pods.set(uid, mirror && this.#matches(mirror, uid) ? { ...pod, status: mirror.status as PodStatus | undefined } : pod);
      changed.push(uid);
      this.deps.log.info('static pod found', { pod: key(pod), uid });
    }
    if (changed.length > 0) this.deps.onChange(changed);
    return changed;
  }

  #matches(mirror: KubeObject, uid: string): boolean {
    return mirror.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION] === uid && !mirror.metadata.deletionTimestamp;
  }

  #byName(k: string): Pod | undefined {
    for (const p of this.#pods.values()) if (key(p) === k) return p;
    return undefined;
  }

  /** Feeds a pod event of the kubelet's informer; true when it was a mirror pod (not a pod to run). */
  observe(obj: KubeObject, deleted = false): boolean {
    if (!isMirrorPod(obj)) return false;
    const k = key(obj);
    if (deleted) this.#mirrors.delete(k);
    else this.#mirrors.set(k, obj);
    const pod = this.#byName(k);
    if (pod) {
      const uid = String(pod.metadata.uid);
      if (!deleted && this.#matches(obj, uid)) this.#pods.set(uid, { ...pod, status: obj.status as PodStatus | undefined });
      this.deps.onChange([uid]);
    }
    return true;
  }

  /** Creates, replaces and deletes mirror pods until they match the static pods. */
  async syncMirrors(): Promise<void> {
    if (!this.deps.synced()) return;
    const node = { name: this.cfg.nodeName, uid: this.deps.nodeUid() };
    for (const pod of this.#pods.values()) {
      const k = key(pod);
      const uid = String(pod.metadata.uid);
      const mirror = this.#mirrors.get(k);
      if (mirror && this.#matches(mirror, uid)) continue;
      const ns = String(pod.metadata.namespace);
      const name = String(pod.metadata.name);
      try {
        // A stale mirror (other hash, or being deleted gracefully: nobody else finalizes it) goes at once.
        if (mirror) {
          await this.deps.pods.delete(ns, name, { gracePeriodSeconds: 0, preconditions: { uid: String(mirror.metadata.uid) } }).catch((e: unknown) => {
            if (!isNotFound(e)) throw e;
          });
        }
        const created = await this.deps.pods.create(mirrorPodFor(pod, node));
        this.#mirrors.set(k, created);
        this.deps.log.info('created the mirror pod', { pod: k, uid });
      } catch (e) {
        if (!isAlreadyExists(e)) this.deps.log.warn('creating the mirror pod failed', { pod: k, error: messageOf(e) });
      }
    }
    for (const [k, mirror] of [...this.#mirrors]) {
      if (this.#byName(k)) continue;
      try {
        await this.deps.pods.delete(String(mirror.metadata.namespace), String(mirror.metadata.name), { gracePeriodSeconds: 0, preconditions: { uid: String(mirror.metadata.uid) } });
        this.deps.log.info('deleted the mirror pod of a removed manifest', { pod: k });
      } catch (e) {
        if (!isNotFound(e)) this.deps.log.warn('deleting a mirror pod failed', { pod: k, error: messageOf(e) });
      }
      this.#mirrors.delete(k);
    }
  }

  /** Polls the directory and reconciles mirror pods until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const every = this.cfg.pollMs ?? 1000;
    do {
      try {
        this.load();
        await this.syncMirrors();
      } catch (e) {
        this.deps.log.warn('static pod sync failed', { error: messageOf(e) });
      }
    } while (await sleep(this.deps.clock, every, signal));
  }
}
