// Pod QoS class as the API server records it at creation (status.qosClass).
import { asObject, objectsOf, type JsonRecord } from '../../validation/json';
import { toQuantity } from '../../validation/quantity';

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const QOS_RESOURCES = ['cpu', 'memory'] as const;

function positive(list: unknown): Map<string, bigint> {
  const out = new Map<string, bigint>();
  const map = asObject(list) ?? {};
  for (const r of QOS_RESOURCES) {
    const q = toQuantity(map[r]);
    if (q && q.nanos > 0n) out.set(r, q.nanos);
  }
  return out;
}

/** BestEffort without any cpu/memory request or limit; Guaranteed when every container's requests equal complete limits. */
export function computePodQOS(spec: JsonRecord): QOSClass {
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let guaranteed = true;
  const add = (into: Map<string, bigint>, from: Map<string, bigint>) => {
    for (const [k, v] of from) into.set(k, (into.get(k) ?? 0n) + v);
  };
  const podLevel = asObject(spec.resources);
  const podReq = positive(podLevel?.requests);
  const podLim = positive(podLevel?.limits);
  if (podReq.size > 0 || podLim.size > 0) {
    add(requests, podReq);
    add(limits, podLim);
    if (podLim.size < QOS_RESOURCES.length) guaranteed = false;
  } else {
    for (const field of ['containers', 'initContainers']) {
      for (const [ctr] of objectsOf(spec[field])) {
        const res = asObject(ctr.resources);
        const req = positive(res?.requests);
        const lim = positive(res?.limits);
        add(requests, req);
        add(limits, lim);
        if (lim.size < QOS_RESOURCES.length) guaranteed = false;
      }
    }
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [k, v] of requests) if (limits.get(k) !== v) return 'Burstable';
    return 'Guaranteed';
  }
  return 'Burstable';
}
