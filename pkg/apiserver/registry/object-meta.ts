// The metadata checks every resource shares (names and namespaces present). Name syntax, labels and
// annotations are checked by each resource's strategy with pkg/api/validation.
import type { ResourceDef } from '../../api/resource-def';
import type { FieldError, KubeObject } from '../../api/types';

export function validateObjectMeta(obj: KubeObject, def: ResourceDef, op: 'create' | 'update', _old?: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const meta = obj.metadata;
  if (!meta.name) {
    errs.push({ type: 'FieldValueRequired', field: 'metadata.name', detail: op === 'create' ? 'Required value: name or generateName is required' : 'Required value' });
  }
  if (def.namespaced && !meta.namespace) errs.push({ type: 'FieldValueRequired', field: 'metadata.namespace', detail: 'Required value' });
  return errs;
}
