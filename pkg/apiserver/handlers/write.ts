// CREATE, UPDATE (PUT), PATCH (json, merge, strategic, apply), DELETE and DELETECOLLECTION.
import { isObject, type KubeObject } from '../../api/types';
import { admitNamespace } from '../admission/namespace-lifecycle';
import { ApiError, errors } from '../errors';
import { writeJson } from '../http/respond';
import type { BodyFormat } from '../negotiation';
import { checkBodyShape } from '../registry/body-shape';
import { listObjects } from '../registry/list';
import type { DeleteOpts } from '../registry/store';
import { buildFilter } from './read';
import { admit } from './admit';
import { asObjectOf, decodeBody } from './decode-body';
import type { ResourceContext } from './request-context';

const OBJECT_FORMATS: readonly BodyFormat[] = ['json', 'yaml', 'protobuf'];
const PATCH_FORMATS: readonly BodyFormat[] = ['json-patch', 'merge-patch', 'strategic-merge-patch', 'apply-patch'];

function dryRun(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw errors.badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return values.length > 0;
}

function fieldManager(ctx: ResourceContext, required: boolean): string {
  const explicit = ctx.query.get('fieldManager');
  if (explicit !== null) {
    if (explicit.length > 128) throw errors.badRequest(`fieldManager: Too long: may not be more than 128 bytes`);
    if (!/^[\x20-\x7e]*$/.test(explicit)) throw errors.badRequest('fieldManager: Invalid value: must only contain printable characters');
    return explicit;
  }
  if (required) throw errors.badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  const ua = String(ctx.req.headers['user-agent'] ?? 'unknown');
  return ua.split('/')[0]!.slice(0, 128) || 'unknown';
}

type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

function fieldValidation(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation') ?? 'Warn';
  if (v !== 'Strict' && v !== 'Warn' && v !== 'Ignore') throw errors.badRequest(`fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`);
  return v;
}

/** Strict → 400 listing unknown fields; Warn → returns them as warnings. Warn and Ignore drop them from `obj`. */
function checkFields(ctx: ResourceContext, obj: unknown, mode: FieldValidation): string[] {
  const m = ctx.services.machinery;
  if (mode === 'Ignore') {
    m.pruneUnknownFields(ctx.def, obj);
    return [];
  }
  const unknown = m.unknownFields(ctx.def, obj);
  if (unknown.length === 0) return [];
  const texts = unknown.map((p) => `unknown field "${p}"`);
  if (mode === 'Strict') throw errors.badRequest(`strict decoding error: ${texts.join(', ')}`);
  m.pruneUnknownFields(ctx.def, obj);
  return texts;
}

export async function handleCreate(ctx: ResourceContext): Promise<void> {
  if (ctx.info.name !== undefined && !ctx.sub) throw errors.methodNotAllowed('POST', ctx.def.kind);
  if (ctx.def.createOnly) return handleCreateOnly(ctx);
  const body = await decodeBody(ctx, OBJECT_FORMATS);
  const obj = asObjectOf(body.value, ctx.def);
  const mode = fieldValidation(ctx.query);
  const warnings = checkFields(ctx, obj, mode);
  const isDry = dryRun(ctx.query);
  const manager = fieldManager(ctx, false);
  await admitNamespace(ctx, 'create');
  await admit(ctx, 'create', obj, undefined, isDry);
  const now = ctx.services.now();
  const created = await ctx.store.create(ctx.info.namespace, obj, { dryRun: isDry, track: (old, next) => ctx.services.machinery.trackUpdate(ctx.def, old, next, manager, now) });
  writeJson(ctx.res, 201, created, { warnings });
}

/** A resource that is never stored (reviews): defaults and validation, then the registered handler answers. */
async function handleCreateOnly(ctx: ResourceContext): Promise<void> {
  const handler = ctx.services.createOnly?.get(`${ctx.def.group}/${ctx.def.resource}`);
  if (!handler) throw new ApiError(404, 'NotFound', `${ctx.def.resource} are not served by this k3ts server`);
  const body = await decodeBody(ctx, OBJECT_FORMATS);
  const obj = asObjectOf(body.value, ctx.def);
  const warnings = checkFields(ctx, obj, fieldValidation(ctx.query));
  dryRun(ctx.query);
  const s = ctx.def.strategy;
  s.defaults?.(obj);
  const problems = s.validate?.(obj) ?? [];
  if (problems.length > 0) throw errors.invalid(ctx.def.group, ctx.def.kind, String(obj.metadata.name ?? ''), problems);
  const answer = await handler({ object: obj, user: ctx.user, namespace: ctx.info.namespace });
  writeJson(ctx.res, 201, answer, { warnings });
}

export async function handleUpdate(ctx: ResourceContext): Promise<void> {
  const body = await decodeBody(ctx, OBJECT_FORMATS);
  const obj = asObjectOf(body.value, ctx.def);
  const name = ctx.info.name!;
  if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
    throw errors.badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${name})`);
  }
  const mode = fieldValidation(ctx.query);
  const warnings = checkFields(ctx, obj, mode);
  const manager = fieldManager(ctx, false);
  const now = ctx.services.now();
  const isDry = dryRun(ctx.query);
  const result = await ctx.store.update(
    ctx.info.namespace,
    name,
    async (current) => {
      const desired = { ...obj, metadata: { ...obj.metadata, name } };
      await admit(ctx, 'update', desired, current, isDry);
      return desired;
    },
    {
    dryRun: isDry,
    subresource: ctx.info.subresource,
    track: (old, next) => ctx.services.machinery.trackUpdate(ctx.def, old, next, manager, now, ctx.info.subresource),
  });
  writeJson(ctx.res, result.created ? 201 : 200, result.object, { warnings });
}

export async function handlePatch(ctx: ResourceContext): Promise<void> {
  const body = await decodeBody(ctx, PATCH_FORMATS);
  const name = ctx.info.name!;
  const m = ctx.services.machinery;
  const now = ctx.services.now();
  const mode = fieldValidation(ctx.query);
  const isDry = dryRun(ctx.query);
  let warnings: string[] = [];
  if (body.format === 'apply-patch') {
    const manager = fieldManager(ctx, true);
    const force = ctx.query.get('force') === 'true';
    const applied = asObjectOf(body.value, ctx.def);
    if (applied.metadata.name !== undefined && applied.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${String(applied.metadata.name)}) does not match the name on the URL (${name})`);
    }
    warnings = checkFields(ctx, applied, mode);
    let creating = false;
    const result = await ctx.store.update(
      ctx.info.namespace,
      name,
      async (current) => {
        if (!current) {
          creating = true;
          await admitNamespace(ctx, 'create');
        }
        const next = m.apply(ctx.def, current, { ...applied, metadata: { ...applied.metadata, name } }, manager, force, now);
        await admit(ctx, current ? 'update' : 'create', next, current, isDry);
        return next;
      },
      { dryRun: isDry, subresource: ctx.info.subresource, allowCreate: !ctx.info.subresource, retryOnConflict: true },
    );
    return writeJson(ctx.res, result.created || creating ? 201 : 200, result.object, { warnings });
  }
  if (body.format === 'json-patch' ? !Array.isArray(body.value) : !isObject(body.value)) {
    throw errors.badRequest(body.format === 'json-patch' ? 'a JSON patch must be an array of operations' : 'a merge patch must be a JSON object');
  }
  const manager = fieldManager(ctx, false);
  const result = await ctx.store.update(
    ctx.info.namespace,
    name,
    async (current) => {
      if (!current) throw errors.notFound(ctx.def.group, ctx.def.resource, name);
      const patched = m.patch(body.format as 'json-patch' | 'merge-patch' | 'strategic-merge-patch', ctx.def, current, body.value);
      if (!isObject(patched) || !isObject(patched.metadata)) throw errors.badRequest('the patch removed the object metadata');
      checkBodyShape(patched);
      warnings = checkFields(ctx, patched, mode);
      await admit(ctx, 'update', patched, current, isDry);
      return patched;
    },
    { dryRun: isDry, subresource: ctx.info.subresource, retryOnConflict: true, track: (old, next) => m.trackUpdate(ctx.def, old, next, manager, now, ctx.info.subresource) },
  );
  writeJson(ctx.res, 200, result.object, { warnings });
}

async function deleteOptions(ctx: ResourceContext): Promise<DeleteOpts> {
  const q = ctx.query;
  let body: Record<string, unknown> = {};
  const hasBody = Number(ctx.req.headers['content-length'] ?? 0) > 0 || ctx.req.headers['transfer-encoding'] !== undefined;
  if (hasBody) {
    const decoded = await decodeBody(ctx, OBJECT_FORMATS);
    if (decoded.value !== null && !isObject(decoded.value)) throw errors.badRequest('DeleteOptions must be a JSON object');
    body = (decoded.value as Record<string, unknown> | null) ?? {};
  }
  const graceRaw = q.get('gracePeriodSeconds') ?? body.gracePeriodSeconds;
  let gracePeriodSeconds: number | undefined;
  if (graceRaw !== undefined && graceRaw !== null) {
    gracePeriodSeconds = Number(graceRaw);
    if (!Number.isInteger(gracePeriodSeconds)) throw errors.badRequest(`invalid gracePeriodSeconds "${String(graceRaw)}": expected an integer`);
    if (gracePeriodSeconds < 0) gracePeriodSeconds = 1;
  }
  const policy = q.get('propagationPolicy') ?? (body.propagationPolicy as string | undefined) ?? (body.orphanDependents === true || q.get('orphanDependents') === 'true' ? 'Orphan' : undefined);
  if (policy !== undefined && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
    throw errors.badRequest(`propagationPolicy: Unsupported value: "${policy}": supported values: "Background", "Foreground", "Orphan"`);
  }
  const bodyDry = Array.isArray(body.dryRun) && body.dryRun.includes('All');
  const pre = isObject(body.preconditions) ? body.preconditions : undefined;
  return {
    gracePeriodSeconds,
    propagationPolicy: policy,
    dryRun: dryRun(q) || bodyDry,
    preconditions: pre ? { uid: typeof pre.uid === 'string' ? pre.uid : undefined, resourceVersion: typeof pre.resourceVersion === 'string' ? pre.resourceVersion : undefined } : undefined,
  };
}

export async function handleDelete(ctx: ResourceContext): Promise<void> {
  const opts = await deleteOptions(ctx);
  await admitNamespace(ctx, 'delete');
  if (ctx.services.admission?.length) await admit(ctx, 'delete', undefined, await ctx.store.get(ctx.info.namespace, ctx.info.name!), opts.dryRun ?? false);
  const r = await ctx.store.delete(ctx.info.namespace, ctx.info.name!, opts);
  writeJson(ctx.res, !r.deleted && opts.propagationPolicy === 'Foreground' ? 202 : 200, r.object);
}

export async function handleDeleteCollection(ctx: ResourceContext): Promise<void> {
  const opts = await deleteOptions(ctx);
  const page = await listObjects(ctx.store, { namespace: ctx.info.namespace, filter: buildFilter(ctx) });
  const items: KubeObject[] = [];
  for (const obj of page.items) {
    try {
      items.push((await ctx.store.delete(obj.metadata.namespace, String(obj.metadata.name), opts)).object);
    } catch (e) {
      // Something else deleted it meanwhile: that is the outcome we wanted.
      if (!(e instanceof Error && 'code' in e && (e as { code: number }).code === 404)) throw e;
    }
  }
  writeJson(ctx.res, 200, { kind: ctx.def.listKind ?? `${ctx.def.kind}List`, apiVersion: ctx.def.group ? `${ctx.def.group}/${ctx.def.version}` : ctx.def.version, metadata: { resourceVersion: page.resourceVersion }, items });
}
