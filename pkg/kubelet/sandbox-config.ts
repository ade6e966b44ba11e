// The CRI PodSandboxConfig for a pod: metadata and labels (how the kubelet finds its pods again in
// the runtime after a restart), hostname, DNS, host ports, cgroup parent and namespaces. It must be
// rebuilt identically for every CreateContainer call of the same sandbox.
import * as fs from 'node:fs';
import type { DnsConfig, PodSandboxConfig, PortMapping } from './cri/types';
import type { Pod } from './pod-types';
import { podCgroupParent } from './resources';

export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const ANNOTATION_RESTART_COUNT = 'io.kubernetes.container.restartCount';
export const ANNOTATION_TERMINATION_MESSAGE_PATH = 'io.kubernetes.container.terminationMessagePath';
export const ANNOTATION_GRACE_PERIOD = 'io.kubernetes.pod.terminationGracePeriod';

export interface HostResolv {
  readonly servers: readonly string[];
  readonly searches: readonly string[];
  readonly options: readonly string[];
}

export interface SandboxContext {
  /** Cluster DNS service IPs (`--cluster-dns`). */
  readonly clusterDns: readonly string[];
  readonly clusterDomain: string;
  readonly hostResolv: HostResolv;
  /** `/var/log/pods` or the agent's own pod-log dir. */
  readonly podLogsDir: string;
  /** Top cgroup of everything the kubelet runs (`/k3ts`). */
  readonly cgroupRoot: string;
}

/** nameserver/search/options lines of a resolv.conf. */
export function parseResolvConf(text: string): HostResolv {
  const servers: string[] = [];
  let searches: string[] = [];
  const options: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) servers.push(rest[0]);
    else if (key === 'search' || key === 'domain') searches = rest;
    else if (key === 'options') options.push(...rest);
  }
  return { servers, searches, options };
}

export function readHostResolv(file: string): HostResolv {
  try {
    return parseResolvConf(fs.readFileSync(file, 'utf8'));
  } catch {
    return { servers: [], searches: [], options: [] };
  }
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/** resolv.conf for the pod, by dnsPolicy as upstream builds it (at most 32 search domains). */
export function podDnsConfig(pod: Pod, ctx: SandboxContext): DnsConfig {
  const spec = pod.spec;
  const policy = spec.dnsPolicy ?? 'ClusterFirst';
  const clusterFirst = policy === 'ClusterFirst' ? !spec.hostNetwork : policy === 'ClusterFirstWithHostNet';
  let servers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  if (policy !== 'None') {
    if (clusterFirst && ctx.clusterDns.length > 0) {
      const ns = String(pod.metadata.namespace);
      const d = ctx.clusterDomain;
      servers = [...ctx.clusterDns];
      searches = [`${ns}.svc.${d}`, `svc.${d}`, d, ...ctx.hostResolv.searches];
      options = ['ndots:5'];
    } else {
      servers = [...ctx.hostResolv.servers];
      searches = [...ctx.hostResolv.searches];
      options = [...ctx.hostResolv.options];
    }
  }
  const extra = spec.dnsConfig;
  if (extra) {
    servers = [...servers, ...(extra.nameservers ?? [])];
    searches = [...searches, ...(extra.searches ?? [])];
    const byName = new Map(options.map((o) => [o.split(':')[0]!, o]));
    for (const o of extra.options ?? []) byName.set(o.name, o.value !== undefined ? `${o.name}:${o.value}` : o.name);
    options = [...byName.values()];
  }
  return { servers: unique(servers).slice(0, 3), searches: unique(searches).slice(0, 32), options };
}

export function podPortMappings(pod: Pod): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push({ protocol: p.protocol ?? 'TCP', container_port: p.containerPort, host_port: p.hostPort, ...(p.hostIP ? { host_ip: p.hostIP } : {}) });
    }
  }
  return out;
}

export function podLogDirectory(podLogsDir: string, pod: Pod): string {
  return `${podLogsDir}/${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`;
}

function podHostname(pod: Pod): string {
  return (pod.spec.hostname || String(pod.metadata.name)).slice(0, 63).replace(/[-.]+$/, '');
}

export function buildSandboxConfig(pod: Pod, attempt: number, ctx: SandboxContext): PodSandboxConfig {
  const spec = pod.spec;
  const privileged = [...spec.containers, ...(spec.initContainers ?? [])].some((c) => c.securityContext?.privileged);
  const sc = spec.securityContext;
  return {
    metadata: { name: String(pod.metadata.name), namespace: String(pod.metadata.namespace), uid: String(pod.metadata.uid), attempt },
    hostname: spec.hostNetwork ? '' : podHostname(pod),
    log_directory: podLogDirectory(ctx.podLogsDir, pod),
    dns_config: podDnsConfig(pod, ctx),
    port_mappings: podPortMappings(pod),
    labels: { ...(pod.metadata.labels ?? {}), [LABEL_POD_NAME]: String(pod.metadata.name), [LABEL_POD_NAMESPACE]: String(pod.metadata.namespace), [LABEL_POD_UID]: String(pod.metadata.uid) },
    annotations: { ...(pod.metadata.annotations ?? {}) },
    linux: {
      cgroup_parent: podCgroupParent(ctx.cgroupRoot, pod),
      security_context: {
        namespace_options: {
          network: spec.hostNetwork ? 'NODE' : 'POD',
          pid: spec.hostPID ? 'NODE' : spec.shareProcessNamespace ? 'POD' : 'CONTAINER',
          ipc: spec.hostIPC ? 'NODE' : 'POD',
        },
        privileged,
        ...(sc?.runAsUser !== undefined ? { run_as_user: { value: String(sc.runAsUser) } } : {}),
        ...(sc?.runAsGroup !== undefined ? { run_as_group: { value: String(sc.runAsGroup) } } : {}),
        ...(sc?.supplementalGroups ? { supplemental_groups: sc.supplementalGroups.map(String) } : {}),
      },
      sysctls: Object.fromEntries((sc?.sysctls ?? []).map((s) => [s.name, s.value])),
    },
  };
}
