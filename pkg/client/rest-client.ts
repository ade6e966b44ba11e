// A typed REST client for the Kubernetes API over any Transport (HTTPS with client certificates in
// production). JSON only. Failures are StatusErrors (code, reason, details) or ClientErrors.
import type { KubeObject } from '../api/types';
import { deadline } from './deadline';
import { ClientError, statusErrorFrom } from './errors';
import { apiVersionOf, resourcePath, type ResourceRef } from './resource-ref';
import { readText, type HttpMethod, type Transport } from './transport';
import { watchStreamOf, type WatchStream } from './watch-stream';

export interface RestClientConfig {
  readonly transport: Transport;
  /** Sent as User-Agent; the server derives the default field manager from it. */
  readonly userAgent?: string;
  /** Deadline for one non-watch request (default 30 s). */
  readonly requestTimeoutMs?: number;
}

export interface ListMeta {
  readonly resourceVersion?: string;
  readonly continue?: string;
  readonly remainingItemCount?: number;
}

export interface ObjectList<T extends KubeObject = KubeObject> {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: ListMeta;
  readonly items: T[];
}

export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  /** Ask for PartialObjectMetadata (metadata only, far smaller for caches that need no spec). */
  readonly metadataOnly?: boolean;
  readonly signal?: AbortSignal;
}

export interface WatchOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Start after this version; '' or absent = send the current state first. */
  readonly resourceVersion?: string;
  readonly allowWatchBookmarks?: boolean;
  readonly timeoutSeconds?: number;
  readonly sendInitialEvents?: boolean;
  readonly metadataOnly?: boolean;
  readonly signal?: AbortSignal;
}

export interface WriteOptions {
  readonly dryRun?: boolean;
  readonly fieldManager?: string;
  readonly fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  readonly signal?: AbortSignal;
}

export interface UpdateOptions extends WriteOptions {
  /** `status`, `finalize`, `scale`… instead of the main resource. */
  readonly subresource?: string;
}

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

export interface PatchOptions extends UpdateOptions {
  /** Server-side apply: take ownership of conflicting fields. */
  readonly force?: boolean;
}

export interface DeleteOptions {
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly gracePeriodSeconds?: number;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
}

export interface DeleteCollectionOptions extends DeleteOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

const METADATA_LIST_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const METADATA_ACCEPT = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

function writeQuery(o: WriteOptions | undefined, extra: Record<string, string | boolean | undefined> = {}): string {
  return query({ dryRun: o?.dryRun ? 'All' : undefined, fieldManager: o?.fieldManager, fieldValidation: o?.fieldValidation, ...extra });
}

function deleteBody(o: DeleteOptions | undefined): string | undefined {
  if (!o || (o.propagationPolicy === undefined && o.gracePeriodSeconds === undefined && !o.preconditions && !o.dryRun)) return undefined;
  return JSON.stringify({
    kind: 'DeleteOptions',
    apiVersion: 'v1',
    ...(o.propagationPolicy ? { propagationPolicy: o.propagationPolicy } : {}),
    ...(o.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: o.gracePeriodSeconds } : {}),
    ...(o.preconditions ? { preconditions: o.preconditions } : {}),
    ...(o.dryRun ? { dryRun: ['All'] } : {}),
  });
}

export interface RawRequest {
  readonly method: HttpMethod;
  readonly path: string;
  readonly body?: string;
  readonly contentType?: string;
  readonly accept?: string;
  readonly signal?: AbortSignal;
}

export class RestClient {
  readonly #transport: Transport;
  readonly #userAgent: string;
  readonly #timeoutMs: number;

  constructor(cfg: RestClientConfig) {
    this.#transport = cfg.transport;
    this.#userAgent = cfg.userAgent ?? 'k3ts';
    this.#timeoutMs = cfg.requestTimeoutMs ?? 30_000;
  }

  /** The typed view of one resource. */
  resource<T extends KubeObject = KubeObject>(ref: ResourceRef): ResourceClient<T> {
    return new ResourceClient<T>(this, ref);
  }

  /** One non-watch request; resolves with the decoded JSON body, rejects with a StatusError on failure. */
  async request(r: RawRequest): Promise<unknown> {
    const limit = deadline(r.signal, this.#timeoutMs);
    let text: string;
    let status: number;
    try {
      const res = await this.#transport.send({ method: r.method, path: r.path, body: r.body, signal: limit.signal, headers: this.#headers(r) });
      status = res.status;
      text = await readText(res.body);
    } catch (e) {
      if (e instanceof ClientError && e.code === 'aborted' && limit.timedOut()) {
        throw new ClientError('transport', `${r.method} ${r.path} timed out after ${this.#timeoutMs} ms`, { cause: e });
      }
      throw e;
    } finally {
      limit.dispose();
    }
    let body: unknown = text;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        if (status < 400) throw new ClientError('decode', `${r.method} ${r.path} answered ${status} with a body that is not JSON: ${text.slice(0, 200)}`);
      }
    }
    if (status < 200 || status >= 300) throw statusErrorFrom(status, body);
    return body;
  }

  /** A streaming GET (watch): rejects with a StatusError when the server refuses it. */
  async stream<T extends KubeObject>(r: RawRequest): Promise<WatchStream<T>> {
    const res = await this.#transport.send({ method: r.method, path: r.path, signal: r.signal, headers: this.#headers(r) });
    if (res.status < 200 || res.status >= 300) {
      const text = await readText(res.body).catch(() => '');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text
      }
      throw statusErrorFrom(res.status, body);
    }
    return watchStreamOf<T>(res, r.signal);
  }

  #headers(r: RawRequest): Record<string, string> {
    return {
      Accept: r.accept ?? 'application/json',
      'User-Agent': this.#userAgent,
      ...(r.body !== undefined ? { 'Content-Type': r.contentType ?? 'application/json' } : {}),
    };
  }

  close(): void {
    this.#transport.close();
  }
}

/** get/list/watch/create/update/patch/delete on one resource. Namespaces are ignored for cluster-scoped ones. */
export class ResourceClient<T extends KubeObject = KubeObject> {
  constructor(private readonly client: RestClient, readonly ref: ResourceRef) {}

  #ns(obj: KubeObject, namespace?: string): string | undefined {
    return this.ref.namespaced ? (namespace ?? obj.metadata?.namespace) : undefined;
  }

  #name(obj: KubeObject): string {
    const name = obj.metadata?.name;
    if (typeof name !== 'string' || !name) throw new ClientError('invalid-argument', `a ${this.ref.kind} without metadata.name cannot be addressed; expected a named object`);
    return name;
  }

  #withType(obj: T): T {
    return { ...obj, apiVersion: obj.apiVersion ?? apiVersionOf(this.ref), kind: obj.kind ?? this.ref.kind };
  }

  async get(namespace: string | undefined, name: string, opts: { resourceVersion?: string; metadataOnly?: boolean; signal?: AbortSignal } = {}): Promise<T> {
    const path = resourcePath(this.ref, namespace, name) + query({ resourceVersion: opts.resourceVersion });
    return (await this.client.request({ method: 'GET', path, accept: opts.metadataOnly ? METADATA_ACCEPT : undefined, signal: opts.signal })) as T;
  }

  async list(namespace: string | undefined, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const path =
      resourcePath(this.ref, namespace) +
      query({ labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: opts.limit, continue: opts.continue, resourceVersion: opts.resourceVersion, resourceVersionMatch: opts.resourceVersionMatch });
    const body = (await this.client.request({ method: 'GET', path, accept: opts.metadataOnly ? METADATA_LIST_ACCEPT : undefined, signal: opts.signal })) as ObjectList<T>;
    if (!body || !Array.isArray(body.items)) throw new ClientError('decode', `listing ${this.ref.resource} returned no items array`);
    return { ...body, metadata: body.metadata ?? {} };
  }

  /** Every item, following `continue` tokens (pages of `pageSize`). */
  async listAll(namespace: string | undefined, opts: ListOptions & { pageSize?: number } = {}): Promise<ObjectList<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv: string | undefined;
    do {
      const page = await this.list(namespace, { ...opts, limit: opts.pageSize ?? 500, continue: cont, resourceVersion: cont ? undefined : opts.resourceVersion });
      items.push(...page.items);
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion;
    } while (cont);
    return { metadata: { resourceVersion: rv }, items };
  }

  watch(namespace: string | undefined, opts: WatchOptions = {}): Promise<WatchStream<T>> {
    const path =
      resourcePath(this.ref, namespace) +
      query({
        watch: 1,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        resourceVersion: opts.resourceVersion,
        allowWatchBookmarks: opts.allowWatchBookmarks ? true : undefined,
        timeoutSeconds: opts.timeoutSeconds,
        sendInitialEvents: opts.sendInitialEvents,
      });
    return this.client.stream<T>({ method: 'GET', path, accept: opts.metadataOnly ? METADATA_ACCEPT : undefined, signal: opts.signal });
  }

  async create(obj: T, opts: WriteOptions & { namespace?: string } = {}): Promise<T> {
    const path = resourcePath(this.ref, this.#ns(obj, opts.namespace)) + writeQuery(opts);
    return (await this.client.request({ method: 'POST', path, body: JSON.stringify(this.#withType(obj)), signal: opts.signal })) as T;
  }

  /** PUT; a metadata.resourceVersion in `obj` makes it conditional (409 Conflict when stale). */
  async update(obj: T, opts: UpdateOptions = {}): Promise<T> {
    const path = resourcePath(this.ref, this.#ns(obj), this.#name(obj), opts.subresource) + writeQuery(opts);
    return (await this.client.request({ method: 'PUT', path, body: JSON.stringify(this.#withType(obj)), signal: opts.signal })) as T;
  }

  updateStatus(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.update(obj, { ...opts, subresource: 'status' });
  }

  async patch(namespace: string | undefined, name: string, type: PatchType, patch: unknown, opts: PatchOptions = {}): Promise<T> {
    if (type === 'apply' && !opts.fieldManager) throw new ClientError('invalid-argument', 'a server-side apply patch needs a fieldManager');
    const path = resourcePath(this.ref, namespace, name, opts.subresource) + writeQuery(opts, { force: opts.force ? true : undefined });
    return (await this.client.request({ method: 'PATCH', path, body: JSON.stringify(patch), contentType: PATCH_CONTENT_TYPES[type], signal: opts.signal })) as T;
  }

  /** Returns the object as the server last stored it (with deletionTimestamp when only marked). */
  async delete(namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<T> {
    const path = resourcePath(this.ref, namespace, name) + query({ dryRun: opts.dryRun ? 'All' : undefined });
    return (await this.client.request({ method: 'DELETE', path, body: deleteBody(opts), signal: opts.signal })) as T;
  }

  async deleteCollection(namespace: string | undefined, opts: DeleteCollectionOptions = {}): Promise<ObjectList<T>> {
    const path = resourcePath(this.ref, namespace) + query({ labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, dryRun: opts.dryRun ? 'All' : undefined });
    return (await this.client.request({ method: 'DELETE', path, body: deleteBody(opts), signal: opts.signal })) as ObjectList<T>;
  }
}
