// Flags every long-running command takes, and the node/agent flags that `server` shares with
// `agent` (the server runs an agent unless --disable-agent).
import { defineFlags } from './flag-spec';

export const commonFlags = defineFlags({
  config: { flag: 'config', short: 'c', type: 'string', env: 'K3TS_CONFIG_FILE', arg: '<file>', description: 'Load configuration from FILE (default /etc/rancher/k3ts/config.yaml)' },
  debug: { flag: 'debug', type: 'bool', env: 'K3TS_DEBUG', description: 'Turn on debug logs' },
  dataDir: { flag: 'data-dir', short: 'd', type: 'string', env: 'K3TS_DATA_DIR', arg: '<dir>', description: 'Folder to hold state (default /var/lib/rancher/k3ts, or ~/.rancher/k3ts if not root)' },
});

export const nodeFlags = defineFlags({
  nodeName: { flag: 'node-name', type: 'string', env: 'K3TS_NODE_NAME', arg: '<name>', description: 'Node name (default: host name)' },
  nodeIp: { flag: 'node-ip', short: 'i', type: 'list', arg: '<ip>', description: 'IPv4/IPv6 addresses to advertise for the node' },
  nodeExternalIp: { flag: 'node-external-ip', type: 'list', arg: '<ip>', description: 'External IPv4/IPv6 addresses to advertise for the node' },
  nodeLabel: { flag: 'node-label', type: 'list', arg: '<key=value>', description: 'Register the node with this label (repeatable)' },
  nodeTaint: { flag: 'node-taint', type: 'list', arg: '<key=value:effect>', description: 'Register the node with this taint (repeatable)' },
  kubeletArg: { flag: 'kubelet-arg', type: 'list', arg: '<arg>', description: 'Customized flag for the kubelet (repeatable)' },
  kubeProxyArg: { flag: 'kube-proxy-arg', type: 'list', arg: '<arg>', description: 'Customized flag for the service proxy (repeatable)' },
  containerRuntimeEndpoint: { flag: 'container-runtime-endpoint', type: 'string', arg: '<socket>', description: 'Use an existing CRI socket instead of starting containerd' },
  containerd: { flag: 'containerd', type: 'string', arg: '<path>', description: 'containerd binary to supervise (default: from PATH)' },
  pauseImage: { flag: 'pause-image', type: 'string', default: 'k3ts.local/pause:1', arg: '<image>', description: 'Sandbox (pause) image, provided by k3ts itself when the default' },
  snapshotter: { flag: 'snapshotter', type: 'string', default: 'overlayfs', choices: ['overlayfs', 'native'], description: 'containerd snapshotter' },
  flannelIface: { flag: 'flannel-iface', type: 'string', arg: '<iface>', description: 'Override the default flannel interface' },
  resolvConf: { flag: 'resolv-conf', type: 'string', env: 'K3TS_RESOLV_CONF', arg: '<file>', description: 'Kubelet resolv.conf file' },
  privateRegistry: { flag: 'private-registry', type: 'string', default: '/etc/rancher/k3ts/registries.yaml', arg: '<file>', description: 'Private registry configuration file' },
  withNodeId: { flag: 'with-node-id', type: 'bool', description: 'Append an id to the node name' },
  protectKernelDefaults: { flag: 'protect-kernel-defaults', type: 'bool', description: 'Error if kernel tunables differ from the kubelet defaults' },
});
