// The node half of the local-path provisioner, run by each agent: for local-path volumes on this
// node it makes the directory (mode 0777, as the upstream provisioner's setup script does, so pods
// running as any user can write) as soon as the volume exists, and when a Released volume's
// reclaim policy is Delete it removes the directory and then deletes the PersistentVolume. It only
// ever removes a `<pv>_<ns>_<claim>` directory directly under a path the config map lists for this
// node. Runs as system:k3ts-controller (K3s runs its agent-side controllers as system:k3s-controller).
import * as fs from 'node:fs';
import type { KubeObject } from '../../api/types';
import { asObject, asString } from '../../api/validation/json';
import type { Clock } from '../../client/clock';
import { isNotFound } from '../../client/errors';
import { SharedInformerFactory } from '../../client/informer-factory';
import { RESOURCES } from '../../client/resource-ref';
import type { RestClient } from '../../client/rest-client';
import type { Logger } from '../../log/logger';
import { STORAGE_RESOURCES } from '../persistentvolume/persistent-volume-controller';
import { ANN_PROVISIONED_BY, phaseOf } from '../persistentvolume/volume-matching';
import { ANN_LOCAL_PATH_NODE, LOCAL_PATH_CONFIGMAP, LOCAL_PATH_PROVISIONER, isVolumeDirectoryUnder, localPathConfigFromConfigMap, pathsForNode } from './local-path-config';

export interface LocalPathNodeAgentDeps {
  readonly client: RestClient;
  readonly clock: Clock;
  readonly log: Logger;
  readonly nodeName: string;
  /** File system operations (tests pass fakes). */
  readonly fs?: { mkdir(dir: string): void; remove(dir: string): void; exists(dir: string): boolean };
}

const realFs = {
  mkdir: (dir: string) => {
    fs.mkdirSync(dir, { recursive: true, mode: 0o777 });
    fs.chmodSync(dir, 0o777);
  },
  remove: (dir: string) => fs.rmSync(dir, { recursive: true, force: true }),
  exists: (dir: string) => fs.existsSync(dir),
};

export function localPathDirectoryOf(volume: KubeObject): string | undefined {
  return asString(asObject(asObject(volume.spec)?.hostPath)?.path);
}

/** Whether this node owns the volume (made by local-path for it). */
export function isLocalPathVolumeOf(volume: KubeObject, nodeName: string): boolean {
  const ann = volume.metadata.annotations ?? {};
  return ann[ANN_PROVISIONED_BY] === LOCAL_PATH_PROVISIONER && ann[ANN_LOCAL_PATH_NODE] === nodeName;
}

export class LocalPathNodeAgent {
  readonly #fs: NonNullable<LocalPathNodeAgentDeps['fs']>;
  #queue = Promise.resolve();
  #done: Promise<void> = Promise.resolve();

  constructor(private readonly deps: LocalPathNodeAgentDeps) {
    this.#fs = deps.fs ?? realFs;
  }

  start(signal: AbortSignal): void {
    const factory = new SharedInformerFactory({ client: this.deps.client, clock: this.deps.clock, log: this.deps.log });
    const volumes = factory.informerFor(STORAGE_RESOURCES.persistentvolumes);
    const onVolume = (v: KubeObject) => {
      if (!isLocalPathVolumeOf(v, this.deps.nodeName)) return;
      this.#queue = this.#queue.then(() => this.sync(v, signal)).catch((e: Error) => this.deps.log.warn('local-path volume sync failed', { volume: v.metadata.name, error: e.message }));
    };
    volumes.addEventHandler({ add: onVolume, update: (_o, v) => onVolume(v) });
    factory.start(signal);
    this.#done = factory.stopped().then(() => this.#queue);
  }

  get done(): Promise<void> {
    return this.#done;
  }

  async #basesForNode(signal: AbortSignal): Promise<readonly string[]> {
    const cm = await this.deps.client.resource(RESOURCES.configmaps).get('kube-system', LOCAL_PATH_CONFIGMAP, { signal });
    return pathsForNode(localPathConfigFromConfigMap(cm), this.deps.nodeName);
  }

  /** One volume of this node: make its directory, or reclaim it. */
  async sync(volume: KubeObject, signal: AbortSignal): Promise<void> {
    const dir = localPathDirectoryOf(volume);
    if (!dir || signal.aborted) return;
    const policy = asString(asObject(volume.spec)?.persistentVolumeReclaimPolicy) ?? 'Delete';
    const released = phaseOf(volume) === 'Released' || phaseOf(volume) === 'Failed';
    if (!released && !volume.metadata.deletionTimestamp) {
      if (!this.#fs.exists(dir)) {
        const bases = await this.#basesForNode(signal);
        if (!isVolumeDirectoryUnder(dir, bases)) {
          this.deps.log.warn('local-path volume directory is not under a configured path: not created', { volume: volume.metadata.name, path: dir, paths: bases.join(',') });
          return;
        }
        this.#fs.mkdir(dir);
        this.deps.log.info('created local-path volume directory', { volume: volume.metadata.name, path: dir });
      }
      return;
    }
    if (!released || policy !== 'Delete' || volume.metadata.deletionTimestamp) return;
    const bases = await this.#basesForNode(signal);
    if (!isVolumeDirectoryUnder(dir, bases)) {
      this.deps.log.warn('local-path volume directory is not under a configured path: left in place', { volume: volume.metadata.name, path: dir, paths: bases.join(',') });
      return;
    }
    this.#fs.remove(dir);
    this.deps.log.info('removed local-path volume directory', { volume: volume.metadata.name, path: dir });
    try {
      await this.deps.client.resource(STORAGE_RESOURCES.persistentvolumes).delete(undefined, String(volume.metadata.name), { preconditions: { uid: volume.metadata.uid }, signal });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
