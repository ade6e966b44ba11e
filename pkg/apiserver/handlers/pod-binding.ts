// POST …/pods/<name>/binding: what a scheduler calls to place a pod (upstream's BindingREST).
// The Binding names a node; the pod gets spec.nodeName once (409 when it already has one or is
// being deleted), the Binding's annotations, and the PodScheduled=True condition — one write,
// through a Store over the pods key space whose `binding` strategy allows exactly that change.
import { bindingStrategy } from '../../api/catalog/strategies/pod-subresources';
import type { ResourceDef, Strategy } from '../../api/resource-def';
import type { KubeObject } from '../../api/types';
import { asObject, asString, type JsonRecord } from '../../api/validation/json';
import type { SubresourceHandler } from '../api-server';
import { errors } from '../errors';
import { writeJson } from '../http/respond';
import { Store, rfc3339, type StoreContext } from '../registry/store';
import { asObjectOf, decodeBody } from './decode-body';

/** Key of the handler in ApiServerOptions.subresources. */
export const POD_BINDING_SUBRESOURCE = '/pods/binding';

/** The pod write a binding makes: the mutation set nodeName; keep generation, mark PodScheduled. */
function podBindingWriteStrategy(clock: () => Date): Strategy {
  return Object.freeze({
    prepareForUpdate(obj: KubeObject, old: KubeObject) {
      if (old.metadata.generation === undefined) delete obj.metadata.generation;
      else obj.metadata.generation = old.metadata.generation;
      const status: JsonRecord = asObject(obj.status) ?? {};
      obj.status = status;
      const conditions = Array.isArray(status.conditions) ? [...(status.conditions as unknown[])] : [];
      const at = conditions.findIndex((c) => asObject(c)?.type === 'PodScheduled');
      const previous = at >= 0 ? asObject(conditions[at]) : undefined;
      const now = rfc3339(clock());
      // lastTransitionTime moves only when the status changes, as upstream's UpdatePodCondition.
      const since = previous?.status === 'True' && typeof previous.lastTransitionTime === 'string' ? previous.lastTransitionTime : now;
      const scheduled = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: since };
      if (at >= 0) conditions[at] = scheduled;
      else conditions.push(scheduled);
      status.conditions = conditions;
    },
  });
}

function bindingDef(pods: ResourceDef, write: Strategy): ResourceDef {
  return Object.freeze({ ...pods, subresources: (pods.subresources ?? []).map((s) => (s.name === 'binding' ? { ...s, strategy: write } : s)) });
}

function dryRunOf(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw errors.badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return values.length > 0;
}

/** The pods/binding handler; `storeCtx` is the control plane's store context (same backend as the pods store). */
export function createPodBindingHandler(storeCtx: StoreContext): SubresourceHandler {
  const stores = new WeakMap<ResourceDef, Store>();
  const write = podBindingWriteStrategy(storeCtx.now);
  return async (ctx) => {
    const namespace = ctx.info.namespace!;
    const name = ctx.info.name!;
    const body = await decodeBody(ctx, ['json', 'yaml', 'protobuf']);
    const binding = asObjectOf(body.value, ctx.def, { kind: 'Binding', group: '', version: 'v1' });
    binding.metadata.name ??= name;
    if (binding.metadata.name !== name) throw errors.badRequest('name in URL does not match name in Binding object');
    if (binding.metadata.namespace !== undefined && binding.metadata.namespace !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const problems = bindingStrategy.validate?.(binding) ?? [];
    if (problems.length > 0) throw errors.invalid('', 'Binding', name, problems);
    const node = asString(asObject(binding.target)?.name) ?? '';
    const annotations = binding.metadata.annotations ?? {};
    const uid = asString(binding.metadata.uid);
    const isDry = dryRunOf(ctx.query);
    let store = stores.get(ctx.def);
    if (!store) stores.set(ctx.def, (store = new Store(bindingDef(ctx.def, write), storeCtx)));
    const conflict = (why: string) => errors.conflict('', 'pods/binding', name, why);
    await store.update(
      namespace,
      name,
      (current) => {
        if (!current) throw errors.notFound('', 'pods', name);
        if (uid && current.metadata.uid !== uid) throw conflict(`Precondition failed: UID in precondition: ${uid}, UID in object meta: ${String(current.metadata.uid)}`);
        if (current.metadata.deletionTimestamp) throw conflict(`pod ${name} is being deleted, cannot be assigned to a host`);
        const spec = asObject(current.spec) ?? {};
        const assigned = asString(spec.nodeName) ?? '';
        if (assigned !== '') throw conflict(`pod ${name} is already assigned to node "${assigned}"`);
        if (Array.isArray(spec.schedulingGates) && spec.schedulingGates.length > 0) throw conflict(`pod ${name} has non-empty .spec.schedulingGates`);
        current.spec = { ...spec, nodeName: node };
        // No resourceVersion precondition: a concurrent write is retried on the fresh object, as upstream's GuaranteedUpdate.
        delete current.metadata.resourceVersion;
        if (Object.keys(annotations).length > 0) current.metadata.annotations = { ...(current.metadata.annotations ?? {}), ...annotations };
        return current;
      },
      { subresource: 'binding', dryRun: isDry },
    );
    writeJson(ctx.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  };
}
