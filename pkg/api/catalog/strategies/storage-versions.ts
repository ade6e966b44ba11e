// internal.apiserver.k8s.io/v1alpha1 StorageVersion and storagemigration.k8s.io/v1beta1
// StorageVersionMigration. Facts from upstream 1.36:
// - A StorageVersion is named `<group>.<resource>` (group a DNS subdomain, resource a DNS-1035
//   label); its status lists each API server's encoding version (among its decodable versions),
//   a commonEncodingVersion that must equal the servers' shared one (absent when they differ), and
//   conditions with a unique qualified-name type and status, a reason and a message.
// - A migration names spec.resource (resource: DNS-1035 label, required; group: DNS subdomain) and
//   never changes its spec; its status.resourceVersion is a resource version set once; Succeeded
//   and Failed exclude each other and Running, and neither goes back to false once true.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, index, invalid, invalidEach, required } from '../../validation/errors';
import { asObject, asString, objectsOf } from '../../validation/json';
import { isDNS1035Label, isDNS1123Subdomain, isQualifiedName, type NameValidator } from '../../validation/names';
import { conditionTrue, validateConditions } from './conditions';
import { declarativeStatusStrategy, declarativeStrategy } from './declarative';

/** `<group>.<resource>`: the last dot splits the group from the resource. */
export const storageVersionName: NameValidator = (name) => {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return ['name must be in the form of <group>.<resource>'];
  return [...isDNS1123Subdomain(name.slice(0, dot)).map((m) => `the group segment ${m}`), ...isDNS1035Label(name.slice(dot + 1)).map((m) => `the resource segment ${m}`)];
};

function apiVersionProblems(apiVersion: string): string[] {
  const parts = apiVersion.split('/');
  if (parts.length > 2) return ["an apiVersion is a DNS-1035 label with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyVersion')"];
  const errs: string[] = [];
  const version = parts[parts.length - 1]!;
  if (parts.length === 2) {
    const group = parts[0]!;
    if (group === '') errs.push('group part: must be non-empty');
    else errs.push(...isDNS1123Subdomain(group).map((m) => `group part: ${m}`));
  }
  if (version === '') errs.push('version part: must be non-empty');
  else errs.push(...isDNS1035Label(version).map((m) => `version part: ${m}`));
  return errs;
}

function validateStorageVersionStatus(obj: KubeObject): FieldError[] {
  const status = asObject(obj.status) ?? {};
  const errs: FieldError[] = [];
  const encodings: string[] = [];
  for (const [sv, i] of objectsOf(status.storageVersions)) {
    const p = index('status.storageVersions', i);
    const id = asString(sv.apiServerID) ?? '';
    errs.push(...invalidEach(child(p, 'apiServerID'), id, isDNS1123Subdomain(id)));
    const encoding = asString(sv.encodingVersion) ?? '';
    encodings.push(encoding);
    const encodingErrs = apiVersionProblems(encoding);
    if (encodingErrs.length) errs.push(invalid(child(p, 'encodingVersion'), encoding, encodingErrs.join(',')));
    const decodable = Array.isArray(sv.decodableVersions) ? sv.decodableVersions : [];
    decodable.forEach((dv, j) => {
      const problems = apiVersionProblems(typeof dv === 'string' ? dv : '');
      if (problems.length) errs.push(invalid(index(child(p, 'decodableVersions'), j), dv, problems.join(',')));
    });
    if (!decodable.includes(encoding)) errs.push(invalid(child(p, 'decodableVersions'), decodable, `decodableVersions must include encodingVersion ${encoding}`));
  }
  const actual = encodings.length > 0 && encodings.every((e) => e === encodings[0]) ? encodings[0] : undefined;
  const declared = asString(status.commonEncodingVersion);
  if (actual === undefined && declared !== undefined) {
    errs.push(invalid('status.commonEncodingVersion', declared, 'should be nil if servers do not agree on the same encoding version, or if there is no server reporting the supported versions yet'));
  } else if (actual !== undefined && declared === undefined) {
    errs.push(invalid('status.commonEncodingVersion', null, `the common encoding version is ${actual}`));
  } else if (actual !== undefined && declared !== actual) {
    errs.push(invalid('status.commonEncodingVersion', declared, `the actual common encoding version is ${actual}`));
  }
  const seen = new Map<unknown, number>();
  for (const [c, i] of objectsOf(status.conditions)) {
    const p = index('status', i);
    const type = asString(c.type) ?? '';
    const first = seen.get(c.type);
    if (first !== undefined) errs.push(invalid(child(p, 'type'), type, `the type of the condition is not unique, it also appears in conditions[${first}]`));
    seen.set(c.type, i);
    errs.push(...invalidEach(child(p, 'type'), type, isQualifiedName(type)));
    errs.push(...invalidEach(child(p, 'status'), type, isQualifiedName(asString(c.status) ?? '')));
    if ((asString(c.reason) ?? '') === '') errs.push(required(child(p, 'reason'), 'reason cannot be empty'));
    if ((asString(c.message) ?? '') === '') errs.push(required(child(p, 'message'), 'message cannot be empty'));
  }
  return errs;
}

function storageVersionDefaults(obj: KubeObject): void {
  if (asObject(obj.spec) === undefined) obj.spec = {};
}

const storageVersionBase = declarativeStrategy({ namespaced: false, name: storageVersionName, defaults: storageVersionDefaults, hasStatus: true });

export const storageVersionStrategy: Strategy = Object.freeze({
  ...storageVersionBase,
  prepareForCreate(obj: KubeObject) {
    obj.status = {};
  },
});

export const storageVersionStatusStrategy: Strategy = declarativeStatusStrategy({ validateStatus: validateStorageVersionStatus });

function validateMigrationSpec(obj: KubeObject): FieldError[] {
  const resource = asObject(asObject(obj.spec)?.resource) ?? {};
  const errs: FieldError[] = [];
  const name = asString(resource.resource) ?? '';
  if (name === '') errs.push(required('spec.resource.resource', 'resource is required to be set'));
  else {
    const problems = isDNS1035Label(name);
    if (problems.length) errs.push(invalid('spec.resource.resource', name, problems.join(',')));
  }
  const group = asString(resource.group) ?? '';
  if (group !== '') {
    const problems = isDNS1123Subdomain(group);
    if (problems.length) errs.push(invalid('spec.resource.group', group, problems.join(',')));
  }
  return errs;
}

/** The migration condition types and the reasons the controller writes. */
export const MIGRATION_RUNNING = 'Running';
export const MIGRATION_SUCCEEDED = 'Succeeded';
export const MIGRATION_FAILED = 'Failed';

function validateMigrationStatus(obj: KubeObject, old: KubeObject): FieldError[] {
  const status = asObject(obj.status) ?? {};
  const oldStatus = asObject(old.status) ?? {};
  const errs: FieldError[] = [];
  const rv = status.resourceVersion;
  if (rv !== undefined && rv !== '' && !(typeof rv === 'string' && /^[0-9]+$/.test(rv))) errs.push(invalid('status.resourceVersion', rv ?? null, `resource version ${JSON.stringify(rv)} is not a valid resource version: expected a non-negative integer`));
  errs.push(...validateConditions(status.conditions, 'status.conditions'));
  const oldRv = asString(oldStatus.resourceVersion) ?? '';
  if (oldRv !== '' && oldRv !== rv) errs.push(invalid('status.resourceVersion', rv ?? '', 'field is immutable'));
  const succeeded = conditionTrue(status.conditions, MIGRATION_SUCCEEDED);
  const failed = conditionTrue(status.conditions, MIGRATION_FAILED);
  const running = conditionTrue(status.conditions, MIGRATION_RUNNING);
  const conds = status.conditions ?? [];
  if (succeeded && failed) errs.push(invalid('status.conditions', conds, 'Both success and failed conditions cannot be true at the same time'));
  if (succeeded && running) errs.push(invalid('status.conditions', conds, 'Running condition cannot be true when success condition is true'));
  if (failed && running) errs.push(invalid('status.conditions', conds, 'Running condition cannot be true when failed condition is true'));
  if (conditionTrue(oldStatus.conditions, MIGRATION_SUCCEEDED) && !succeeded) errs.push(invalid('status.conditions', conds, 'Success condition cannot be set to false once it is true'));
  if (conditionTrue(oldStatus.conditions, MIGRATION_FAILED) && !failed) errs.push(invalid('status.conditions', conds, 'Failed condition cannot be set to false once it is true'));
  return errs;
}

export const storageVersionMigrationStrategy: Strategy = declarativeStrategy({ namespaced: false, validate: validateMigrationSpec, immutable: ['spec'], hasStatus: true, generationPaths: ['spec'] });
export const storageVersionMigrationStatusStrategy: Strategy = declarativeStatusStrategy({ validateStatus: validateMigrationStatus });
