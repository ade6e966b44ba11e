// Merging a MutatingAdmissionPolicy's ApplyConfiguration into the object. Deviation from upstream
// (server-side apply with the schema's list types): maps merge recursively, a null value removes
// the field, lists of objects that all carry `name` merge by name, and other lists are replaced.
type Json = unknown;

function isMap(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function named(list: readonly Json[]): boolean {
  return list.every((x) => isMap(x) && typeof x.name === 'string');
}

function mergeLists(base: readonly Json[], patch: readonly Json[]): Json[] {
  if (!named(base) || !named(patch)) return [...patch];
  const out = [...base];
  for (const p of patch as Array<Record<string, Json>>) {
    const i = out.findIndex((x) => (x as Record<string, Json>).name === p.name);
    if (i >= 0) out[i] = mergeApplyConfiguration(out[i], p);
    else out.push(p);
  }
  return out;
}

export function mergeApplyConfiguration(base: Json, patch: Json): Json {
  if (isMap(base) && isMap(patch)) {
    const out: Record<string, Json> = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else out[k] = k in out ? mergeApplyConfiguration(out[k], v) : v;
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(patch)) return mergeLists(base, patch);
  return patch;
}
