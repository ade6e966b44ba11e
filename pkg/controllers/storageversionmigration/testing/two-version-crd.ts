// Test fixture: a namespaced `widgets` CustomResourceDefinition served as v1 and v2, where v2 adds
// `spec.tier` with a default, and `storage` names the version objects are stored in.
import type { KubeObject } from '../../../api/types';

export function twoVersionWidgetCrd(group: string, storage: 'v1' | 'v2'): KubeObject {
  const size = { type: 'integer' };
  const schema = (extra: Record<string, unknown>) => ({ openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size, ...extra } } } } });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        { name: 'v1', served: true, storage: storage === 'v1', schema: schema({}) },
        { name: 'v2', served: true, storage: storage === 'v2', schema: schema({ tier: { type: 'string', default: 'standard' } }) },
      ],
    },
  };
}
