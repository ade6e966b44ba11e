// The scale subresource of a custom resource: autoscaling/v1 Scale over the CRD's
// specReplicasPath, statusReplicasPath and labelSelectorPath (dotted JSON paths).
import type { KubeObject } from '../api/types';
import type { ScaleView } from '../apiserver/handlers/scale';
import type { ScaleSubresource } from './types';

function segments(path: string): string[] {
  return path.replace(/^\./, '').split('.').filter(Boolean);
}

function read(obj: unknown, path: string): unknown {
  let v = obj;
  for (const s of segments(path)) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[s] : undefined;
  return v;
}

function write(obj: KubeObject, path: string, value: unknown): KubeObject {
  const out = structuredClone(obj);
  const segs = segments(path);
  let cur = out as Record<string, unknown>;
  for (const s of segs.slice(0, -1)) {
    const next = cur[s];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[s] = {};
    cur = cur[s] as Record<string, unknown>;
  }
  cur[segs[segs.length - 1]!] = value;
  return out;
}

export function customScaleView(scale: ScaleSubresource): ScaleView {
  return {
    toScale(obj) {
      const m = obj.metadata;
      const spec = read(obj, scale.specReplicasPath);
      const status = read(obj, scale.statusReplicasPath);
      const selector = scale.labelSelectorPath ? read(obj, scale.labelSelectorPath) : undefined;
      return {
        kind: 'Scale',
        apiVersion: 'autoscaling/v1',
        metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
        spec: { replicas: typeof spec === 'number' ? spec : 0 },
        status: { replicas: typeof status === 'number' ? status : 0, ...(typeof selector === 'string' && selector ? { selector } : {}) },
      };
    },
    withReplicas: (obj, replicas) => write(obj, scale.specReplicasPath, replicas),
  };
}
