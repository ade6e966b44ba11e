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
    // Admission warnings (e.g. a ValidatingAdmissionPolicy with the Warn action) go out as Warning headers.
    warn: (message) => ctx.res.appendHeader('Warning', `299 - ${Buffer.from(JSON.stringify(message.length > 256 ? `${message.slice(0, 256)}...` : message), 'utf8').toString('latin1')}`),
  };
  for (const p of plugins) await p.admit(req);
}
