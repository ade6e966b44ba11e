// `k3ts server` flags (K3s names; see notes/k3s-behaviors.md).
import { commonFlags, nodeFlags } from './common-flags';
import { defineFlags } from './flag-spec';

export const serverOnlyFlags = defineFlags({
  bindAddress: { flag: 'bind-address', type: 'string', default: '0.0.0.0', arg: '<ip>', description: 'Address the API server listens on' },
  httpsListenPort: { flag: 'https-listen-port', type: 'int', default: 6443, arg: '<port>', description: 'HTTPS listen port' },
  advertiseAddress: { flag: 'advertise-address', type: 'string', arg: '<ip>', description: 'Address agents use to reach the API server (default: node IP)' },
  tlsSan: { flag: 'tls-san', type: 'list', arg: '<name>', description: 'Extra host name or IP as a Subject Alternative Name in the serving certificate (repeatable)' },
  clusterCidr: { flag: 'cluster-cidr', type: 'string', default: '10.42.0.0/16', arg: '<cidr>', description: 'Network CIDR for pod IPs' },
  serviceCidr: { flag: 'service-cidr', type: 'string', default: '10.43.0.0/16', arg: '<cidr>', description: 'Network CIDR for service IPs' },
  serviceNodePortRange: { flag: 'service-node-port-range', type: 'string', default: '30000-32767', arg: '<range>', description: 'Port range reserved for NodePort services' },
  clusterDns: { flag: 'cluster-dns', type: 'string', default: '10.43.0.10', arg: '<ip>', description: 'Cluster IP for the DNS service' },
  clusterDomain: { flag: 'cluster-domain', type: 'string', default: 'cluster.local', arg: '<domain>', description: 'Cluster domain' },
  clusterDnsProvider: { flag: 'cluster-dns-provider', type: 'string', default: 'builtin', choices: ['builtin', 'coredns'], description: 'Cluster DNS: builtin (served by every agent, no image needed) or coredns (apply the packaged CoreDNS manifest; needs its image)' },
  flannelBackend: { flag: 'flannel-backend', type: 'string', default: 'vxlan', choices: ['vxlan', 'host-gw', 'none'], description: 'Pod network backend' },
  writeKubeconfig: { flag: 'write-kubeconfig', short: 'o', type: 'string', env: 'K3TS_KUBECONFIG_OUTPUT', arg: '<file>', description: 'Write the admin kubeconfig to this file (default /etc/rancher/k3ts/k3ts.yaml)' },
  writeKubeconfigMode: { flag: 'write-kubeconfig-mode', type: 'string', env: 'K3TS_KUBECONFIG_MODE', default: '0600', arg: '<mode>', description: 'Octal file mode of the admin kubeconfig' },
  token: { flag: 'token', short: 't', type: 'string', env: 'K3TS_TOKEN', arg: '<token>', description: 'Shared secret used to join servers and agents' },
  tokenFile: { flag: 'token-file', type: 'string', env: 'K3TS_TOKEN_FILE', arg: '<file>', description: 'File containing the token' },
  agentToken: { flag: 'agent-token', type: 'string', env: 'K3TS_AGENT_TOKEN', arg: '<token>', description: 'Shared secret used to join agents only' },
  agentTokenFile: { flag: 'agent-token-file', type: 'string', env: 'K3TS_AGENT_TOKEN_FILE', arg: '<file>', description: 'File containing the agent token' },
  server: { flag: 'server', short: 's', type: 'string', env: 'K3TS_URL', arg: '<url>', description: 'Server to join (another server sharing the datastore)' },
  datastoreEndpoint: { flag: 'datastore-endpoint', type: 'string', env: 'K3TS_DATASTORE_ENDPOINT', arg: '<url>', description: 'sqlite://path (default), postgres://…, mysql://…, etcd://host:port or https://host:port' },
  datastoreCafile: { flag: 'datastore-cafile', type: 'string', env: 'K3TS_DATASTORE_CAFILE', arg: '<file>', description: 'TLS CA file for the datastore' },
  datastoreCertfile: { flag: 'datastore-certfile', type: 'string', env: 'K3TS_DATASTORE_CERTFILE', arg: '<file>', description: 'TLS client certificate for the datastore' },
  datastoreKeyfile: { flag: 'datastore-keyfile', type: 'string', env: 'K3TS_DATASTORE_KEYFILE', arg: '<file>', description: 'TLS client key for the datastore' },
  disable: { flag: 'disable', type: 'list', arg: '<addon>', description: 'Do not deploy a packaged addon and delete it if deployed (coredns, servicelb, traefik, local-storage, metrics-server)' },
  disableScheduler: { flag: 'disable-scheduler', type: 'bool', description: 'Do not run the scheduler' },
  disableNetworkPolicy: { flag: 'disable-network-policy', type: 'bool', description: 'Do not run the network policy controller' },
  disableAgent: { flag: 'disable-agent', type: 'bool', description: 'Do not run a local agent and register a local kubelet' },
  secretsEncryption: { flag: 'secrets-encryption', type: 'bool', description: 'Enable secret encryption at rest' },
  embeddedRegistry: { flag: 'embedded-registry', type: 'bool', description: 'Run the distributed registry mirror on every node: nodes pull images for the registries under mirrors: in registries.yaml from each other first' },
  anonymousAuth: { flag: 'anonymous-auth', type: 'bool', description: 'Allow anonymous requests beyond health and version endpoints' },
  authorizationMode: { flag: 'authorization-mode', type: 'string', default: 'RBAC,Node', hidden: true, arg: '<modes>', description: 'Authorizers in order (RBAC,Node); AlwaysAllow turns authorization off, for benchmarks only' },
  defaultLocalStoragePath: { flag: 'default-local-storage-path', type: 'string', arg: '<dir>', description: 'Default local-path provisioner directory (default <data-dir>/storage)' },
  clusterReset: { flag: 'cluster-reset', type: 'bool', description: 'Forget peers and reset the datastore (with --cluster-reset-restore-path: restore a snapshot)' },
  clusterResetRestorePath: { flag: 'cluster-reset-restore-path', type: 'string', arg: '<file>', description: 'Snapshot file to restore with --cluster-reset' },
  kubeApiserverArg: { flag: 'kube-apiserver-arg', type: 'list', arg: '<arg>', description: 'Customized flag for the API server (repeatable)' },
  kubeControllerManagerArg: { flag: 'kube-controller-manager-arg', type: 'list', arg: '<arg>', description: 'Customized flag for the controller manager (repeatable)' },
  kubeSchedulerArg: { flag: 'kube-scheduler-arg', type: 'list', arg: '<arg>', description: 'Customized flag for the scheduler (repeatable)' },
});

export const serverFlags = defineFlags({ ...commonFlags, ...serverOnlyFlags, ...nodeFlags });
