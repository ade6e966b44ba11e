// k3ts.io/v1: k3ts's own kinds. Addon (namespaced, kube-system by convention): one per manifest
// file in <data-dir>/server/manifests, written by the addon deployer (pkg/deploy) — spec.source is
// the file, spec.checksum its sha256, status.objects what was applied from it (for pruning). As in
// K3s (where Addon is a CRD), there is no status subresource: the deployer writes both.
import type { ResourceDef, Strategy, TableDef } from '../resource-def';
import type { FieldError, KubeObject } from '../types';
import { timeSince } from '../tables/human-duration';
import { invalid, required } from '../validation/errors';
import { asArray, asObject, asString } from '../validation/json';
import { nameIsDNSSubdomain } from '../validation/names';
import { defineResource } from './define';
import { metaUpdateValidator, metaValidator } from './strategies/common';

export const K3TS_GROUP = 'k3ts.io';

function validateAddon(obj: KubeObject): FieldError[] {
  const errs = metaValidator(true, nameIsDNSSubdomain)(obj);
  const spec = asObject(obj.spec);
  if (!spec) return [...errs, required('spec')];
  if (spec.source !== undefined && typeof spec.source !== 'string') errs.push(invalid('spec.source', spec.source, 'must be a string (the manifest file)'));
  const checksum = spec.checksum;
  if (checksum !== undefined && (typeof checksum !== 'string' || !/^[0-9a-f]{64}$/.test(checksum))) errs.push(invalid('spec.checksum', checksum, 'must be the sha256 of the manifest as 64 lower-case hex digits'));
  const objects = asObject(obj.status)?.objects;
  if (objects !== undefined) {
    const list = asArray(objects);
    if (!list) errs.push(invalid('status.objects', objects, 'must be a list'));
    else
      list.forEach((o, i) => {
        const ref = asObject(o);
        for (const f of ['apiVersion', 'kind', 'name']) if (!asString(ref?.[f])) errs.push(required(`status.objects[${i}].${f}`));
      });
  }
  return errs;
}

export const addonStrategy: Strategy = Object.freeze({
  validate: validateAddon,
  validateUpdate: metaUpdateValidator(),
  generationPaths: ['spec'],
});

/** `kubectl get addons`: NAME SOURCE CHECKSUM AGE. */
export const addonTable: TableDef = {
  columns: [
    { name: 'Name', type: 'string', format: 'name', priority: 0, description: 'Name of the Addon: the manifest file name without its extension.' },
    { name: 'Source', type: 'string', priority: 0, description: 'The manifest file the Addon was applied from.' },
    { name: 'Checksum', type: 'string', priority: 0, description: 'sha256 of the manifest file as last seen.' },
    { name: 'Age', type: 'string', priority: 0, description: 'Time since the Addon was created.' },
  ],
  row: (o, now) => {
    const spec = asObject(o.spec);
    return [o.metadata.name ?? '', asString(spec?.source) ?? '', asString(spec?.checksum) ?? '', timeSince(o.metadata.creationTimestamp, now)];
  },
};

export const k3tsV1: readonly ResourceDef[] = Object.freeze([
  defineResource({ group: K3TS_GROUP, version: 'v1', kind: 'Addon', resource: 'addons', singular: 'addon', namespaced: true, strategy: addonStrategy }),
]);
