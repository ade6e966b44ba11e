// What the agent and the server's supervisor endpoints agree on (K3s's /v1-k3s/… under k3ts names):
// the paths, the request headers that identify a joining node, and the bodies of /config and
// /apiservers. Both sides import this file; it has no dependencies.

export const SUPERVISOR_PATHS = Object.freeze({
  /** The server CA bundle (server-ca.crt), unauthenticated: the token's K10 hash pins it. */
  cacerts: '/cacerts',
  servingKubelet: '/v1-k3ts/serving-kubelet.crt',
  clientKubelet: '/v1-k3ts/client-kubelet.crt',
  clientKubeProxy: '/v1-k3ts/client-kube-proxy.crt',
  /** The agent-side controllers' identity (system:k3ts-controller: local-path node half). */
  clientK3tsController: '/v1-k3ts/client-k3ts-controller.crt',
  /** The client CA (the kubelet verifies the API server's calls to :10250 with it). */
  clientCa: '/v1-k3ts/client-ca.crt',
  config: '/v1-k3ts/config',
  apiservers: '/v1-k3ts/apiservers',
  readyz: '/v1-k3ts/readyz',
});

export const NODE_NAME_HEADER = 'k3ts-node-name';
export const NODE_PASSWORD_HEADER = 'k3ts-node-password';
/** Comma-separated node IPs for the kubelet serving certificate's SANs. */
export const NODE_IP_HEADER = 'k3ts-node-ip';

/** Body of /v1-k3ts/config: the cluster settings an agent must share with the server. */
export interface AgentClusterConfig {
  readonly clusterCidr: string;
  readonly serviceCidr: string;
  readonly clusterDns: string;
  readonly clusterDomain: string;
  readonly flannelBackend: string;
  readonly serviceNodePortRange: string;
  /** The agent serves the built-in cluster DNS on its node address (false with another DNS provider or --disable coredns). */
  readonly builtinDns?: boolean;
  /** false when the server runs with --disable-network-policy: no node enforces NetworkPolicies. */
  readonly networkPolicy?: boolean;
  /** --embedded-registry: every agent runs the registry mirror (pkg/mirror) and puts it first in hosts.toml. */
  readonly embeddedRegistry?: boolean;
}

/** Secret (namespace kube-system) that holds a node's password hash. */
export function nodePasswordSecretName(nodeName: string): string {
  return `${nodeName}.node-password.k3ts`;
}
