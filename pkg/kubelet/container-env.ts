// A container's environment as upstream's kubelet computes it: service link variables first, then
// envFrom (ConfigMaps, Secrets, with prefix), then env (literal values with $(VAR) expansion, or
// valueFrom fieldRef / resourceFieldRef / secretKeyRef / configMapKeyRef). Later entries win.
import { KubeletError } from './errors';
import type { ContainerSpec, Pod } from './pod-types';
import { containerResourceValue, metadataFieldValue } from './pod-field-refs';

/** Reads the data of referenced objects; undefined when the object does not exist. */
export interface ReferenceReader {
  configMap(namespace: string, name: string): Promise<Readonly<Record<string, string>> | undefined>;
  /** Values already base64-decoded. */
  secret(namespace: string, name: string): Promise<Readonly<Record<string, string>> | undefined>;
}

export interface EnvContext {
  readonly hostIPs: readonly string[];
  readonly podIPs: readonly string[];
  /** Node allocatable, used by resourceFieldRef when the container sets no limit. */
  readonly allocatable: { readonly cpuMilli: number; readonly memoryBytes: number };
  /** KUBERNETES_SERVICE_HOST… and the pod's namespace services (enableServiceLinks). */
  readonly serviceEnv: Readonly<Record<string, string>>;
  readonly refs: ReferenceReader;
}

/** Replaces `$(NAME)` with known values; `$$` escapes a `$`; unknown references stay as written. */
export function expandVars(input: string, vars: ReadonlyMap<string, string>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const end = input.indexOf(')', i + 2);
      if (end < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, end);
      const v = vars.get(name);
      out += v !== undefined ? v : `$(${name})`;
      i = end;
    } else {
      out += ch;
    }
  }
  return out;
}

function fieldValue(pod: Pod, path: string, ctx: EnvContext): string {
  const meta = metadataFieldValue(pod, path);
  if (meta !== undefined) return meta;
  switch (path) {
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.hostIP':
      return ctx.hostIPs[0] ?? '';
    case 'status.hostIPs':
      return ctx.hostIPs.join(',');
    case 'status.podIP':
      return ctx.podIPs[0] ?? '';
    case 'status.podIPs':
      return ctx.podIPs.join(',');
  }
  throw new KubeletError('invalid-pod', `unsupported fieldRef path "${path}"`, { reason: 'CreateContainerConfigError' });
}

function resourceValue(pod: Pod, container: ContainerSpec, ref: { resource?: string; containerName?: string; divisor?: string | number }, ctx: EnvContext): string {
  const c = ref.containerName ? ([...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((x) => x.name === ref.containerName) ?? container) : container;
  return containerResourceValue(c, ref.resource, ref.divisor, ctx.allocatable);
}

async function lookup(kind: 'configmap' | 'secret', ns: string, name: string, ctx: EnvContext): Promise<Readonly<Record<string, string>> | undefined> {
  return kind === 'configmap' ? ctx.refs.configMap(ns, name) : ctx.refs.secret(ns, name);
}

export async function containerEnv(pod: Pod, container: ContainerSpec, ctx: EnvContext): Promise<{ key: string; value: string }[]> {
  const ns = String(pod.metadata.namespace);
  const vars = new Map<string, string>(Object.entries(ctx.serviceEnv));
  for (const src of container.envFrom ?? []) {
    const ref = src.configMapRef ? { kind: 'configmap' as const, ...src.configMapRef } : src.secretRef ? { kind: 'secret' as const, ...src.secretRef } : undefined;
    if (!ref?.name) continue;
    const data = await lookup(ref.kind, ns, ref.name, ctx);
    if (!data) {
      if (ref.optional) continue;
      throw new KubeletError('missing-reference', `${ref.kind === 'configmap' ? 'configmap' : 'secret'} "${ref.name}" not found`, { reason: 'CreateContainerConfigError' });
    }
    for (const [k, v] of Object.entries(data)) vars.set(`${src.prefix ?? ''}${k}`, v);
  }
  for (const e of container.env ?? []) {
    if (!e.valueFrom) {
      vars.set(e.name, expandVars(e.value ?? '', vars));
      continue;
    }
    const f = e.valueFrom;
    if (f.fieldRef?.fieldPath) vars.set(e.name, fieldValue(pod, f.fieldRef.fieldPath, ctx));
    else if (f.resourceFieldRef) vars.set(e.name, resourceValue(pod, container, f.resourceFieldRef, ctx));
    else {
      const keyRef = f.configMapKeyRef ? { kind: 'configmap' as const, ...f.configMapKeyRef } : f.secretKeyRef ? { kind: 'secret' as const, ...f.secretKeyRef } : undefined;
      if (!keyRef?.name || !keyRef.key) continue;
      const data = await lookup(keyRef.kind, ns, keyRef.name, ctx);
      const value = data?.[keyRef.key];
      if (value === undefined) {
        if (keyRef.optional) continue;
        const what = keyRef.kind === 'configmap' ? 'configmap' : 'secret';
        throw new KubeletError('missing-reference', data ? `couldn't find key ${keyRef.key} in ${what.charAt(0).toUpperCase() + what.slice(1)} ${ns}/${keyRef.name}` : `${what} "${keyRef.name}" not found`, { reason: 'CreateContainerConfigError' });
      }
      vars.set(e.name, value);
    }
  }
  return [...vars].map(([key, value]) => ({ key, value }));
}

/** KUBERNETES_SERVICE_HOST and friends for the API's service (always present, as upstream). */
export function kubernetesServiceEnv(serviceIP: string, port = 443): Record<string, string> {
  return {
    KUBERNETES_SERVICE_HOST: serviceIP,
    KUBERNETES_SERVICE_PORT: String(port),
    KUBERNETES_SERVICE_PORT_HTTPS: String(port),
    KUBERNETES_PORT: `tcp://${serviceIP}:${port}`,
    [`KUBERNETES_PORT_${port}_TCP`]: `tcp://${serviceIP}:${port}`,
    [`KUBERNETES_PORT_${port}_TCP_PROTO`]: 'tcp',
    [`KUBERNETES_PORT_${port}_TCP_PORT`]: String(port),
    [`KUBERNETES_PORT_${port}_TCP_ADDR`]: serviceIP,
  };
}
