// POST …/pods/<name>/eviction (policy/v1 Eviction): delete a pod only if the PodDisruptionBudget
// selecting it allows one more disruption. The budget's disruptionsAllowed is decremented and the
// pod recorded in disruptedPods (a conditional status write, retried on conflicts) before the pod
// is deleted; a budget with none left answers 429 TooManyRequests, which `kubectl drain` retries.
// Finished, pending and already-deleting pods, and pods no budget selects, are simply deleted.
import type { KubeObject } from '../../api/types';
import { asNumber, asObject, asString } from '../../api/validation/json';
import type { SubresourceHandler } from '../../apiserver/api-server';
import { ApiError, errors } from '../../apiserver/errors';
import { asObjectOf, decodeBody } from '../../apiserver/handlers/decode-body';
import type { ResourceContext } from '../../apiserver/handlers/request-context';
import { writeJson } from '../../apiserver/http/respond';
import type { Store } from '../../apiserver/registry/store';
import { isPodReady, podPhase } from '../internal/pods';
import { MAX_DISRUPTED_PODS, PDBS, selectsPod, setDisruptionAllowedCondition, statusNumber, type Pdb } from './pdb-util';

/** Key of the handler in the API server's subresources map. */
export const POD_EVICTION_SUBRESOURCE = '/pods/eviction';
const CONFLICT_RETRIES = 10;
const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";

function tooManyRequests(cause: string): ApiError {
  return new ApiError(429, 'TooManyRequests', VIOLATION, { causes: [{ reason: 'DisruptionBudget', message: cause }] });
}

function pdbStore(ctx: ResourceContext): Store | undefined {
  return [...ctx.services.stores].find(([d]) => d.group === PDBS.group && d.resource === PDBS.resource && !d.storageResource)?.[1];
}

async function budgetsFor(store: Store, pod: KubeObject): Promise<Pdb[]> {
  const out: Pdb[] = [];
  let from: string | undefined;
  for (;;) {
    const page = await store.backendList(store.prefix(pod.metadata.namespace), { continueFrom: from, limit: 500 });
    for (const kv of page.kvs) {
      const pdb = store.decode(kv) as Pdb;
      if (selectsPod(pdb, pod)) out.push(pdb);
    }
    if (!page.more || page.kvs.length === 0) return out;
    from = page.kvs[page.kvs.length - 1]!.key as string;
  }
}

interface DeleteOptionsJson {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

function dryRunOf(q: URLSearchParams, body: Record<string, unknown>): boolean {
  const values = [...q.getAll('dryRun'), ...((asObject(body.deleteOptions)?.dryRun as string[] | undefined) ?? [])];
  for (const v of values) if (v !== 'All') throw errors.badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return values.length > 0;
}

/** Takes one disruption from the budget (or refuses); returns without writing when dry-running. */
async function takeDisruption(store: Store, pdb: Pdb, podName: string, now: () => Date, dryRun: boolean): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const current = attempt === 0 ? pdb : ((await store.get(pdb.metadata.namespace, String(pdb.metadata.name))) as Pdb);
    const st = structuredClone(asObject(current.status) ?? {});
    if ((asNumber(st.observedGeneration) ?? 0) < (current.metadata.generation ?? 0)) throw tooManyRequests(`The disruption budget ${current.metadata.name} is still being processed by the server.`);
    const allowed = statusNumber(current, 'disruptionsAllowed');
    if (allowed < 0) throw errors.forbidden('pdb disruptions allowed is negative');
    const disrupted = { ...((asObject(st.disruptedPods) as Record<string, string> | undefined) ?? {}) };
    if (Object.keys(disrupted).length > MAX_DISRUPTED_PODS) throw errors.forbidden('DisruptedPods map too big - too many evictions not confirmed by PDB controller');
    if (allowed === 0) {
      throw tooManyRequests(`The disruption budget ${current.metadata.name} needs ${statusNumber(current, 'desiredHealthy')} healthy pods and has ${statusNumber(current, 'currentHealthy')} currently`);
    }
    if (dryRun) return;
    st.disruptionsAllowed = allowed - 1;
    disrupted[podName] = now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    st.disruptedPods = disrupted;
    setDisruptionAllowedCondition(current, st, now().getTime());
    try {
      // The resourceVersion makes the write conditional: two evictions never spend one disruption.
      await store.update(current.metadata.namespace, String(current.metadata.name), () => ({ ...current, status: st }), { subresource: 'status' });
      return;
    } catch (e) {
      if (!(e instanceof ApiError && e.reason === 'Conflict') || attempt >= CONFLICT_RETRIES) throw e;
    }
  }
}

export function createPodEvictionHandler(): SubresourceHandler {
  return async (ctx) => {
    const namespace = ctx.info.namespace!;
    const name = ctx.info.name!;
    const body = await decodeBody(ctx, ['json', 'yaml', 'protobuf']);
    const eviction = asObjectOf(body.value, ctx.def, { kind: 'Eviction', group: 'policy', version: 'v1' });
    eviction.metadata.name ??= name;
    if (eviction.metadata.name !== name) throw errors.badRequest('name in URL does not match name in Eviction object');
    if (eviction.metadata.namespace !== undefined && eviction.metadata.namespace !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const dryRun = dryRunOf(ctx.query, eviction as Record<string, unknown>);
    const options = (asObject(eviction.deleteOptions) ?? {}) as DeleteOptionsJson;
    const pod = await ctx.store.get(namespace, name);
    const remove = async () => {
      await ctx.store.delete(namespace, name, { gracePeriodSeconds: options.gracePeriodSeconds, preconditions: options.preconditions ?? { uid: asString(pod.metadata.uid) }, dryRun });
      writeJson(ctx.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    };
    // Finished or never-started pods, and pods already going, disrupt nothing more.
    const phase = podPhase(pod);
    if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp) return remove();
    const store = pdbStore(ctx);
    const budgets = store ? await budgetsFor(store, pod) : [];
    if (budgets.length > 1) throw errors.internal('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    const pdb = budgets[0];
    if (!pdb || !store) return remove();
    if (!isPodReady(pod)) {
      // An unready pod may go without spending the budget if the policy says so or the budget is healthy anyway.
      if (asObject(pdb.spec)?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return remove();
      const desired = statusNumber(pdb, 'desiredHealthy');
      if (statusNumber(pdb, 'currentHealthy') >= desired && desired > 0) return remove();
    }
    await takeDisruption(store, pdb, name, ctx.services.now, dryRun);
    return remove();
  };
}
