// Runs the admission chain for one write.
import type { KubeObject } from '../../api/types';
import type { AdmissionRequest } from '../authorization';
import type { ResourceContext } from './request-context';

export async function admit(ctx: ResourceContext, operation: AdmissionRequest['operation'], object: KubeObject | undefined, oldObject: KubeObject | undefined, dryRun: boolean): Promise<void> {
  const plugins = ctx.services.admission;
  if (!plugins || plugins.length === 0) return;
  const req: AdmissionRequest = {
    user: ctx.user,
    operation,
    def: ctx.def,
    subresource: ctx.info.subresource,
    namespace: ctx.info.namespace,
    name: ctx.info.name ?? (object?.metadata.name as string | undefined),
    object,
    oldObject,
    dryRun,
  };
  for (const p of plugins) await p.admit(req);
}
