// Deployment facts shared by the rollout code: annotations (revision, history, desired/max
// replicas), the pod-template-hash, maxSurge/maxUnavailable, template equality ignoring the hash,
// and the Available / Progressing / ReplicaFailure conditions with upstream's reasons.
import type { KubeObject } from '../../api/types';
import { asArray, asNumber, asObject, asString } from '../../api/validation/json';
import { int, type Condition } from '../internal/pods';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const POD_TEMPLATE_HASH = 'pod-template-hash';
/** Deployment annotations that are not copied to its ReplicaSets. */
const NOT_COPIED = new Set(['kubectl.kubernetes.io/last-applied-configuration', REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, 'deprecated.deployment.rollback.to']);

export const REASON = Object.freeze({
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  rsUpdated: 'ReplicaSetUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  failedRSCreate: 'FailedCreate',
  minimumAvailable: 'MinimumReplicasAvailable',
  minimumUnavailable: 'MinimumReplicasUnavailable',
});

export type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

export const spec = (o: KubeObject): Record<string, unknown> => asObject(o.spec) ?? {};
export const status = (o: KubeObject): Record<string, unknown> => asObject(o.status) ?? {};
export const replicasOf = (o: KubeObject): number => int(spec(o).replicas, 1);
export const statusCount = (o: KubeObject, field: string): number => int(status(o)[field], 0);
export const sum = (list: readonly KubeObject[], f: (o: KubeObject) => number): number => list.reduce((n, o) => n + f(o), 0);
export const activeOf = (list: readonly KubeObject[]): KubeObject[] => list.filter((rs) => replicasOf(rs) > 0);

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function revisionOf(o: KubeObject): number {
  const n = Number(o.metadata.annotations?.[REVISION] ?? '');
  return Number.isInteger(n) && n > 0 ? n : 0;
}

export function maxRevision(list: readonly KubeObject[]): number {
  return list.reduce((m, o) => Math.max(m, revisionOf(o)), 0);
}

const created = (o: KubeObject) => Date.parse(String(o.metadata.creationTimestamp ?? '')) || 0;
/** Oldest first, then by name (upstream's ReplicaSetsByCreationTimestamp). */
export const byCreation = (a: KubeObject, b: KubeObject): number => created(a) - created(b) || String(a.metadata.name).localeCompare(String(b.metadata.name));
export const byRevision = (a: KubeObject, b: KubeObject): number => revisionOf(a) - revisionOf(b) || byCreation(a, b);

export function isRollingUpdate(d: KubeObject): boolean {
  return asString(asObject(spec(d).strategy)?.type) !== 'Recreate';
}

/** An int-or-percent of `total`: percentages round up (surge) or down (unavailable). */
export function scaledValue(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(String(v ?? '0'));
  if (!m) return Number(v) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** [maxSurge, maxUnavailable] for a rolling update; both 0 would deadlock, so unavailable becomes 1. */
export function fenceposts(d: KubeObject): [number, number] {
  if (!isRollingUpdate(d)) return [0, 0];
  const ru = asObject(asObject(spec(d).strategy)?.rollingUpdate) ?? {};
  const want = replicasOf(d);
  const surge = scaledValue(ru.maxSurge ?? '25%', want, true);
  const unavailable = scaledValue(ru.maxUnavailable ?? '25%', want, false);
  return surge === 0 && unavailable === 0 ? [0, 1] : [surge, unavailable];
}

export const maxSurge = (d: KubeObject): number => fenceposts(d)[0];
export function maxUnavailable(d: KubeObject): number {
  const want = replicasOf(d);
  if (!isRollingUpdate(d) || want === 0) return 0;
  return Math.min(fenceposts(d)[1], want);
}

/** Deep equality of JSON values, insensitive to key order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((v, i) => jsonEqual(v, (b as unknown[])[i]));
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function withoutHash(template: unknown): unknown {
  const t = structuredClone(asObject(template) ?? {});
  const labels = asObject(asObject(t.metadata)?.labels);
  if (labels) {
    delete labels[POD_TEMPLATE_HASH];
    if (Object.keys(labels).length === 0) delete asObject(t.metadata)!.labels;
  }
  return t;
}

/** Whether two pod templates are the same but for the pod-template-hash label. */
export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  return jsonEqual(withoutHash(a), withoutHash(b));
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** pod-template-hash: FNV-1a (32 bit) of the template (and collision count), spelled without vowels. */
export function podTemplateHash(template: unknown, collisionCount?: number): string {
  let h = 0x811c9dc5;
  const feed = (bytes: Uint8Array) => {
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  };
  feed(new TextEncoder().encode(canonicalJson(withoutHash(template))));
  if (collisionCount !== undefined && collisionCount > 0) {
    const buf = new Uint8Array(4);
    new DataView(buf.buffer).setUint32(0, collisionCount, true);
    feed(buf);
  }
  return [...String(h >>> 0)].map((c) => SAFE_ALPHABET[Number(c)]!).join('');
}

// ---- conditions

export function conditions(o: KubeObject): Condition[] {
  return (asArray(status(o).conditions) ?? []).map((c) => asObject(c) as Condition).filter(Boolean);
}

export function getCondition(st: Record<string, unknown>, type: string): Condition | undefined {
  return (asArray(st.conditions) ?? []).map((c) => asObject(c) as Condition | undefined).find((c) => c?.type === type);
}

export function newCondition(type: string, st: 'True' | 'False' | 'Unknown', reason: string, message: string, nowMs: number): Condition {
  const t = rfc3339(nowMs);
  return { type, status: st, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/** Upstream's SetDeploymentCondition: same status and reason → unchanged; same status → keeps the transition time. */
export function setCondition(st: Record<string, unknown>, c: Condition): void {
  const cur = getCondition(st, c.type!);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  const next = cur && cur.status === c.status ? { ...c, lastTransitionTime: cur.lastTransitionTime } : c;
  st.conditions = [...(asArray(st.conditions) ?? []).filter((x) => asObject(x)?.type !== c.type), next];
}

export function removeCondition(st: Record<string, unknown>, type: string): void {
  const list = (asArray(st.conditions) ?? []).filter((x) => asObject(x)?.type !== type);
  if (list.length) st.conditions = list;
  else delete st.conditions;
}

export function progressDeadlineSeconds(d: KubeObject): number | undefined {
  const v = asNumber(spec(d).progressDeadlineSeconds);
  return v === undefined || v >= 2 ** 31 - 1 ? undefined : v;
}

// ---- annotations

/** Copies the deployment's annotations (but the rollout bookkeeping ones) onto `rs`; true when changed. */
export function copyAnnotations(d: KubeObject, rs: KubeObject): boolean {
  const target = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (NOT_COPIED.has(k) || target[k] === v) continue;
    target[k] = v;
    changed = true;
  }
  return changed;
}

/** The annotations a ReplicaSet of `d` carries at `revision`; true when `rs` changed. */
export function setNewReplicaSetAnnotations(d: KubeObject, rs: KubeObject, revision: number, exists: boolean): boolean {
  let changed = copyAnnotations(d, rs);
  const a = (rs.metadata.annotations ??= {});
  const oldText = a[REVISION];
  const old = Number(oldText ?? '0') || 0;
  if (old < revision) {
    a[REVISION] = String(revision);
    changed = true;
    // An old ReplicaSet brought back (rollback): remember the revisions it had.
    if (oldText) a[REVISION_HISTORY] = a[REVISION_HISTORY] ? `${a[REVISION_HISTORY]},${oldText}` : oldText;
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

export function setReplicasAnnotations(rs: KubeObject, desired: number, max: number): boolean {
  const a = (rs.metadata.annotations ??= {});
  if (a[DESIRED_REPLICAS] === String(desired) && a[MAX_REPLICAS] === String(max)) return false;
  a[DESIRED_REPLICAS] = String(desired);
  a[MAX_REPLICAS] = String(max);
  return true;
}

export function annotatedInt(o: KubeObject, key: string): number | undefined {
  const v = o.metadata.annotations?.[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}
