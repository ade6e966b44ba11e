// The scale subresource (autoscaling/v1 Scale) of deployments, replicasets, statefulsets and
// replicationcontrollers: a view over spec.replicas and status.
import { toScale } from '../../api/catalog';
import type { KubeObject } from '../../api/types';
import { errors } from '../errors';
import { writeJson } from '../http/respond';
import { admit } from './admit';
import { asObjectOf, decodeBody } from './decode-body';
import type { ResourceContext } from './request-context';

/** How a resource maps to autoscaling/v1 Scale: the view, and the object with new spec replicas. */
export interface ScaleView {
  toScale(obj: KubeObject): KubeObject;
  withReplicas(obj: KubeObject, replicas: number): KubeObject;
}

const WORKLOAD_SCALE: ScaleView = {
  toScale,
  withReplicas: (obj, replicas) => ({ ...obj, spec: { ...(obj.spec as object), replicas } }),
};

export function handleScale(ctx: ResourceContext): Promise<void> {
  return handleScaleWith(ctx, WORKLOAD_SCALE);
}

export async function handleScaleWith(ctx: ResourceContext, view: ScaleView): Promise<void> {
  const { toScale } = view;
  const name = ctx.info.name!;
  const verb = ctx.info.verb;
  if (verb === 'get') return writeJson(ctx.res, 200, toScale(await ctx.store.get(ctx.info.namespace, name)));
  if (verb !== 'update' && verb !== 'patch') throw errors.methodNotAllowed(verb.toUpperCase(), 'Scale');
  const body = await decodeBody(ctx, verb === 'update' ? ['json', 'yaml', 'protobuf'] : ['json-patch', 'merge-patch', 'strategic-merge-patch']);
  const result = await ctx.store.update(
    ctx.info.namespace,
    name,
    async (current) => {
      if (!current) throw errors.notFound(ctx.def.group, ctx.def.resource, name);
      const scale = toScale(current);
      let next: KubeObject;
      if (verb === 'update') next = asObjectOf(body.value, ctx.def, { kind: 'Scale', group: 'autoscaling', version: 'v1' });
      else {
        // Scale has no lists, so a strategic merge patch is a merge patch here.
        const format = body.format === 'json-patch' ? 'json-patch' : 'merge-patch';
        next = ctx.services.machinery.patch(format, ctx.def, scale, body.value);
      }
      // Admission sees the Scale (subresource "scale"), as upstream's scale storage passes it.
      await admit(ctx, 'update', next, scale, false);
      const replicas = (next.spec as { replicas?: unknown } | undefined)?.replicas;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        throw errors.invalid('autoscaling', 'Scale', name, [{ type: 'FieldValueInvalid', field: 'spec.replicas', detail: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
      }
      const rv = next.metadata?.resourceVersion;
      return view.withReplicas({ ...current, metadata: { ...current.metadata, resourceVersion: rv ?? current.metadata.resourceVersion } }, replicas);
    },
    { retryOnConflict: verb === 'patch' },
  );
  writeJson(ctx.res, 200, toScale(result.object));
}
