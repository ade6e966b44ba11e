// Assembles the DefaultStorageClass and DefaultIngressClass plugins on watched caches of
// StorageClasses and IngressClasses (one list, then a watch each, from the first PVC or Ingress
// create on; stopped by the signal).
import * as crypto from 'node:crypto';
import type { ResourceDef } from '../../api/resource-def';
import type { KubeObject } from '../../api/types';
import { StoreCache } from '../../auth/cache/store-cache';
import type { Logger } from '../../log/logger';
import type { Backend } from '../../storage/backend';
import type { AdmissionPlugin } from '../authorization';
import { Store } from '../registry/store';
import { DEFAULT_INGRESS_CLASS, DEFAULT_STORAGE_CLASS, DefaultClassAdmission, type ClassSource, type DefaultClassRule } from './default-class';

export interface DefaultClassAdmissionDeps {
  readonly backend: Backend;
  readonly resources: readonly ResourceDef[];
  /** Stops the caches. */
  readonly signal: AbortSignal;
  readonly log: Logger;
}

const CLASS_RESOURCES: ReadonlyArray<readonly [DefaultClassRule, string, string]> = [
  [DEFAULT_STORAGE_CLASS, 'storage.k8s.io', 'storageclasses'],
  [DEFAULT_INGRESS_CLASS, 'networking.k8s.io', 'ingressclasses'],
];

/** The two plugins (each only when the catalog serves both its resource and its class kind). */
export function defaultClassAdmission(deps: DefaultClassAdmissionDeps): AdmissionPlugin[] {
  const served = (group: string, resource: string) => deps.resources.find((d) => d.group === group && d.version === 'v1' && d.resource === resource && !d.storageResource);
  const plugins: AdmissionPlugin[] = [];
  for (const [rule, classGroup, classResource] of CLASS_RESOURCES) {
    const classDef = served(classGroup, classResource);
    if (!classDef || !served(rule.group, rule.resource)) continue;
    const store = new Store(classDef, { backend: deps.backend, now: () => new Date(), newUid: () => crypto.randomUUID(), random: Math.random });
    const cache = new StoreCache<KubeObject>(store, { project: (o) => o, log: deps.log });
    // Started on the plugin's first use, so a disabled plugin watches nothing.
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      cache.start();
      if (deps.signal.aborted) void cache.stop();
      else deps.signal.addEventListener('abort', () => void cache.stop(), { once: true });
    };
    const source: ClassSource = {
      get synced() {
        start();
        return cache.synced;
      },
      values: () => cache.values(),
    };
    plugins.push(new DefaultClassAdmission(rule, source));
  }
  return plugins;
}
