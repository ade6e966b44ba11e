// core/v1 Events about Addons (reporting component `k3ts-deploy`). A repeat of the same (Addon,
// type, reason, message) bumps the earlier event's count, so a manifest that keeps failing leaves
// one event, not one per retry. Failures to record are logged, never thrown.
import type { KubeObject } from '../api/types';
import type { Clock } from '../client/clock';
import type { RestClient } from '../client/rest-client';
import type { Logger } from '../log/logger';
import { objectEventRecorder } from '../controllers/internal/object-events';

export const DEPLOY_COMPONENT = 'k3ts-deploy';

export type AddonEventReason = 'ApplyingManifest' | 'AppliedManifest' | 'ApplyManifestFailed' | 'PrunedObjects' | 'PruneFailed' | 'DeletingManifest' | 'DeleteManifestFailed';

export interface AddonEvents {
  record(addon: KubeObject, type: 'Normal' | 'Warning', reason: AddonEventReason, message: string): Promise<void>;
}

export function addonEvents(deps: { readonly client: RestClient; readonly clock: Clock; readonly log: Logger; readonly host: string }): AddonEvents {
  const recorder = objectEventRecorder({ ...deps, component: DEPLOY_COMPONENT });
  return { record: (addon, type, reason, message) => recorder.event(addon, type, reason, message) };
}
