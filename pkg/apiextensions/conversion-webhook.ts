// A CRD's conversion webhook: objects go out in one ConversionReview (the first of the CRD's
// conversionReviewVersions this server speaks, v1 or v1beta1), over the admission webhook client
// (url or service, caBundle, 30 s as upstream), and the answer is checked as upstream checks it:
// the review's type and uid, result Success, as many objects as sent, each at the desired
// apiVersion with its kind, name, namespace and uid unchanged. Of metadata only labels and
// annotations may change; everything else is restored from the object sent.
import type { KubeObject } from '../api/types';
import { validateAnnotations, validateLabels } from '../api/validation/labels';
import type { JsonRecord } from '../api/validation/json';
import { callWebhook, type WebhookEndpoints } from '../admission/webhook-client';
import type { ApiError } from '../apiserver/errors';
import { CONVERSION_REVIEW_VERSIONS } from './crd-conversion-validation';
import { conversionFailed } from './errors';
import type { WebhookClientConfig } from './types';

/** Converts objects between the versions of one kind (the seam the converting backend uses). */
export interface ObjectConverter {
  /**
   * `objects` (complete, with apiVersion and kind) at `desiredApiVersion`, in order; those already
   * there are not sent. `subject` names the input in messages (`g/v1, Kind=K`); `asList` words
   * errors as for a list. Throws an ApiError when conversion fails.
   */
  convert(objects: readonly KubeObject[], desiredApiVersion: string, subject: string, asList: boolean): Promise<KubeObject[]>;
}

export interface ConversionWebhookConfig {
  readonly clientConfig: WebhookClientConfig;
  readonly conversionReviewVersions: readonly string[];
  /** Upstream's conversion webhook client allows 30 s per call. */
  readonly timeoutSeconds?: number;
}

export const CONVERSION_TIMEOUT_SECONDS = 30;
const REVIEW_GROUP = 'apiextensions.k8s.io';

/** `group/version, Kind=kind`, as upstream prints a GroupVersionKind. */
export function gvkString(apiVersion: string, kind: string): string {
  const [g, v] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  return `${g}/${v}, Kind=${kind}`;
}

function rec(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function goType(v: unknown): string {
  if (v === null) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  return typeof v === 'string' ? 'string' : typeof v === 'number' ? 'float64' : typeof v === 'boolean' ? 'bool' : 'map[string]interface {}';
}

/** The original's metadata with the converted object's labels and annotations (upstream's restoreObjectMeta); a message when they are malformed. */
function restoreMetadata(original: KubeObject, converted: Record<string, unknown>): string | undefined {
  const answered = converted.metadata;
  if (answered === undefined) return 'missing metadata in converted object';
  const answeredMeta = rec(answered);
  if (!answeredMeta) return `invalid metadata of type ${goType(answered)} in converted object`;
  const meta: Record<string, unknown> = structuredClone(original.metadata ?? {});
  for (const field of ['labels', 'annotations'] as const) {
    const value = answeredMeta[field];
    if (value === undefined || value === null) {
      delete meta[field];
      continue;
    }
    const map = rec(value);
    if (!map) return `invalid metadata.${field} of type ${goType(value)} in converted object`;
    for (const [k, v] of Object.entries(map)) if (typeof v !== 'string') return `metadata.${field}[${k}] must be a string, but is ${goType(v)} in converted object`;
    const before = rec(meta[field]) ?? {};
    const changed = Object.keys(before).length !== Object.keys(map).length || Object.entries(map).some(([k, v]) => before[k] !== v);
    if (changed) {
      const errs = field === 'labels' ? validateLabels(map, 'metadata.labels') : validateAnnotations(map, 'metadata.annotation');
      if (errs.length > 0) return `[${errs.map((e) => `${e.field}: ${e.detail}`).join(', ')}]`;
    }
    meta[field] = map;
  }
  converted.metadata = meta;
  return undefined;
}

/** upstream's validateConvertedObject: kind, name, namespace and uid must survive conversion. */
function identityProblem(original: KubeObject, converted: Record<string, unknown>): string | undefined {
  const cm = rec(converted.metadata) ?? {};
  const om = original.metadata ?? {};
  const pairs: Array<[string, unknown, unknown]> = [
    ['kind', original.kind, converted.kind],
    ['name', om.name, cm.name],
    ['namespace', om.namespace, cm.namespace],
    ['UID', om.uid, cm.uid],
  ];
  for (const [what, a, b] of pairs) if ((a ?? '') !== (b ?? '')) return `must have the same ${what}: ${String(a ?? '')} != ${String(b ?? '')}`;
  return undefined;
}

export class ConversionWebhook implements ObjectConverter {
  private readonly reviewVersion: string | undefined;

  constructor(private readonly cfg: ConversionWebhookConfig, private readonly endpoints: WebhookEndpoints, private readonly newUid: () => string) {
    this.reviewVersion = cfg.conversionReviewVersions.find((v) => CONVERSION_REVIEW_VERSIONS.includes(v));
  }

  async convert(objects: readonly KubeObject[], desired: string, subject: string, asList: boolean): Promise<KubeObject[]> {
    const sent = objects.filter((o) => o.apiVersion !== desired);
    if (sent.length === 0) return [...objects];
    const converted = await this.call(sent, desired, subject);
    let next = 0;
    return objects.map((o) => (o.apiVersion === desired ? o : this.accept(o, converted[next], next++, desired, subject, asList)));
  }

  private fail(message: string): ApiError {
    return conversionFailed(message);
  }

  /** Checks one converted object against the one sent; returns it with metadata restored. */
  private accept(original: KubeObject, answer: unknown, i: number, desired: string, subject: string, asList: boolean): KubeObject {
    const obj = rec(answer);
    const at = asList ? `returned invalid converted object at index ${i + 1}` : 'returned invalid object at index 0';
    if (!obj) throw this.fail(`conversion webhook for ${subject} ${asList ? `returned invalid converted object at index ${i}` : 'failed'}: converted object is not a JSON object`);
    const [dg, dv] = desired.split('/', 2);
    const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
    if (apiVersion !== desired) throw this.fail(`conversion webhook for ${subject} ${at}: invalid groupVersion (expected ${dg}/${dv}, received ${apiVersion})`);
    if (obj.kind !== original.kind) throw this.fail(`conversion webhook for ${subject} ${at}: invalid kind (expected ${String(original.kind)}, received ${String(obj.kind ?? '')})`);
    const identity = identityProblem(original, obj);
    if (identity) throw this.fail(`conversion webhook for ${subject} ${asList ? at : 'returned invalid object'}: ${identity}`);
    const meta = restoreMetadata(original, obj);
    if (meta) throw this.fail(`conversion webhook for ${subject} ${asList ? `returned invalid metadata in object at index ${i + 1}` : 'returned invalid metadata'}: ${meta}`);
    return obj as KubeObject;
  }

  /** One ConversionReview round trip; the converted objects, exactly as many as sent. */
  private async call(objects: readonly KubeObject[], desired: string, subject: string): Promise<unknown[]> {
    const version = this.reviewVersion;
    if (!version) throw this.fail('no supported conversion review versions');
    const uid = this.newUid();
    const review = {
      kind: 'ConversionReview',
      apiVersion: `${REVIEW_GROUP}/${version}`,
      request: { uid, desiredAPIVersion: desired, objects },
      response: { uid: '', convertedObjects: null, result: { metadata: {} } },
    };
    const cc = this.cfg.clientConfig;
    const clientConfig: JsonRecord = {
      ...(cc.url !== undefined ? { url: cc.url } : {}),
      ...(cc.service ? { service: { namespace: cc.service.namespace, name: cc.service.name, port: cc.service.port ?? 443, ...(cc.service.path !== undefined ? { path: cc.service.path } : {}) } } : {}),
      ...(cc.caBundle ? { caBundle: cc.caBundle } : {}),
    };
    let body: JsonRecord;
    try {
      body = await callWebhook(this.endpoints, clientConfig, this.cfg.timeoutSeconds ?? CONVERSION_TIMEOUT_SECONDS, review as unknown as JsonRecord);
    } catch (e) {
      // The admission client words its failures for admission; conversion names the call alone.
      const cause = (e instanceof Error ? e.message : String(e)).replace(/^failed to call webhook: /, '');
      throw this.fail(`conversion webhook for ${subject} failed: ${cause}`);
    }
    const problem = this.reviewProblem(body, uid, version);
    if (problem) throw this.fail(`conversion webhook for ${subject} failed: ${problem}`);
    const converted = (rec(body.response)?.convertedObjects ?? []) as unknown;
    const list = Array.isArray(converted) ? converted : [];
    if (list.length !== objects.length) throw this.fail(`conversion webhook for ${subject} returned ${list.length} objects, expected ${objects.length}`);
    return list;
  }

  /** upstream's getConvertedObjectsFromResponse: what is wrong with the answer, if anything. */
  private reviewProblem(body: JsonRecord, uid: string, version: string): string | undefined {
    if (version === 'v1') {
      const got = gvkString(typeof body.apiVersion === 'string' ? body.apiVersion : '', typeof body.kind === 'string' ? body.kind : '');
      const want = gvkString(`${REVIEW_GROUP}/v1`, 'ConversionReview');
      if (got !== want) return `expected webhook response of ${want}, got ${got}`;
    }
    const response = rec(body.response);
    if (!response) return 'no response provided';
    if (version === 'v1' && response.uid !== uid) return `expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(typeof response.uid === 'string' ? response.uid : '')}`;
    const result = rec(response.result) ?? {};
    if (result.status !== 'Success') {
      if (typeof result.message === 'string' && result.message) return result.message;
      return `response.result.status was '${typeof result.status === 'string' ? result.status : ''}', not 'Success'`;
    }
    return undefined;
  }
}
