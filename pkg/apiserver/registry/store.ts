// The one generic store (upstream's registry/generic Store): object metadata, strategies, optimistic
// concurrency, graceful deletion and finalizers on top of the storage Backend. Per-resource
// behaviour comes only from the ResourceDef's strategies.
import type { ResourceDef, Strategy } from '../../api/resource-def';
import type { FieldError, KubeObject } from '../../api/types';
import { clone } from '../../api/validation/json';
import type { Backend, KeyValue, ListOptions, ListResult, WatchEvent } from '../../storage/backend';
import { ConflictError, isStorageError } from '../../storage/errors';
import { ApiError, errors, toApiError } from '../errors';
import { apiVersionOf, decodeObject, encodeObject } from './codec';
import { deepEqual } from './deep-equal';
import { generationChanged, rfc3339, specPart } from './object-changes';
import { validateObjectMeta } from './object-meta';
import { SharedDecoder } from './shared-decoder';

export interface StoreContext {
  readonly backend: Backend;
  readonly now: () => Date;
  readonly newUid: () => string;
  readonly random: () => number;
}

export interface WriteOpts {
  readonly dryRun?: boolean;
  /** Records field ownership on the object as it will be stored (after defaulting). */
  readonly track?: (old: KubeObject | undefined, next: KubeObject) => KubeObject;
}

export interface UpdateOpts extends WriteOpts {
  /** `status` (or another subresource with its own strategy) instead of the main resource. */
  readonly subresource?: string;
  /** PUT/apply on a missing object creates it (upstream AllowCreateOnUpdate / apply). */
  readonly allowCreate?: boolean;
  /** Retry the mutation on a concurrent write (patch, apply); plain PUT with a resourceVersion never retries. */
  readonly retryOnConflict?: boolean;
}

export interface DeleteOpts extends WriteOpts {
  readonly gracePeriodSeconds?: number;
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
}

export interface UpdateResult {
  readonly object: KubeObject;
  readonly created: boolean;
}

export interface DeleteResult {
  readonly object: KubeObject;
  /** False when the object was only marked for deletion (finalizers or grace period pending). */
  readonly deleted: boolean;
}

export type Mutation = (current: KubeObject | undefined) => KubeObject | Promise<KubeObject>;

/** Told whether the write its hook began was stored (true) or abandoned (false). Never throws. */
export type FinishWrite = (stored: boolean) => Promise<void>;

/**
 * Work around a write that needs state kept outside the object (upstream's BeginCreate /
 * BeginUpdate / AfterDelete: service IP and node-port allocation). A begin hook runs once the
 * object is prepared and valid, may still change it (or throw an ApiError to refuse), and its
 * finish function learns whether the write was stored. Status writes call no hooks.
 */
export interface StoreHooks {
  beginCreate?(obj: KubeObject, opts: { readonly dryRun: boolean }): Promise<FinishWrite>;
  beginUpdate?(obj: KubeObject, old: KubeObject, opts: { readonly dryRun: boolean }): Promise<FinishWrite>;
  /** After the object left storage (not when it was only marked for deletion). Never throws. */
  afterDelete?(obj: KubeObject): Promise<void>;
}

const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_CONFLICT_RETRIES = 16;

export { rfc3339 } from './object-changes';

export class Store {
  readonly prefixRoot: string;
  private readonly decoder: SharedDecoder;

  constructor(readonly def: ResourceDef, private readonly ctx: StoreContext, private readonly hooks: StoreHooks = {}) {
    this.prefixRoot = `/registry/${def.storageResource ?? def.resource}/`;
    this.decoder = new SharedDecoder((kv) => this.decode(kv), !def.strategy.toStorage && !def.strategy.fromStorage);
  }

  get group(): string {
    return this.def.group;
  }

  prefix(namespace?: string): string {
    return this.def.namespaced && namespace ? `${this.prefixRoot}${namespace}/` : this.prefixRoot;
  }

  key(namespace: string | undefined, name: string): string {
    return this.def.namespaced ? `${this.prefixRoot}${namespace ?? ''}/${name}` : `${this.prefixRoot}${name}`;
  }

  backendList(prefix: string, opts: ListOptions): Promise<ListResult> {
    return this.ctx.backend.list(prefix, opts);
  }

  backendWatch(prefix: string, fromRevision: number, signal: AbortSignal): AsyncIterable<readonly WatchEvent[]> {
    return this.ctx.backend.watch(prefix, { fromRevision }, signal);
  }

  currentRevision(): Promise<number> {
    return this.ctx.backend.currentRevision();
  }

  private encode(obj: KubeObject): Uint8Array {
    return encodeObject(this.def.strategy.toStorage ? this.def.strategy.toStorage(obj) : obj);
  }

  decode(kv: KeyValue): KubeObject {
    return decodeObject(kv, this.def);
  }

  /**
   * The object as just stored under `kv`, without parsing back the bytes written: `obj` (owned by
   * the caller, handed over) with the type and the new resourceVersion. Resources with a storage
   * conversion are decoded as usual.
   */
  private written(obj: KubeObject, kv: KeyValue): KubeObject {
    const s = this.def.strategy;
    if (s.toStorage || s.fromStorage) return this.decode(kv);
    return { ...obj, apiVersion: apiVersionOf(this.def), kind: this.def.kind, metadata: { ...obj.metadata, resourceVersion: String(kv.modRevision) } };
  }

  /**
   * decode() for the watch fan-out: every watcher of a commit gets the same decoded object, which
   * they must treat as read-only (the storage hub hands all of them the same event objects).
   */
  decodeShared(kv: KeyValue): KubeObject {
    return this.decoder.decodeShared(kv);
  }

  /** JSON.stringify of an object from decodeShared/decodeDeleted, computed once for all watchers. */
  sharedJson(obj: KubeObject): string {
    return this.decoder.sharedJson(obj);
  }

  /** The object a delete event removed, at the delete's revision (shared like decodeShared). */
  decodeDeleted(ev: WatchEvent): KubeObject {
    return this.decoder.decodeDeleted(ev);
  }

  private fail(e: unknown, name?: string): never {
    throw toApiError(e, { group: this.def.group, resource: this.def.resource, name });
  }

  private invalid(name: string, causes: FieldError[]): void {
    const seen = new Set<string>();
    const unique = causes.filter((c) => {
      const k = `${c.type}\0${c.field}\0${c.detail}`;
      return !seen.has(k) && (seen.add(k), true);
    });
    if (unique.length > 0) throw errors.invalid(this.def.group, this.def.kind, name, unique);
  }

  async getKv(namespace: string | undefined, name: string): Promise<KeyValue | undefined> {
    try {
      return (await this.ctx.backend.get(this.key(namespace, name))).kv;
    } catch (e) {
      return this.fail(e, name);
    }
  }

  async get(namespace: string | undefined, name: string): Promise<KubeObject> {
    const kv = await this.getKv(namespace, name);
    if (!kv) throw errors.notFound(this.def.group, this.def.resource, name);
    return this.decode(kv);
  }

  private generateName(base: string): string {
    let suffix = '';
    for (let i = 0; i < 5; i++) suffix += NAME_SUFFIX_ALPHABET[Math.floor(this.ctx.random() * NAME_SUFFIX_ALPHABET.length)];
    return `${base}${suffix}`;
  }

  /** Metadata the server owns on create, then strategy defaults, preparation and validation. */
  prepareCreate(namespace: string | undefined, input: KubeObject, track?: WriteOpts['track']): KubeObject {
    let obj: KubeObject = clone(input);
    const meta = (obj.metadata ??= {});
    if (!meta.name && meta.generateName) meta.name = this.generateName(String(meta.generateName));
    if (this.def.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace ?? meta.namespace;
    } else {
      delete meta.namespace;
    }
    meta.uid = this.ctx.newUid();
    meta.creationTimestamp = rfc3339(this.ctx.now());
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    const s = this.def.strategy;
    if (s.generationPaths) meta.generation = 1;
    else delete meta.generation;
    s.defaults?.(obj);
    s.prepareForCreate?.(obj);
    if (track) obj = track(undefined, obj);
    this.invalid(String(meta.name ?? ''), [...validateObjectMeta(obj, this.def, 'create'), ...(s.validate?.(obj) ?? [])]);
    return obj;
  }

  async create(namespace: string | undefined, input: KubeObject, opts: WriteOpts = {}): Promise<KubeObject> {
    const obj = this.prepareCreate(namespace, input, opts.track);
    const name = String(obj.metadata.name);
    if (opts.dryRun) {
      const existing = await this.getKv(namespace, name);
      if (existing) throw errors.alreadyExists(this.def.group, this.def.resource, name);
      await (await this.hooks.beginCreate?.(obj, { dryRun: true }))?.(false);
      return obj;
    }
    const finish = await this.hooks.beginCreate?.(obj, { dryRun: false });
    let stored = false;
    try {
      const res = await this.ctx.backend.create(this.key(namespace, name), this.encode(obj), this.def.ttlSeconds ? { lease: this.def.ttlSeconds } : {});
      stored = true;
      return this.written(obj, res.kv);
    } catch (e) {
      return this.fail(e, name);
    } finally {
      await finish?.(stored);
    }
  }

  private strategyFor(subresource?: string): Strategy {
    if (!subresource) return this.def.strategy;
    const sub = this.def.subresources?.find((s) => s.name === subresource);
    return sub?.strategy ?? this.def.strategy;
  }

  /** Combine the client's object with the stored one according to which part (main/status) is written. */
  private prepareUpdate(obj: KubeObject, old: KubeObject, subresource?: string): KubeObject {
    const next: KubeObject = clone(obj);
    const meta = (next.metadata ??= {});
    const oldMeta = old.metadata;
    if (meta.name !== undefined && meta.name !== oldMeta.name) {
      throw errors.badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${String(oldMeta.name)})`);
    }
    if (this.def.namespaced && meta.namespace && meta.namespace !== oldMeta.namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (meta.uid && meta.uid !== oldMeta.uid) {
      throw errors.conflict(this.def.group, this.def.resource, String(oldMeta.name), `Precondition failed: UID in precondition: ${String(meta.uid)}, UID in object meta: ${String(oldMeta.uid)}`);
    }
    meta.name = oldMeta.name;
    if (this.def.namespaced) meta.namespace = oldMeta.namespace;
    else delete meta.namespace;
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    if (oldMeta.deletionTimestamp) {
      meta.deletionTimestamp = oldMeta.deletionTimestamp;
      if (oldMeta.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    const hasStatusSub = this.def.subresources?.some((s) => s.name === 'status') ?? false;
    if (subresource === 'status') {
      // The status subresource writes status (and metadata), never spec.
      const keep = specPart(old);
      for (const k of Object.keys(specPart(next))) delete next[k];
      Object.assign(next, clone(keep));
    } else if (hasStatusSub && !(subresource && this.def.subresources?.find((s) => s.name === subresource)?.strategy)) {
      // (A subresource with its own strategy — CSR approval — decides what of status it writes.)
      if (old.status === undefined) delete next.status;
      else next.status = clone(old.status);
    }
    const paths = this.def.strategy.generationPaths;
    if (paths) {
      const prevGen = typeof oldMeta.generation === 'number' ? oldMeta.generation : 1;
      meta.generation = generationChanged(paths, next, old) ? prevGen + 1 : prevGen;
    } else {
      delete meta.generation;
    }
    return next;
  }

  /**
   * Read-modify-write with optimistic concurrency. `mutate` receives the current object (or
   * undefined when missing) and returns the desired one; a resourceVersion in it is a precondition.
   */
  async update(namespace: string | undefined, name: string, mutate: Mutation, opts: UpdateOpts = {}): Promise<UpdateResult> {
    const strategy = this.strategyFor(opts.subresource);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.getKv(namespace, name);
      const current = kv ? this.decoder.decodeOwned(kv) : undefined;
      const desired = await mutate(current ? clone(current) : undefined);
      if (!current) {
        if (!opts.allowCreate) throw errors.notFound(this.def.group, this.def.resource, name);
        if (desired.metadata?.resourceVersion) throw errors.notFound(this.def.group, this.def.resource, name);
        const body = { ...desired, metadata: { ...desired.metadata, name } };
        try {
          return { object: await this.create(namespace, body, opts), created: true };
        } catch (e) {
          if (e instanceof ApiError && e.reason === 'AlreadyExists' && opts.retryOnConflict && attempt < MAX_CONFLICT_RETRIES) continue;
          throw e;
        }
      }
      const rv = desired.metadata?.resourceVersion;
      if (rv && rv !== current.metadata.resourceVersion) {
        throw errors.conflict(this.def.group, this.def.resource, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      let next = this.prepareUpdate(desired, current, opts.subresource);
      strategy.defaults?.(next);
      strategy.prepareForUpdate?.(next, current);
      if (opts.track) next = opts.track(current, next);
      this.invalid(name, [...validateObjectMeta(next, this.def, 'update', current), ...(strategy.validate?.(next) ?? []), ...(strategy.validateUpdate?.(next, current) ?? [])]);
      delete next.metadata.resourceVersion;
      // As etcd3's GuaranteedUpdate: no write when the bytes would not change. Resources whose reads
      // convert the stored form (custom resources get their version's defaults) compare the bytes.
      const sameObject = deepEqual({ ...next, metadata: { ...next.metadata, resourceVersion: undefined } }, { ...current, metadata: { ...current.metadata, resourceVersion: undefined } });
      const unchanged = sameObject && (!this.def.strategy.fromStorage || Buffer.from(this.encode(next)).equals(Buffer.from(kv!.value)));
      if (unchanged) return { object: current, created: false };
      const begin = opts.subresource ? undefined : this.hooks.beginUpdate;
      if (opts.dryRun) {
        await (await begin?.call(this.hooks, next, current, { dryRun: true }))?.(false);
        return { object: { ...next, metadata: { ...next.metadata, resourceVersion: current.metadata.resourceVersion } }, created: false };
      }
      // An update that clears the last finalizer of an object being deleted completes the deletion.
      if (next.metadata.deletionTimestamp && (next.metadata.finalizers?.length ?? 0) === 0 && !this.gracePending(next) && (this.def.strategy.pendingFinalizers?.(next).length ?? 0) === 0) {
        try {
          const res = await this.ctx.backend.delete(this.key(namespace, name), { expectedModRevision: kv!.modRevision });
          await this.hooks.afterDelete?.(current);
          return { object: { ...next, metadata: { ...next.metadata, resourceVersion: String(res.revision) } }, created: false };
        } catch (e) {
          if (e instanceof ConflictError && !rv && attempt < MAX_CONFLICT_RETRIES) continue;
          return this.fail(e, name);
        }
      }
      const finish = await begin?.call(this.hooks, next, current, { dryRun: false });
      let stored = false;
      try {
        const res = await this.ctx.backend.update(this.key(namespace, name), this.encode(next), { expectedModRevision: kv!.modRevision, ...(this.def.ttlSeconds ? { lease: this.def.ttlSeconds } : {}) });
        stored = true;
        return { object: this.written(next, res.kv), created: false };
      } catch (e) {
        if (isStorageError(e, 'conflict') && (opts.retryOnConflict || !rv) && attempt < MAX_CONFLICT_RETRIES) continue;
        if (isStorageError(e, 'not-found') && attempt < MAX_CONFLICT_RETRIES) continue;
        return this.fail(e, name);
      } finally {
        await finish?.(stored);
      }
    }
  }

  /** Graceful deletion still counting down (pods on a node wait for the kubelet). */
  private gracePending(obj: KubeObject): boolean {
    return (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0;
  }

  async delete(namespace: string | undefined, name: string, opts: DeleteOpts = {}): Promise<DeleteResult> {
    for (let attempt = 0; ; attempt++) {
      const kv = await this.getKv(namespace, name);
      if (!kv) throw errors.notFound(this.def.group, this.def.resource, name);
      const current = this.decoder.decodeOwned(kv);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== current.metadata.uid) {
        throw errors.conflict(this.def.group, this.def.resource, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(current.metadata.uid)}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw errors.conflict(this.def.group, this.def.resource, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(current.metadata.resourceVersion)}`);
      }
      const next: KubeObject = clone(current);
      const meta = next.metadata;
      const finalizers = new Set(meta.finalizers ?? []);
      if (opts.propagationPolicy === 'Orphan') finalizers.add('orphan');
      if (opts.propagationPolicy === 'Foreground') finalizers.add('foregroundDeletion');
      const grace = opts.gracePeriodSeconds ?? this.def.strategy.defaultGracePeriodSeconds?.(current) ?? 0;
      const now = this.ctx.now();
      let mark = false;
      const held = (this.def.strategy.pendingFinalizers?.(current).length ?? 0) > 0;
      if (finalizers.size > 0 || held) {
        mark = true;
        if (finalizers.size > 0) meta.finalizers = [...finalizers];
        if (!meta.deletionTimestamp) {
          meta.deletionTimestamp = rfc3339(now);
          meta.deletionGracePeriodSeconds = 0;
        }
      }
      if (grace > 0) {
        const prev = meta.deletionGracePeriodSeconds;
        // A second delete may only shorten the grace period.
        if (!meta.deletionTimestamp || prev === undefined || grace < prev) {
          meta.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
          meta.deletionGracePeriodSeconds = grace;
        }
        mark = true;
      } else if (mark) {
        meta.deletionGracePeriodSeconds = 0;
      }
      if (mark) {
        this.def.strategy.prepareForDeletion?.(next);
        if (deepEqual(next, current)) return { object: current, deleted: false };
        if (opts.dryRun) return { object: next, deleted: false };
        try {
          const res = await this.ctx.backend.update(this.key(namespace, name), this.encode(next), { expectedModRevision: kv.modRevision });
          return { object: this.written(next, res.kv), deleted: false };
        } catch (e) {
          if (isStorageError(e, 'conflict') && attempt < MAX_CONFLICT_RETRIES) continue;
          return this.fail(e, name);
        }
      }
      if (opts.dryRun) return { object: current, deleted: true };
      try {
        const res = await this.ctx.backend.delete(this.key(namespace, name), { expectedModRevision: kv.modRevision });
        await this.hooks.afterDelete?.(current);
        return { object: { ...current, metadata: { ...current.metadata, resourceVersion: String(res.revision) } }, deleted: true };
      } catch (e) {
        if (isStorageError(e, 'conflict') && attempt < MAX_CONFLICT_RETRIES) continue;
        return this.fail(e, name);
      }
    }
  }
}
