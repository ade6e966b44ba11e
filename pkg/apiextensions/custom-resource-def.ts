// The ResourceDefs a CustomResourceDefinition serves (one per served version), each with a strategy
// built from that version's structural schema: pruning, defaulting, schema and CEL validation.
import type { ResourceDef, Strategy, SubresourceDef, Verb } from '../api/resource-def';
import { ALL_VERBS } from '../api/resource-def';
import type { FieldError, KubeObject } from '../api/types';
import { metaUpdateValidator, metaValidator } from '../api/catalog/strategies/common';
import { isDNS1123Subdomain } from '../api/validation/names';
import { ApiError } from '../apiserver/errors';
import { CelRuleValidator } from './cel-rules';
import { applyDefaults } from './schema-defaults';
import { pruneObject } from './schema-prune';
import { SchemaValidator } from './schema-validate';
import type { CrdVersion, CustomResourceDefinition, JSONSchemaProps, PrinterColumn, ScaleSubresource } from './types';

/** What the server needs about a custom resource beyond its ResourceDef. */
export interface CustomResourceInfo {
  readonly crdName: string;
  readonly crdUid: string;
  readonly schema: JSONSchemaProps;
  readonly columns: readonly PrinterColumn[];
  readonly scale?: ScaleSubresource;
  /** The Warning every request to a deprecated version gets. */
  readonly deprecationWarning?: string;
  /** selectableFields as field-selector names (`spec.color`). */
  readonly selectableFields: readonly string[];
  /** Strict field validation: the fields pruning would drop. */
  unknownFields(obj: unknown): string[];
  prune(obj: unknown): void;
}

const OPEN_SCHEMA: JSONSchemaProps = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const TOP_LEVEL_TYPE_META = new Set(['apiVersion', 'kind', 'metadata', 'status']);

function versionStrategy(schema: JSONSchemaProps, hasStatus: boolean, namespaced: boolean, terminating: () => boolean): { main: Strategy; status: Strategy } {
  const validator = new SchemaValidator(schema);
  const validateMeta = metaValidator(namespaced, isDNS1123Subdomain);
  const validateMetaUpdate = metaUpdateValidator();
  const cel = new CelRuleValidator(schema);
  const generationPaths = [...new Set(['spec', ...Object.keys(schema.properties ?? {}).filter((k) => !TOP_LEVEL_TYPE_META.has(k))])];
  const defaults = (obj: KubeObject) => {
    pruneObject(schema, obj);
    applyDefaults(schema, obj);
  };
  const validate = (obj: KubeObject): FieldError[] => [...validateMeta(obj), ...validator.validate(obj), ...cel.validate(obj, undefined, false)];
  const validateUpdate = (obj: KubeObject, old: KubeObject): FieldError[] => [...validateMetaUpdate(obj, old), ...cel.validate(obj, old, true)];
  const main: Strategy = {
    defaults,
    // Objects read back (from any version's writes) are pruned and defaulted with this version's schema, as upstream.
    fromStorage(obj) {
      defaults(obj);
      return obj;
    },
    prepareForCreate(obj) {
      if (terminating()) throw new ApiError(405, 'MethodNotAllowed', 'create not allowed while custom resource definition is terminating');
      if (hasStatus) delete obj.status;
    },
    validate,
    validateUpdate,
    generationPaths: hasStatus ? generationPaths : [...generationPaths, 'status'],
  };
  const status: Strategy = { defaults, validate, validateUpdate };
  return { main, status };
}

/** The served versions of `crd` as ResourceDefs, preferred (highest priority) first; `infos` gets each one's extras. */
export function customResourceDefs(
  crd: CustomResourceDefinition,
  infos: WeakMap<ResourceDef, CustomResourceInfo>,
  compareVersions: (a: string, b: string) => number,
  terminating: () => boolean = () => false,
): ResourceDef[] {
  const spec = crd.spec;
  const names = spec.names;
  const served = spec.versions.filter((v) => v.served).sort((a, b) => compareVersions(a.name, b.name));
  const current = served.find((v) => !v.deprecated);
  const deprecation = (v: CrdVersion) =>
    v.deprecationWarning ?? `${spec.group}/${v.name} ${names.kind} is deprecated${current && current !== v ? `; use ${spec.group}/${current.name} ${names.kind}` : ''}`;
  return served.map((v: CrdVersion) => {
    const schema = v.schema?.openAPIV3Schema ?? OPEN_SCHEMA;
    const hasStatus = v.subresources?.status !== undefined;
    const { main, status } = versionStrategy(schema, hasStatus, spec.scope === 'Namespaced', terminating);
    const subresources: SubresourceDef[] = [];
    if (hasStatus) subresources.push({ name: 'status', kind: names.kind, verbs: ['get', 'patch', 'update'], strategy: status });
    if (v.subresources?.scale) subresources.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'], strategy: main });
    const def: ResourceDef = Object.freeze({
      group: spec.group,
      version: v.name,
      kind: names.kind,
      listKind: names.listKind ?? `${names.kind}List`,
      resource: names.plural,
      singular: names.singular ?? names.kind.toLowerCase(),
      namespaced: spec.scope === 'Namespaced',
      ...(names.shortNames?.length ? { shortNames: Object.freeze([...names.shortNames]) } : {}),
      ...(names.categories?.length ? { categories: Object.freeze([...names.categories]) } : {}),
      verbs: Object.freeze([...ALL_VERBS]) as readonly Verb[],
      ...(subresources.length ? { subresources: Object.freeze(subresources) } : {}),
      strategy: main,
      storageResource: `${spec.group}/${names.plural}`,
    });
    infos.set(def, {
      crdName: String(crd.metadata.name),
      crdUid: String(crd.metadata.uid),
      schema,
      columns: v.additionalPrinterColumns ?? [],
      ...(v.deprecated ? { deprecationWarning: deprecation(v) } : {}),
      selectableFields: (v.selectableFields ?? []).map((f) => f.jsonPath.replace(/^\./, '')),
      ...(v.subresources?.scale ? { scale: v.subresources.scale } : {}),
      unknownFields: (obj) => pruneObject(schema, structuredClone(obj)),
      prune: (obj) => void pruneObject(schema, obj),
    });
    return def;
  });
}
