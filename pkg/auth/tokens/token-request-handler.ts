// POST …/serviceaccounts/<name>/token: the TokenRequest API (authentication.k8s.io/v1) that
// `kubectl create token` and kubelets use. Issues a bound, expiring JWT for the service account,
// optionally bound to a Pod, Secret or Node (the token dies with that object).
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../api/types';
import { isObject } from '../../api/types';
import type { SubresourceHandler } from '../../apiserver/api-server';
import { errors } from '../../apiserver/errors';
import { asObjectOf, decodeBody } from '../../apiserver/handlers/decode-body';
import type { ResourceContext } from '../../apiserver/handlers/request-context';
import { writeJson } from '../../apiserver/http/respond';
import { boundTokenClaims, type ObjectRef } from './service-account-claims';
import type { ServiceAccountKeys } from './service-account-keys';
import { signJwt } from './jwt';

export const DEFAULT_EXPIRATION_SECONDS = 3600;
export const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
const GROUP = 'authentication.k8s.io';

export interface TokenRequestOptions {
  readonly keys: () => Promise<ServiceAccountKeys>;
  readonly issuer: string;
  /** Audiences of a token whose request names none: the API server's own. */
  readonly audiences: readonly string[];
  readonly now?: () => Date;
  readonly newId?: () => string;
}

const BINDABLE: Readonly<Record<string, 'pods' | 'secrets' | 'nodes'>> = { Pod: 'pods', Secret: 'secrets', Node: 'nodes' };

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function invalidSpec(name: string, field: string, detail: string): Error {
  return errors.invalid(GROUP, 'TokenRequest', name, [{ type: 'FieldValueInvalid', field, detail }]);
}

function audiencesOf(spec: Record<string, unknown>, name: string, fallback: readonly string[]): string[] {
  const a = spec.audiences;
  if (a === undefined || a === null) return [...fallback];
  if (!Array.isArray(a) || a.some((x) => typeof x !== 'string' || x === '')) throw invalidSpec(name, 'spec.audiences', 'Invalid value: must be a list of non-empty strings');
  return a.length === 0 ? [...fallback] : (a as string[]);
}

function expirationOf(spec: Record<string, unknown>, name: string): number {
  const e = spec.expirationSeconds;
  if (e === undefined || e === null) return DEFAULT_EXPIRATION_SECONDS;
  if (typeof e !== 'number' || !Number.isInteger(e)) throw invalidSpec(name, 'spec.expirationSeconds', `Invalid value: ${JSON.stringify(e)}: must be an integer number of seconds`);
  if (e < MIN_EXPIRATION_SECONDS) throw invalidSpec(name, 'spec.expirationSeconds', `Invalid value: ${e}: may not specify a duration less than 10 minutes`);
  if (e > MAX_EXPIRATION_SECONDS) throw invalidSpec(name, 'spec.expirationSeconds', `Invalid value: ${e}: may not specify a duration larger than 2^32 seconds`);
  return e;
}

async function resolveBinding(ctx: ResourceContext, saName: string, ref: unknown): Promise<{ kind: string; ref: ObjectRef; spec: Record<string, unknown> } | undefined> {
  if (ref === undefined || ref === null) return undefined;
  if (!isObject(ref)) throw errors.badRequest('spec.boundObjectRef must be an object');
  const kind = typeof ref.kind === 'string' ? ref.kind : '';
  const apiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : '';
  const name = typeof ref.name === 'string' ? ref.name : '';
  const uid = typeof ref.uid === 'string' ? ref.uid : '';
  const resource = BINDABLE[kind];
  if (!resource || (apiVersion !== '' && apiVersion !== 'v1')) throw errors.badRequest(`cannot bind token to object of type ${apiVersion || 'v1'}, Kind=${kind}`);
  if (name === '') throw invalidSpec(saName, 'spec.boundObjectRef.name', 'Required value');
  const def = ctx.services.catalog.lookup('', 'v1', resource);
  const store = def && ctx.services.stores.get(def);
  if (!store) throw errors.badRequest(`cannot bind token to ${kind} objects: this server does not serve ${resource}`);
  const obj: KubeObject = await store.get(resource === 'nodes' ? undefined : ctx.info.namespace, name);
  const actualUid = String(obj.metadata.uid ?? '');
  if (uid !== '' && uid !== actualUid) {
    throw errors.conflict('', resource, name, `the UID in the bound object reference (${uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  if (kind === 'Pod') {
    const podSa = (obj.spec as { serviceAccountName?: unknown } | undefined)?.serviceAccountName ?? 'default';
    if (podSa !== saName) throw errors.badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
  }
  return { kind, ref: { name, uid: actualUid }, spec: { kind, apiVersion: 'v1', name, uid: actualUid } };
}

export function createTokenRequestHandler(opts: TokenRequestOptions): SubresourceHandler {
  const now = opts.now ?? (() => new Date());
  const newId = opts.newId ?? randomUUID;
  return async (ctx) => {
    const namespace = ctx.info.namespace!;
    const name = ctx.info.name!;
    const body = await decodeBody(ctx, ['json', 'yaml', 'protobuf']);
    const req = asObjectOf(body.value, ctx.def, { kind: 'TokenRequest', group: GROUP, version: 'v1' });
    const spec = isObject(req.spec) ? req.spec : {};
    const audiences = audiencesOf(spec, name, opts.audiences);
    const expirationSeconds = expirationOf(spec, name);
    const sa = await ctx.store.get(namespace, name);
    const binding = await resolveBinding(ctx, name, spec.boundObjectRef);
    const issuedAt = now();
    const claims = boundTokenClaims({
      issuer: opts.issuer,
      audiences,
      namespace,
      serviceAccount: { name, uid: String(sa.metadata.uid ?? '') },
      ...(binding?.kind === 'Pod' ? { pod: binding.ref } : {}),
      ...(binding?.kind === 'Secret' ? { secret: binding.ref } : {}),
      ...(binding?.kind === 'Node' ? { node: binding.ref } : {}),
      now: issuedAt,
      expirationSeconds,
      id: newId(),
    });
    const token = signJwt(claims, (await opts.keys()).signing);
    writeJson(ctx.res, 201, {
      kind: 'TokenRequest',
      apiVersion: `${GROUP}/v1`,
      metadata: { name, namespace, creationTimestamp: rfc3339(issuedAt) },
      spec: { audiences, expirationSeconds, boundObjectRef: binding?.spec ?? null },
      status: { token, expirationTimestamp: rfc3339(new Date((claims.exp as number) * 1000)) },
    });
  };
}
