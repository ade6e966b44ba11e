// The declarative description of one served resource. Adding a resource to k3ts means adding one
// ResourceDef (plus its strategy, table and field selectors) to its group-version module.
import type { FieldError, KubeObject } from './types';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Per-resource behaviour (ARCHITECTURE rule 2): the generic store calls these, never `if (kind === …)`. */
export interface Strategy {
  /** Apply API defaults (upstream's SetDefaults_*). Mutates `obj`. Runs on create and update. */
  defaults?(obj: KubeObject): void;
  /** Reset fields the client may not set on create (status, generation…). Mutates `obj`. */
  prepareForCreate?(obj: KubeObject): void;
  /** Carry over what an update of the main resource may not change (status). Mutates `obj`. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void;
  /** Validation on create: returns every problem, mutates nothing. */
  validate?(obj: KubeObject): FieldError[];
  /** Validation on update (immutable fields…) in addition to `validate`. */
  validateUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /** Warnings returned to the client (Warning headers). */
  warnings?(obj: KubeObject, old?: KubeObject): string[];
  /** Whether deletion is graceful by default (pods: spec.terminationGracePeriodSeconds). */
  defaultGracePeriodSeconds?(obj: KubeObject): number;
  /**
   * Dot paths from the object root (`spec`, `metadata.annotations`) whose change bumps
   * metadata.generation; the store sets generation 1 on create when present. Absent: the resource
   * does not track generation (ConfigMap, Service, Node…).
   */
  readonly generationPaths?: readonly string[];
  /**
   * For resources stored in another resource's key space (`storageResource`): convert this
   * version's object into the stored form after validation, and back when reading. Identity when absent.
   */
  toStorage?(obj: KubeObject): KubeObject;
  fromStorage?(obj: KubeObject): KubeObject;
  /**
   * Finalizers kept outside metadata.finalizers (namespaces: spec.finalizers). While any remain, a
   * delete only marks the object (deletionTimestamp), and the update that clears the last of them
   * and of metadata.finalizers completes the deletion.
   */
  pendingFinalizers?(obj: KubeObject): readonly string[];
  /** Changes a delete makes when it only marks the object (namespaces: status.phase Terminating). Mutates `obj`. */
  prepareForDeletion?(obj: KubeObject): void;
}

/** A subresource served by the same store with another strategy (status) or a view (scale). */
export interface SubresourceDef {
  readonly name: string; // 'status' | 'scale' | 'log' | 'exec' | 'binding' | …
  readonly kind: string; // kind of the subresource's body (e.g. Scale) — same as parent for status
  readonly group?: string;
  readonly version?: string;
  readonly verbs: readonly Verb[];
  readonly strategy?: Strategy;
}

export interface TableColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly format?: string; // 'name' for the NAME column
  readonly description?: string;
  /** 0 = always shown, 1 = only with -o wide. */
  readonly priority: 0 | 1;
}

/** Table printing for one resource (kubectl get columns); registered in pkg/api/tables by group/resource. */
export interface TableDef {
  readonly columns: readonly TableColumn[];
  /** One cell per column, in order. `now` is injected so tests are deterministic. */
  row(obj: KubeObject, now: Date): unknown[];
}

export interface ResourceDef {
  readonly group: string; // '' for core
  readonly version: string;
  readonly kind: string;
  readonly listKind?: string; // default `${kind}List`
  readonly resource: string; // plural, lower case
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly verbs: readonly Verb[];
  readonly subresources?: readonly SubresourceDef[];
  readonly strategy: Strategy;
  /** Resources stored under another resource's key space (e.g. events.k8s.io/v1 events share core events). */
  readonly storageResource?: string;
  /** Time to live in seconds for stored objects (Events: 1 h). */
  readonly ttlSeconds?: number;
  /**
   * Never stored (access reviews, token reviews): the only verb is `create`, the body is defaulted
   * and validated by the strategy, then answered by the handler the server registers for this
   * group/resource (its response is the object with `status` filled in).
   */
  readonly createOnly?: boolean;
}
