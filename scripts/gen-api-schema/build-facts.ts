// Joins what the three upstream sources say about one package into PackageFacts: generated.proto
// (messages, field numbers, types, markers in comments), the Go types (JSON names, pointer,
// omitempty, inline, patch tags) and register.go (group, version, kinds).
import type { FieldFacts, FieldType, ListType, MapType, MapValueType, MessageFacts, MessageShape, PackageFacts } from '../../pkg/api/schema/facts';
import { isScalarType, modelNameOf } from '../../pkg/api/schema/facts';
import type { GoField, GoFile, GoStruct } from './go-types-parser';
import type { ProtoFile, ProtoMessage } from './proto-parser';
import { markersOf } from './proto-parser';
import type { RegisterFacts } from './register-parser';

export interface PackageSources {
  readonly proto: ProtoFile;
  readonly goFiles: readonly GoFile[];
  readonly register?: RegisterFacts;
  /** Imports of register.go, to resolve `&metav1.Status{}`. */
  readonly registerImports?: ReadonlyMap<string, string>;
}

export interface BuildResult {
  readonly packages: readonly PackageFacts[];
  readonly warnings: readonly string[];
}

/** `k8s.io.api.apps.v1` → `apps/v1`; `k8s.io.apimachinery.pkg.apis.meta.v1` → `meta/v1`. */
export function packageKeyOf(protoPackage: string): string | undefined {
  let m = /^k8s\.io\.api\.([a-z0-9]+)\.([a-z0-9]+)$/.exec(protoPackage);
  if (m) return `${m[1]}/${m[2]}`;
  m = /^k8s\.io\.apimachinery\.pkg\.apis\.meta\.([a-z0-9]+)$/.exec(protoPackage);
  if (m) return `meta/${m[1]}`;
  m = /^k8s\.io\.kube_aggregator\.pkg\.apis\.apiregistration\.([a-z0-9]+)$/.exec(protoPackage);
  if (m) return `apiregistration/${m[1]}`;
  switch (protoPackage) {
    case 'k8s.io.apimachinery.pkg.runtime':
      return 'runtime';
    case 'k8s.io.apimachinery.pkg.api.resource':
      return 'resource';
    case 'k8s.io.apimachinery.pkg.util.intstr':
      return 'intstr';
    default:
      return undefined;
  }
}

/** Go import path → package key (`k8s.io/apimachinery/pkg/apis/meta/v1` → `meta/v1`). */
export function packageKeyOfImport(importPath: string): string | undefined {
  return packageKeyOf(importPath.replace(/\//g, '.'));
}

/** The apimachinery types whose JSON form is not their protobuf structure. */
const WELL_KNOWN: ReadonlyMap<string, MessageShape> = new Map<string, MessageShape>([
  ['meta/v1.Time', 'time'],
  ['meta/v1.MicroTime', 'micro-time'],
  ['meta/v1.Duration', 'duration'],
  ['meta/v1.FieldsV1', 'raw-json'],
  ['resource.Quantity', 'quantity'],
  ['intstr.IntOrString', 'int-or-string'],
  ['runtime.RawExtension', 'raw-json'],
  ['runtime.Unknown', 'raw-json'],
]);

export function buildFacts(sources: readonly PackageSources[]): BuildResult {
  const warnings: string[] = [];
  const byKey = new Map<string, PackageSources>();
  for (const s of sources) {
    const key = packageKeyOf(s.proto.package);
    if (!key) throw new Error(`protobuf package ${s.proto.package} has no package key; expected k8s.io.api.<group>.<version> or a known apimachinery package`);
    byKey.set(key, s);
  }
  const structOf = (key: string, name: string): GoStruct | undefined => {
    const src = byKey.get(key);
    if (!src) return undefined;
    let best: GoStruct | undefined;
    for (const f of src.goFiles) {
      for (const st of f.structs) {
        if (st.name !== name) continue;
        const tagged = st.fields.filter((x) => x.protoNumber !== undefined).length;
        if (!best || tagged > best.fields.filter((x) => x.protoNumber !== undefined).length) best = st;
      }
    }
    return best;
  };
  const namedTypeOf = (key: string, name: string): { text: string; file: GoFile } | undefined => {
    for (const f of byKey.get(key)?.goFiles ?? []) {
      const text = f.namedTypes.get(name);
      if (text !== undefined) return { text, file: f };
    }
    return undefined;
  };
  const messageExists = (id: string): boolean => {
    const dot = id.lastIndexOf('.');
    return byKey.get(id.slice(0, dot))?.proto.messages.some((m) => m.name === id.slice(dot + 1)) ?? false;
  };

  const packages: PackageFacts[] = [];
  for (const [key, src] of [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const resolveType = (text: string, where: string): FieldType => {
      if (isScalarType(text)) return { kind: 'scalar', scalar: text };
      if (text.startsWith('.')) {
        const full = text.slice(1);
        const dot = full.lastIndexOf('.');
        const refKey = packageKeyOf(full.slice(0, dot));
        if (!refKey) throw new Error(`${where}: type ${text} is in an unknown protobuf package`);
        return { kind: 'message', ref: `${refKey}.${full.slice(dot + 1)}` };
      }
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) return { kind: 'message', ref: `${key}.${text}` };
      throw new Error(`${where}: type ${text} is neither a scalar, a local message nor a fully qualified name`);
    };

    const messages: MessageFacts[] = src.proto.messages.map((pm) => {
      const id = `${key}.${pm.name}`;
      const msgMarkers = markersOf(pm.comments);
      let shape: MessageShape = WELL_KNOWN.get(id) ?? 'object';
      let goStruct = structOf(key, pm.name);
      if (!goStruct && shape === 'object') {
        const named = namedTypeOf(key, pm.name);
        if (named && named.text.startsWith('[]')) {
          shape = 'list-wrapper';
          if (pm.fields.length !== 1 || pm.fields[0]!.label !== 'repeated') warnings.push(`${id}: named slice type whose message is not one repeated field`);
        } else if (named) {
          const alias = /^([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(named.text);
          const importPath = alias ? named.file.imports.get(alias[1]!) : undefined;
          const otherKey = importPath ? packageKeyOfImport(importPath) : undefined;
          if (alias && otherKey) goStruct = structOf(otherKey, alias[2]!);
          if (!goStruct) warnings.push(`${id}: Go type ${named.text} could not be resolved to a struct`);
        } else {
          warnings.push(`${id}: no Go type found; JSON traits guessed from markers`);
        }
      }
      const typeMeta = goStruct?.fields.some((f) => f.embedded && f.inline && f.protoNumber === undefined && /(^|\.)TypeMeta$/.test(f.goType)) ?? false;
      if (goStruct && shape === 'object') {
        for (const gf of goStruct.fields) {
          if (gf.protoNumber === undefined && !gf.jsonSkip && !(gf.embedded && /(^|\.)TypeMeta$/.test(gf.goType))) {
            warnings.push(`${id}: Go field ${gf.goName} has no protobuf tag (JSON ${gf.jsonName || '(inline)'}); it is not in the facts`);
          }
        }
      }
      // The well-known types marshal by hand; their Go structs do not mirror the message.
      const fieldWarnings = shape === 'object' || shape === 'list-wrapper' ? warnings : [];
      const fields = pm.fields.map((pf) => buildField(id, pm, pf, goStruct, resolveType, fieldWarnings));
      const structType = msgMarkers.get('structType')?.[0];
      const msg: MessageFacts = {
        id,
        name: pm.name,
        packageKey: key,
        modelName: modelNameOf(src.proto.package, pm.name),
        shape,
        typeMeta,
        ...(structType === 'atomic' || structType === 'granular' ? { structType } : {}),
        fields,
      };
      return msg;
    });

    const reg = src.register;
    const kinds: string[] = [];
    for (const k of reg?.kinds ?? []) {
      let refKey: string | undefined = key;
      if (k.alias) {
        const path = src.registerImports?.get(k.alias);
        refKey = path ? packageKeyOfImport(path) : undefined;
      }
      const id = refKey ? `${refKey}.${k.name}` : undefined;
      if (!id || !messageExists(id)) {
        warnings.push(`${key}: registered kind ${k.alias ? `${k.alias}.` : ''}${k.name} has no protobuf message`);
        continue;
      }
      kinds.push(id);
    }
    const commonKinds =
      key === 'meta/v1' && reg ? ['WatchEvent', ...reg.optionsTypes].map((n) => `${key}.${n}`).filter((id) => messageExists(id)) : [];
    packages.push({
      key,
      protoPackage: src.proto.package,
      ...(reg?.group !== undefined ? { group: reg.group } : {}),
      ...(reg?.version !== undefined ? { version: reg.version } : {}),
      kinds,
      commonKinds,
      addsCommonKinds: reg?.addsCommonKinds ?? false,
      messages,
    });
  }

  // Every message reference must resolve.
  for (const p of packages) {
    for (const m of p.messages) {
      for (const f of m.fields) {
        const t = f.type.kind === 'map' ? f.type.value : f.type;
        if (t.kind === 'message' && !messageExists(t.ref)) throw new Error(`${m.id}.${f.jsonName}: message ${t.ref} is not defined in any package read`);
      }
    }
  }
  return { packages, warnings };
}

function buildField(
  id: string,
  pm: ProtoMessage,
  pf: ProtoMessage['fields'][number],
  goStruct: GoStruct | undefined,
  resolveType: (text: string, where: string) => FieldType,
  warnings: string[],
): FieldFacts {
  const where = `${id}.${pf.name}`;
  const markers = markersOf(pf.comments);
  const first = (...names: string[]): string | undefined => {
    for (const n of names) {
      const v = markers.get(n);
      if (v && v.length > 0) return v[0];
    }
    return undefined;
  };
  let type: FieldType;
  if (pf.label === 'map') {
    const keyType = resolveType(pf.mapKey ?? '', where);
    if (keyType.kind !== 'scalar') throw new Error(`${where}: map key type ${pf.mapKey} is not a scalar`);
    const value = resolveType(pf.type, where) as MapValueType;
    type = { kind: 'map', key: keyType.scalar, value };
  } else {
    type = resolveType(pf.type, where);
  }
  const gf: GoField | undefined = goStruct?.fields.find((f) => f.protoNumber === pf.number);
  if (goStruct && !gf) warnings.push(`${where}: no Go field with protobuf number ${pf.number} in ${pm.name}`);
  const jsonName = gf && !gf.inline && !gf.jsonSkip && gf.jsonName ? gf.jsonName : pf.name;
  if (gf && !gf.inline && !gf.jsonSkip && gf.jsonName && gf.jsonName !== pf.name) {
    warnings.push(`${where}: JSON name ${gf.jsonName} differs from the protobuf name`);
  }
  const optional = markers.has('optional') || markers.has('k8s:optional');
  const required = !optional && (markers.has('required') || markers.has('k8s:required'));
  const listTypeText = first('listType', 'k8s:listType');
  const listType: ListType | undefined = listTypeText === 'atomic' || listTypeText === 'set' || listTypeText === 'map' ? listTypeText : undefined;
  if (listTypeText !== undefined && !listType) warnings.push(`${where}: unknown listType ${listTypeText}`);
  const listMapKeys = markers.get('listMapKey') ?? markers.get('k8s:listMapKey') ?? [];
  const mapTypeText = first('mapType');
  const mapType: MapType | undefined = mapTypeText === 'atomic' || mapTypeText === 'granular' ? mapTypeText : undefined;
  const patchStrategy = gf?.patchStrategy ?? first('patchStrategy');
  const patchMergeKey = gf?.patchMergeKey ?? first('patchMergeKey');
  if (gf && (gf.patchStrategy ?? '') !== (first('patchStrategy') ?? '')) warnings.push(`${where}: patchStrategy tag and marker differ`);
  const field: FieldFacts = {
    jsonName,
    number: pf.number,
    type,
    repeated: pf.label === 'repeated',
    pointer: gf?.pointer ?? false,
    omitEmpty: gf ? gf.omitEmpty : optional,
    inline: gf?.inline ?? false,
    jsonSkip: gf?.jsonSkip ?? false,
    optional,
    required,
    ...(patchStrategy ? { patchStrategy } : {}),
    ...(patchMergeKey ? { patchMergeKey } : {}),
    ...(listType ? { listType } : {}),
    ...(listMapKeys.length > 0 ? { listMapKeys } : {}),
    ...(mapType ? { mapType } : {}),
  };
  return field;
}
