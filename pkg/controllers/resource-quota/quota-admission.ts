// ResourceQuota admission: a new object whose cost would take any quota of its namespace past
// spec.hard is refused (403 "exceeded quota: …"); pods must state the requests and limits a quota
// constrains. Admitted usage is added to the quotas' status.used at once, by conditional writes
// retried on conflicts, so concurrent creations cannot overshoot; the quota controller recounts.
import type { KubeObject } from '../../api/types';
import { asArray, asObject } from '../../api/validation/json';
import type { AdmissionPlugin, AdmissionRequest } from '../../apiserver/authorization';
import { ApiError, errors, groupResource } from '../../apiserver/errors';
import type { Store } from '../../apiserver/registry/store';
import { formatUsage, parseUsage, scopesMatch, usageOf } from './quota-usage';

const CONFLICT_RETRIES = 10;

export async function listIn(store: Store, namespace: string): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  let from: string | undefined;
  for (;;) {
    const page = await store.backendList(store.prefix(namespace), { continueFrom: from, limit: 500 });
    out.push(...page.kvs.map((kv) => store.decode(kv)));
    if (!page.more || page.kvs.length === 0) return out;
    from = page.kvs[page.kvs.length - 1]!.key;
  }
}

function forbidden(req: AdmissionRequest, message: string): ApiError {
  const name = req.object?.metadata.name ?? req.object?.metadata.generateName ?? req.name ?? '';
  return errors.forbidden(`${groupResource(req.def.group, req.def.resource)} "${name}" is forbidden: ${message}`);
}

/** Compute resources a pod must state because some quota limits them: `limits.cpu for: a,b`. */
function missingCompute(pod: KubeObject, hard: Record<string, unknown>): string[] {
  const out: string[] = [];
  const containers = [...(asArray(asObject(pod.spec)?.containers) ?? []), ...(asArray(asObject(pod.spec)?.initContainers) ?? [])].map((c) => asObject(c) ?? {});
  for (const [kind, names] of [
    ['requests', ['requests.cpu', 'cpu', 'requests.memory', 'memory']],
    ['limits', ['limits.cpu', 'limits.memory']],
  ] as const) {
    for (const n of names) {
      if (!(n in hard)) continue;
      const r = n.replace(/^(requests|limits)\./, '');
      const lacking = containers.filter((c) => asObject(asObject(c.resources)?.[kind])?.[r] === undefined).map((c) => String(c.name ?? ''));
      const label = `${kind}.${r}`;
      if (lacking.length && !out.some((x) => x.startsWith(`${label} `))) out.push(`${label} for: ${lacking.join(',')}`);
    }
  }
  return out;
}

export class ResourceQuotaAdmission implements AdmissionPlugin {
  readonly name = 'ResourceQuota';

  constructor(
    private readonly quotas: Store,
    private readonly now: () => Date,
    /** false = the namespace has no ResourceQuota (skip the read); undefined = unknown (read). */
    private readonly holds: (namespace: string) => boolean | undefined = () => undefined,
  ) {}

  async admit(req: AdmissionRequest): Promise<void> {
    const obj = req.object;
    if (req.operation !== 'create' || req.subresource || !req.def.namespaced || !req.namespace || !obj) return;
    if (this.holds(req.namespace) === false) return;
    const { group, resource } = req.def;
    const usage = usageOf(group, resource, obj, this.now().getTime());
    // Quotas already charged by an earlier attempt (a later one conflicted) are not charged again.
    const charged = new Set<string>();
    for (let attempt = 0; ; attempt++) {
      const writes: { quota: KubeObject; used: Record<string, string> }[] = [];
      for (const quota of await listIn(this.quotas, req.namespace)) {
        if (charged.has(String(quota.metadata.uid)) || !scopesMatch(quota, group, resource, obj)) continue;
        const name = String(quota.metadata.name);
        const hard = (asObject(asObject(quota.spec)?.hard) ?? {}) as Record<string, string>;
        if (group === '' && resource === 'pods') {
          const missing = missingCompute(obj, hard);
          if (missing.length) throw forbidden(req, `failed quota: ${name}: must specify ${missing.join('; ')}`);
        }
        const keys = Object.keys(hard).filter((k) => (usage.get(k) ?? 0n) > 0n).sort();
        if (!keys.length) continue;
        const used = { ...((asObject(asObject(quota.status)?.used) ?? {}) as Record<string, string>) };
        const unknown = keys.find((k) => used[k] === undefined);
        if (unknown) throw forbidden(req, `status unknown for quota: ${name}, resource: ${unknown}`);
        const over = keys.filter((k) => parseUsage(used[k]) + usage.get(k)! > parseUsage(hard[k]));
        if (over.length) {
          const list = (f: (k: string) => string) => over.map((k) => `${k}=${f(k)}`).join(',');
          throw forbidden(req, `exceeded quota: ${name}, requested: ${list((k) => formatUsage(k, usage.get(k)!))}, used: ${list((k) => used[k]!)}, limited: ${list((k) => hard[k]!)}`);
        }
        for (const k of keys) used[k] = formatUsage(k, parseUsage(used[k]) + usage.get(k)!);
        writes.push({ quota, used });
      }
      if (req.dryRun || !writes.length) return;
      try {
        for (const w of writes) {
          const st = { ...(asObject(w.quota.status) ?? {}), used: w.used };
          // The stored resourceVersion makes each write conditional on what was checked.
          await this.quotas.update(w.quota.metadata.namespace, String(w.quota.metadata.name), () => ({ ...w.quota, status: st }), { subresource: 'status' });
          charged.add(String(w.quota.metadata.uid));
        }
        return;
      } catch (e) {
        if (!(e instanceof ApiError && e.reason === 'Conflict') || attempt >= CONFLICT_RETRIES) throw e;
      }
    }
  }
}
