// core/v1 limitranges and resourcequotas.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, forbidden, index, invalid, key } from '../../validation/errors';
import { validateEnum } from '../../validation/fields';
import { asArray, asObject, clone, objectsOf } from '../../validation/json';
import { nameIsDNSSubdomain } from '../../validation/names';
import { validateObjectMetaUpdate } from '../../validation/object-meta';
import { compareQuantities, formatQuantity, type Quantity } from '../../validation/quantity';
import { canonicalizeResourceList, validateQuotaResourceName, validateResourceList } from '../../validation/resources';
import { metaValidator, preserveStatus, specOf, statusStrategy } from './common';

export const LIMIT_TYPES = ['Container', 'Pod', 'PersistentVolumeClaim'] as const;
const LIST_FIELDS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;

function defaultLimitRange(obj: KubeObject): void {
  for (const [item] of objectsOf(specOf(obj).limits)) {
    for (const f of LIST_FIELDS) canonicalizeResourceList(item[f]);
    if (item.type !== 'Container') continue;
    const def = asObject(item.default) ?? {};
    const defReq = asObject(item.defaultRequest) ?? {};
    for (const [k, v] of Object.entries(asObject(item.max) ?? {})) if (def[k] === undefined) def[k] = clone(v);
    for (const [k, v] of Object.entries(def)) if (defReq[k] === undefined) defReq[k] = clone(v);
    for (const [k, v] of Object.entries(asObject(item.min) ?? {})) if (defReq[k] === undefined) defReq[k] = clone(v);
    item.default = def;
    item.defaultRequest = defReq;
  }
}

function validateLimitRange(obj: KubeObject): FieldError[] {
  const errs = metaValidator(true, nameIsDNSSubdomain)(obj);
  for (const [item, i] of objectsOf(asObject(obj.spec)?.limits)) {
    const p = index('spec.limits', i);
    errs.push(...validateEnum(item.type, LIMIT_TYPES, child(p, 'type'), true));
    const lists: Record<string, Map<string, Quantity>> = {};
    for (const f of LIST_FIELDS) {
      const r = validateResourceList(item[f], child(p, f));
      errs.push(...r.errors);
      lists[f] = r.values;
    }
    if (item.type === 'Pod') {
      for (const f of ['default', 'defaultRequest']) {
        if (Object.keys(asObject(item[f]) ?? {}).length > 0) errs.push(forbidden(child(p, f), "may not be specified when `type` is 'Pod'"));
      }
    }
    const { max, min, default: def, defaultRequest: defReq, maxLimitRequestRatio: ratio } = lists as Record<(typeof LIST_FIELDS)[number], Map<string, Quantity>>;
    const cmp = (a: Map<string, Quantity>, b: Map<string, Quantity>, aName: string, bName: string, at: string) => {
      for (const [k, qa] of a) {
        const qb = b.get(k);
        if (qb && compareQuantities(qa, qb) > 0) errs.push(invalid(key(child(p, at), k), formatQuantity(qa), `${aName} value ${formatQuantity(qa)} is greater than ${bName} value ${formatQuantity(qb)}`));
      }
    };
    cmp(min, max, 'min', 'max', 'min');
    cmp(defReq, max, 'default request', 'max', 'defaultRequest');
    cmp(min, defReq, 'min', 'default request', 'min');
    cmp(def, max, 'default', 'max', 'default');
    cmp(defReq, def, 'default request', 'default', 'defaultRequest');
    for (const [k, q] of ratio) {
      if (q.nanos < 1_000_000_000n) errs.push(invalid(key(child(p, 'maxLimitRequestRatio'), k), formatQuantity(q), `ratio ${formatQuantity(q)} is less than 1`));
    }
  }
  return errs;
}

export const limitRangeStrategy: Strategy = Object.freeze({
  defaults: defaultLimitRange,
  validate: validateLimitRange,
  validateUpdate: (obj: KubeObject, old: KubeObject) => validateObjectMetaUpdate(obj.metadata, old.metadata),
});

export const QUOTA_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity', 'VolumeAttributesClass'] as const;

function validateQuota(obj: KubeObject): FieldError[] {
  const errs = metaValidator(true, nameIsDNSSubdomain)(obj);
  const spec = asObject(obj.spec) ?? {};
  errs.push(...validateResourceList(spec.hard, 'spec.hard', validateQuotaResourceName).errors);
  (asArray(spec.scopes) ?? []).forEach((s, i) => errs.push(...validateEnum(s, QUOTA_SCOPES, index('spec.scopes', i))));
  for (const [expr, i] of objectsOf(asObject(spec.scopeSelector)?.matchExpressions)) {
    const p = index('spec.scopeSelector.matchExpressions', i);
    errs.push(...validateEnum(expr.scopeName, QUOTA_SCOPES, child(p, 'scopeName'), true));
    errs.push(...validateEnum(expr.operator, ['In', 'NotIn', 'Exists', 'DoesNotExist'], child(p, 'operator'), true));
  }
  return errs;
}

function validateQuotaStatus(obj: KubeObject): FieldError[] {
  const status = asObject(obj.status) ?? {};
  return [...validateResourceList(status.hard, 'status.hard', validateQuotaResourceName).errors, ...validateResourceList(status.used, 'status.used', validateQuotaResourceName).errors];
}

export const resourceQuotaStrategy: Strategy = Object.freeze({
  defaults(obj: KubeObject) {
    canonicalizeResourceList(specOf(obj).hard);
    const status = asObject(obj.status);
    if (status) {
      canonicalizeResourceList(status.hard);
      canonicalizeResourceList(status.used);
    }
  },
  prepareForCreate(obj: KubeObject) {
    obj.status = {};
  },
  prepareForUpdate: preserveStatus,
  validate: validateQuota,
  validateUpdate: (obj: KubeObject, old: KubeObject) => validateObjectMetaUpdate(obj.metadata, old.metadata),
});

export const resourceQuotaStatusStrategy: Strategy = statusStrategy({ validateStatus: validateQuotaStatus });

