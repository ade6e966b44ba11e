// Whether a DaemonSet's pod belongs on a node (upstream's NodeShouldRunDaemonPod): the template's
// nodeName, nodeSelector and required node affinity must match, and every NoSchedule/NoExecute
// taint must be tolerated — with the tolerations every daemon pod gets (not-ready, unreachable,
// disk/memory/pid pressure, unschedulable, and network-unavailable for host-network pods). A pod
// already running stays while only NoSchedule taints are untolerated.
import type { KubeObject } from '../../api/types';
import { asArray, asObject, asString, type JsonRecord } from '../../api/validation/json';

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

interface Taint {
  key: string;
  value?: string;
  effect: string;
}

/** The tolerations upstream adds to every daemon pod. */
export function daemonTolerations(hostNetwork: boolean): Toleration[] {
  const t = (key: string, effect: string): Toleration => ({ key, operator: 'Exists', effect });
  return [
    t('node.kubernetes.io/not-ready', 'NoExecute'),
    t('node.kubernetes.io/unreachable', 'NoExecute'),
    t('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    t('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    t('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    t('node.kubernetes.io/unschedulable', 'NoSchedule'),
    ...(hostNetwork ? [t('node.kubernetes.io/network-unavailable', 'NoSchedule')] : []),
  ];
}

/** Adds (or replaces by key and effect) the daemon tolerations in a pod spec. */
export function withDaemonTolerations(podSpec: JsonRecord): Toleration[] {
  const extra = daemonTolerations(podSpec.hostNetwork === true);
  const existing = ((asArray(podSpec.tolerations) ?? []) as Toleration[]).filter((x) => !extra.some((e) => e.key === x.key && e.effect === x.effect));
  return [...existing, ...extra];
}

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if ((t.operator ?? 'Equal') === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

function matchExpression(req: JsonRecord, value: string | undefined): boolean {
  const values = (asArray(req.values) ?? []).map(String);
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const n = Number(value);
      const bound = Number(values[0]);
      if (value === undefined || !Number.isInteger(n) || !Number.isInteger(bound)) return false;
      return req.operator === 'Gt' ? n > bound : n < bound;
    }
    default:
      return false;
  }
}

/** Required node affinity: any term whose expressions (labels) and fields (metadata.name) all match. */
export function matchesNodeSelectorTerms(terms: unknown, node: KubeObject): boolean {
  const list = asArray(terms) ?? [];
  const labels = node.metadata.labels ?? {};
  return list.some((t) => {
    const term = asObject(t) ?? {};
    const exprs = (asArray(term.matchExpressions) ?? []).map((e) => asObject(e) ?? {});
    const fields = (asArray(term.matchFields) ?? []).map((e) => asObject(e) ?? {});
    if (!exprs.length && !fields.length) return false;
    return exprs.every((e) => matchExpression(e, labels[asString(e.key) ?? ''])) && fields.every((f) => asString(f.key) === 'metadata.name' && matchExpression(f, node.metadata.name));
  });
}

export interface Fit {
  /** A daemon pod should be created here. */
  readonly shouldRun: boolean;
  /** A daemon pod already here may stay. */
  readonly shouldContinueRunning: boolean;
}

export function nodeShouldRunDaemonPod(podSpec: JsonRecord, node: KubeObject): Fit {
  const no: Fit = { shouldRun: false, shouldContinueRunning: false };
  const nodeName = asString(podSpec.nodeName);
  if (nodeName && nodeName !== node.metadata.name) return no;
  const selector = (asObject(podSpec.nodeSelector) ?? {}) as Record<string, string>;
  const labels = node.metadata.labels ?? {};
  if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) return no;
  const required = asObject(asObject(asObject(podSpec.affinity)?.nodeAffinity)?.requiredDuringSchedulingIgnoredDuringExecution);
  if (required && !matchesNodeSelectorTerms(required.nodeSelectorTerms, node)) return no;
  const tolerations = withDaemonTolerations(podSpec);
  const taints = ((asArray(asObject(node.spec)?.taints) ?? []) as Taint[]).filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  const untolerated = taints.filter((taint) => !tolerations.some((t) => tolerates(t, taint)));
  return { shouldRun: untolerated.length === 0, shouldContinueRunning: untolerated.every((t) => t.effect !== 'NoExecute') };
}

/** The node a daemon pod is for: spec.nodeName, else the metadata.name its required affinity names. */
export function targetNodeName(pod: KubeObject): string | undefined {
  const spec = asObject(pod.spec) ?? {};
  const direct = asString(spec.nodeName);
  if (direct) return direct;
  const terms = asArray(asObject(asObject(asObject(asObject(spec.affinity)?.nodeAffinity)?.requiredDuringSchedulingIgnoredDuringExecution))?.nodeSelectorTerms) ?? [];
  for (const t of terms) {
    for (const f of asArray(asObject(t)?.matchFields) ?? []) {
      const field = asObject(f) ?? {};
      const values = asArray(field.values) ?? [];
      if (field.key === 'metadata.name' && field.operator === 'In' && values.length === 1) return String(values[0]);
    }
  }
  return undefined;
}

/** Required node affinity reduced to this node by name (upstream's ReplaceDaemonSetPodNodeNameNodeAffinity). */
export function affinityForNode(affinity: unknown, nodeName: string): JsonRecord {
  const a = structuredClone(asObject(affinity) ?? {});
  const na = asObject(a.nodeAffinity) ?? {};
  na.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] };
  a.nodeAffinity = na;
  return a;
}
