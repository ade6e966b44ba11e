// Where an APIService's Service is reached: a ready address of its EndpointSlices for the Service
// port (the server may have no service proxy in its own network path), else its ClusterIP.
import type { KubeObject } from '../../api/types';
import type { Store } from '../registry/store';

export interface ServiceRef {
  readonly namespace: string;
  readonly name: string;
  readonly port: number;
}

export type Resolution = { readonly ok: true; readonly host: string; readonly port: number } | { readonly ok: false; readonly reason: 'ServiceNotFound' | 'MissingEndpoints'; readonly message: string };

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const asArr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asStr = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export async function resolveService(ref: ServiceRef, services: Store, slices: Store | undefined): Promise<Resolution> {
  const kv = await services.getKv(ref.namespace, ref.name);
  if (!kv) return { ok: false, reason: 'ServiceNotFound', message: `service/${ref.name} in "${ref.namespace}" is not present` };
  const svc: KubeObject = services.decode(kv);
  const spec = asObj(svc.spec) ?? {};
  const svcPort = asArr(spec.ports).map(asObj).find((p) => p?.port === ref.port);
  if (!svcPort) return { ok: false, reason: 'ServiceNotFound', message: `service/${ref.name} in "${ref.namespace}" is not listening on port ${ref.port}` };
  const portName = asStr(svcPort.name) ?? '';
  if (slices) {
    const page = await slices.backendList(slices.prefix(ref.namespace), {});
    for (const skv of page.kvs) {
      const slice = slices.decode(skv);
      if (slice.metadata.labels?.['kubernetes.io/service-name'] !== ref.name) continue;
      const p = asArr(slice.ports).map(asObj).find((x) => (asStr(x?.name) ?? '') === portName);
      if (typeof p?.port !== 'number') continue;
      for (const ep of asArr(slice.endpoints).map(asObj)) {
        if (asObj(ep?.conditions)?.ready === false) continue;
        const addr = asStr(asArr(ep?.addresses)[0]);
        if (addr) return { ok: true, host: addr, port: p.port };
      }
    }
  }
  const clusterIP = asStr(spec.clusterIP);
  if (clusterIP && clusterIP !== 'None') return { ok: true, host: clusterIP, port: ref.port };
  return { ok: false, reason: 'MissingEndpoints', message: `endpoints for service/${ref.name} in "${ref.namespace}" have no addresses with port name "${portName}"` };
}
