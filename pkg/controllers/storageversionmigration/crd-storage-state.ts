// What a migration of a custom resource records on its CustomResourceDefinition, as upstream's
// migration runner does: a StorageMigrating condition (True while running, observing the CRD's
// generation), then False with the outcome; after a success against an unchanged CRD,
// status.storedVersions is cut down to the storage version alone.
import type { KubeObject } from '../../api/types';
import { isConflict, isNotFound } from '../../client/errors';
import type { ResourceRef } from '../../client/resource-ref';
import type { RestClient } from '../../client/rest-client';
import { conditionsOf, setCondition } from './migration-status';

export const CRD_RESOURCE: ResourceRef = Object.freeze({ group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false });
export const STORAGE_MIGRATING = 'StorageMigrating';
const MAX_ATTEMPTS = 5;

interface CrdVersion {
  readonly name?: string;
  readonly storage?: boolean;
}

function storageVersion(crd: KubeObject): string | undefined {
  const versions = (crd.spec as { versions?: CrdVersion[] } | undefined)?.versions ?? [];
  return versions.find((v) => v.storage)?.name;
}

function statusOf(crd: KubeObject): Record<string, unknown> {
  return crd.status !== null && typeof crd.status === 'object' ? (crd.status as Record<string, unknown>) : {};
}

/** Reads the CRD serving `group`/`resource` and rewrites its status with `change`; absent CRD: false. */
async function updateCrdStatus(client: RestClient, gr: { group: string; resource: string }, change: (crd: KubeObject) => KubeObject, signal: AbortSignal): Promise<boolean> {
  const crds = client.resource(CRD_RESOURCE);
  for (let attempt = 1; ; attempt++) {
    let crd: KubeObject;
    try {
      crd = await crds.get(undefined, `${gr.resource}.${gr.group}`, { signal });
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
    try {
      await crds.updateStatus(change(crd), { signal });
      return true;
    } catch (e) {
      if (isConflict(e) && attempt < MAX_ATTEMPTS) continue;
      throw e;
    }
  }
}

/** StorageMigrating=True on the resource's CRD (none for built-in resources). */
export function markCrdMigrating(client: RestClient, gr: { group: string; resource: string }, migration: string, now: Date, signal: AbortSignal): Promise<boolean> {
  return updateCrdStatus(
    client,
    gr,
    (crd) => {
      const conditions = setCondition(conditionsOf(crd), { type: STORAGE_MIGRATING, status: 'True', reason: 'MigrationRunning', message: `Migration ${migration} is running`, observedGeneration: crd.metadata.generation ?? 1 }, now);
      return { ...crd, status: { ...statusOf(crd), conditions } };
    },
    signal,
  );
}

/** StorageMigrating=False with the outcome; on success of an unchanged CRD only the storage version stays stored. */
export function finishCrdMigration(client: RestClient, gr: { group: string; resource: string }, succeeded: boolean, now: Date, signal: AbortSignal): Promise<boolean> {
  return updateCrdStatus(
    client,
    gr,
    (crd) => {
      const generation = crd.metadata.generation ?? 1;
      const migrating = conditionsOf(crd).find((c) => c.type === STORAGE_MIGRATING);
      const unchanged = migrating?.observedGeneration === generation;
      let message = succeeded ? 'The migration has succeeded' : 'The migration has failed';
      if (succeeded) message += unchanged ? ' and the stored versions have been updated' : ' but the stored versions have not been updated due to a generation mismatch';
      const conditions = setCondition(conditionsOf(crd), { type: STORAGE_MIGRATING, status: 'False', reason: succeeded ? 'MigrationSucceeded' : 'MigrationFailed', message, observedGeneration: generation }, now);
      const sv = storageVersion(crd);
      const stored = succeeded && unchanged && sv ? { storedVersions: [sv] } : {};
      return { ...crd, status: { ...statusOf(crd), conditions, ...stored } };
    },
    signal,
  );
}
