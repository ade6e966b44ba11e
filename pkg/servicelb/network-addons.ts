// k3ts's own network addons for the controller manager: the built-in cluster DNS's Service and
// per-node EndpointSlices (provider `builtin`), and ServiceLB (unless `--disable servicelb`). Both
// write with the supervisor identity, as K3s's own controllers do, because the controller
// manager's role may neither create Services nor write foreign EndpointSlices.
import type { RestClient } from '../client/rest-client';
import type { ControllerFactory } from '../controller/controller';
import { CLUSTER_DNS_CONTROLLER, clusterDnsController } from '../dns/cluster-dns-controller';
import { SERVICELB_CONTROLLER, serviceLbController } from './servicelb-controller';

export type ClusterDnsProvider = 'builtin' | 'coredns';
export const CLUSTER_DNS_PROVIDERS: readonly ClusterDnsProvider[] = ['builtin', 'coredns'];

export interface NetworkAddonsConfig {
  /** --cluster-dns when the built-in DNS is on (provider builtin and coredns not disabled); else undefined. */
  readonly clusterDnsIP?: string;
  /** false with --disable servicelb. */
  readonly serviceLb: boolean;
}

/** The addon settings from server flags: `--cluster-dns-provider`, `--disable coredns|servicelb`. */
export function networkAddonsFromFlags(f: { readonly clusterDns: string; readonly clusterDnsProvider?: string; readonly disable: readonly string[] }): NetworkAddonsConfig {
  const disabled = new Set(f.disable.flatMap((d) => d.split(',')).map((d) => d.trim()));
  const builtin = (f.clusterDnsProvider ?? 'builtin') === 'builtin' && !disabled.has('coredns');
  return Object.freeze({ clusterDnsIP: builtin ? f.clusterDns : undefined, serviceLb: !disabled.has('servicelb') });
}

export function networkAddonControllers(cfg: NetworkAddonsConfig | undefined, writer: RestClient | undefined): Map<string, ControllerFactory> {
  const out = new Map<string, ControllerFactory>();
  if (cfg?.clusterDnsIP) out.set(CLUSTER_DNS_CONTROLLER, clusterDnsController({ clusterDnsIP: cfg.clusterDnsIP, writer }));
  if (cfg?.serviceLb) out.set(SERVICELB_CONTROLLER, serviceLbController({ writer }));
  return out;
}
