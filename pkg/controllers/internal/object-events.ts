// core/v1 Events about any object, for controllers (upstream's event recorder, reduced): a repeat
// of the same (object, type, reason, message) bumps the earlier event's count and lastTimestamp
// instead of creating another. Writes never throw into the controller: a failure is logged.
import type { KubeObject } from '../../api/types';
import type { Clock } from '../../client/clock';
import { RESOURCES } from '../../client/resource-ref';
import type { RestClient } from '../../client/rest-client';
import type { Logger } from '../../log/logger';

export interface ObjectEventRecorder {
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function objectEventRecorder(deps: { client: RestClient; clock: Clock; log: Logger; component: string; /** source.host / reportingInstance (default: the component). */ host?: string }): ObjectEventRecorder {
  const events = deps.client.resource(RESOURCES.events);
  /** (uid, type, reason, message) → the event written for it (name, count). */
  const seen = new Map<string, { name: string; namespace: string; count: number }>();
  return {
    async event(obj, type, reason, message) {
      const namespace = String(obj.metadata.namespace ?? '') || 'default';
      const key = `${obj.metadata.uid}|${type}|${reason}|${message}`;
      const now = rfc3339(deps.clock.now());
      const prior = seen.get(key);
      try {
        if (prior) {
          prior.count++;
          await events.patch(prior.namespace, prior.name, 'merge', { count: prior.count, lastTimestamp: now });
          return;
        }
        const name = `${obj.metadata.name}.${(deps.clock.now() * 1000 + Math.floor(Math.random() * 1000)).toString(16)}`;
        await events.create({
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace },
          involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion },
          type,
          reason,
          message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
          source: { component: deps.component, ...(deps.host ? { host: deps.host } : {}) },
          reportingComponent: deps.component,
          reportingInstance: deps.host ?? deps.component,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        });
        seen.set(key, { name, namespace, count: 1 });
        if (seen.size > 4096) seen.delete(seen.keys().next().value as string);
      } catch (e) {
        if (prior) seen.delete(key);
        deps.log.warn('could not record an event', { reason, object: `${obj.kind}/${obj.metadata.name}`, error: (e as Error).message });
      }
    },
  };
}
