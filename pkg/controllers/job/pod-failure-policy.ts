// spec.podFailurePolicy: the first rule that matches a failed pod decides what its failure means —
// FailJob (the Job fails at once), Ignore (not counted toward backoffLimit), Count (the default
// handling). FailIndex needs backoffLimitPerIndex, which k3ts does not implement: it counts.
import type { KubeObject } from '../../api/types';
import { asArray, asNumber, asObject, asString, type JsonRecord } from '../../api/validation/json';

export type PodFailureAction = 'FailJob' | 'Ignore' | 'Count' | 'FailIndex';

export interface PodFailureMatch {
  /** Set when a FailJob rule matched: the FailureTarget condition's message. */
  readonly failJobMessage?: string;
  /** False when an Ignore rule matched. */
  readonly countFailed: boolean;
  readonly action?: PodFailureAction;
}

const NO_MATCH: PodFailureMatch = Object.freeze({ countFailed: true });

interface Terminated {
  readonly name: string;
  readonly exitCode: number;
}

function terminatedContainers(list: unknown): Terminated[] {
  const out: Terminated[] = [];
  for (const s of asArray(list) ?? []) {
    const o = asObject(s);
    const t = asObject(asObject(o?.state)?.terminated);
    const code = asNumber(t?.exitCode);
    if (t && code !== undefined) out.push({ name: asString(o?.name) ?? '', exitCode: code });
  }
  return out;
}

function matchExitCodes(pod: KubeObject, req: JsonRecord): Terminated | undefined {
  const container = asString(req.containerName);
  const values = (asArray(req.values) ?? []).map(Number);
  const op = asString(req.operator);
  const st = asObject(pod.status) ?? {};
  // App containers first, then init containers; exit code 0 never matches.
  for (const c of [...terminatedContainers(st.containerStatuses), ...terminatedContainers(st.initContainerStatuses)]) {
    if (c.exitCode === 0 || (container !== undefined && container !== c.name)) continue;
    const listed = values.includes(c.exitCode);
    if ((op === 'In' && listed) || (op === 'NotIn' && !listed)) return c;
  }
  return undefined;
}

function matchPodConditions(pod: KubeObject, patterns: unknown[]): string | undefined {
  for (const c of asArray(asObject(pod.status)?.conditions) ?? []) {
    const cond = asObject(c) ?? {};
    for (const p of patterns) {
      const pat = asObject(p) ?? {};
      if (cond.type === pat.type && cond.status === (asString(pat.status) ?? 'True')) return asString(cond.type);
    }
  }
  return undefined;
}

/** What the job's pod failure policy says about one failed pod (upstream's matchPodFailurePolicy). */
export function matchPodFailurePolicy(job: KubeObject, pod: KubeObject): PodFailureMatch {
  const policy = asObject(asObject(job.spec)?.podFailurePolicy);
  if (!policy) return NO_MATCH;
  const where = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
  const rules = asArray(policy.rules) ?? [];
  for (let i = 0; i < rules.length; i++) {
    const rule = asObject(rules[i]) ?? {};
    const action = asString(rule.action) as PodFailureAction | undefined;
    let failJobMessage: string | undefined;
    const onExit = asObject(rule.onExitCodes);
    const onConds = asArray(rule.onPodConditions);
    if (onExit) {
      const c = matchExitCodes(pod, onExit);
      if (!c) continue;
      failJobMessage = `Container ${c.name} for pod ${where} failed with exit code ${c.exitCode} matching FailJob rule at index ${i}`;
    } else if (onConds) {
      const type = matchPodConditions(pod, onConds);
      if (!type) continue;
      failJobMessage = `Pod ${where} has condition ${type} matching FailJob rule at index ${i}`;
    } else continue;
    switch (action) {
      case 'Ignore':
        return { countFailed: false, action };
      case 'FailJob':
        return { failJobMessage, countFailed: true, action };
      case 'Count':
      case 'FailIndex':
        return { countFailed: true, action };
      default:
        continue;
    }
  }
  return NO_MATCH;
}
