// LimitRanger admission: new pods get the namespace's LimitRange defaults (default limits and
// defaultRequest requests for containers that state none, noted in the kubernetes.io/limit-ranger
// annotation), then containers, pods and claims are held to min, max and maxLimitRequestRatio.
import type { KubeObject } from '../../api/types';
import { asArray, asObject, type JsonRecord } from '../../api/validation/json';
import { canonicalQuantity, toQuantity } from '../../api/validation/quantity';
import type { AdmissionPlugin, AdmissionRequest } from '../../apiserver/authorization';
import { errors, groupResource } from '../../apiserver/errors';
import type { Store } from '../../apiserver/registry/store';
import { podCompute } from './quota-usage';
import { listIn } from './quota-admission';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

const nanos = (v: unknown): bigint | undefined => toQuantity(v)?.nanos;
const text = (v: unknown): string => canonicalQuantity(String(v));

function limitItems(ranges: readonly KubeObject[], type: string): JsonRecord[] {
  return ranges.flatMap((r) => (asArray(asObject(r.spec)?.limits) ?? []).map((l) => asObject(l) ?? {}).filter((l) => l.type === type));
}

/** min/max/ratio checks of one set of requests and limits; messages as upstream's. */
function check(item: JsonRecord, what: string, requests: Record<string, unknown>, limits: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [r, min] of Object.entries(asObject(item.min) ?? {})) {
    const req = nanos(requests[r]);
    const lim = nanos(limits[r]);
    if (req === undefined) out.push(`minimum ${r} usage per ${what} is ${text(min)}.  No request is specified`);
    else if (req < nanos(min)!) out.push(`minimum ${r} usage per ${what} is ${text(min)}, but request is ${text(requests[r])}`);
    if (lim !== undefined && lim < nanos(min)!) out.push(`minimum ${r} usage per ${what} is ${text(min)}, but limit is ${text(limits[r])}`);
  }
  for (const [r, max] of Object.entries(asObject(item.max) ?? {})) {
    const req = nanos(requests[r]);
    const lim = nanos(limits[r]);
    if (lim === undefined) out.push(`maximum ${r} usage per ${what} is ${text(max)}.  No limit is specified`);
    else if (lim > nanos(max)!) out.push(`maximum ${r} usage per ${what} is ${text(max)}, but limit is ${text(limits[r])}`);
    if (req !== undefined && req > nanos(max)!) out.push(`maximum ${r} usage per ${what} is ${text(max)}, but request is ${text(requests[r])}`);
  }
  for (const [r, ratio] of Object.entries(asObject(item.maxLimitRequestRatio) ?? {})) {
    const req = nanos(requests[r]);
    const lim = nanos(limits[r]);
    if (req === undefined || lim === undefined || req === 0n) continue;
    // limit/request > ratio, in integers: limit·10⁹ > ratio_nanos·request
    if (lim * 1_000_000_000n > nanos(ratio)! * req) out.push(`${r} max limit to request ratio per ${what} is ${text(ratio)}, but provided ratio is ${(Number(lim) / Number(req)).toFixed(6)}`);
  }
  return out;
}

export class LimitRangerAdmission implements AdmissionPlugin {
  readonly name = 'LimitRanger';

  constructor(
    private readonly limitRanges: Store,
    /** false = the namespace has no LimitRange (skip the read); undefined = unknown (read). */
    private readonly holds: (namespace: string) => boolean | undefined = () => undefined,
  ) {}

  async admit(req: AdmissionRequest): Promise<void> {
    const obj = req.object;
    if (req.operation !== 'create' || req.subresource || req.def.group !== '' || !req.namespace || !obj) return;
    if (req.def.resource !== 'pods' && req.def.resource !== 'persistentvolumeclaims') return;
    if (this.holds(req.namespace) === false) return;
    const ranges = await listIn(this.limitRanges, req.namespace);
    if (!ranges.length) return;
    const problems = req.def.resource === 'pods' ? this.#pod(obj, ranges) : this.#claim(obj, ranges);
    if (problems.length) {
      const name = obj.metadata.name ?? obj.metadata.generateName ?? '';
      throw errors.forbidden(`${groupResource(req.def.group, req.def.resource)} "${name}" is forbidden: ${problems.length === 1 ? problems[0] : `[${problems.join(', ')}]`}`);
    }
  }

  #pod(pod: KubeObject, ranges: readonly KubeObject[]): string[] {
    const spec = asObject(pod.spec) ?? {};
    const kinds = [...(asArray(spec.containers) ?? []).map((c) => ['container', c] as const), ...(asArray(spec.initContainers) ?? []).map((c) => ['init container', c] as const)];
    const containers = kinds.map(([, c]) => asObject(c) ?? {});
    const set: string[] = [];
    const items = limitItems(ranges, 'Container');
    kinds.forEach(([kind], i) => {
      const c = containers[i]!;
      const res = (c.resources = asObject(c.resources) ?? {});
      const limits = (res.limits = asObject(res.limits) ?? {});
      const requests = (res.requests = asObject(res.requests) ?? {});
      const setLimits = new Set<string>();
      const setRequests = new Set<string>();
      for (const item of items) {
        for (const [r, v] of Object.entries(asObject(item.default) ?? {})) {
          if (limits[r] !== undefined) continue;
          limits[r] = v;
          setLimits.add(r);
        }
        for (const [r, v] of Object.entries(asObject(item.defaultRequest) ?? {})) {
          if (requests[r] !== undefined) continue;
          // A stated limit below the default request becomes the request, as the API would default it.
          requests[r] = limits[r] !== undefined && nanos(limits[r])! < nanos(v)! ? limits[r] : v;
          setRequests.add(r);
        }
      }
      if (!Object.keys(limits).length) delete res.limits;
      if (!Object.keys(requests).length) delete res.requests;
      if (!Object.keys(res).length) delete c.resources;
      const name = String(c.name ?? '');
      if (setRequests.size) set.push(`${[...setRequests].sort().join(', ')} request for ${kind} ${name}`);
      if (setLimits.size) set.push(`${[...setLimits].sort().join(', ')} limit for ${kind} ${name}`);
    });
    if (set.length) pod.metadata.annotations = { ...pod.metadata.annotations, [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${set.join('; ')}` };
    const problems: string[] = [];
    for (const item of items) {
      for (const c of containers) {
        const res = asObject(c.resources) ?? {};
        // Requests default to limits when absent (as pod defaulting will do).
        const limits = asObject(res.limits) ?? {};
        const requests = { ...limits, ...(asObject(res.requests) ?? {}) };
        problems.push(...check(item, 'Container', requests, limits));
      }
    }
    const toText = (m: Map<string, bigint>) => Object.fromEntries([...m].map(([k, v]) => [k, `${v}n`]));
    for (const item of limitItems(ranges, 'Pod')) problems.push(...check(item, 'Pod', toText(podCompute(pod, 'requests')), toText(podCompute(pod, 'limits'))));
    return problems;
  }

  #claim(claim: KubeObject, ranges: readonly KubeObject[]): string[] {
    const requests = asObject(asObject(asObject(claim.spec)?.resources)?.requests) ?? {};
    const problems: string[] = [];
    for (const item of limitItems(ranges, 'PersistentVolumeClaim')) {
      // Claims state requests only: min and max both apply to them.
      for (const [bound, word, bad] of [
        ['min', 'minimum', (v: bigint, b: bigint) => v < b],
        ['max', 'maximum', (v: bigint, b: bigint) => v > b],
      ] as const) {
        for (const [r, b] of Object.entries(asObject(item[bound]) ?? {})) {
          const v = nanos(requests[r]);
          if (v === undefined) problems.push(`${word} ${r} usage per PersistentVolumeClaim is ${text(b)}.  No request is specified`);
          else if (bad(v, nanos(b)!)) problems.push(`${word} ${r} usage per PersistentVolumeClaim is ${text(b)}, but request is ${text(requests[r])}`);
        }
      }
    }
    return problems;
  }
}
