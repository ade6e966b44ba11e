// Every on-disk path k3ts uses is derived here from the data dir (K3s layout, k3ts names).
import * as os from 'node:os';
import * as path from 'node:path';

export interface UserContext {
  readonly uid: number;
  readonly home: string;
}

export function currentUser(): UserContext {
  return { uid: typeof process.getuid === 'function' ? process.getuid() : 0, home: os.homedir() };
}

/** `/var/lib/rancher/k3ts` as root, `~/.rancher/k3ts` otherwise. */
export function defaultDataDir(user: UserContext = currentUser()): string {
  return user.uid === 0 ? '/var/lib/rancher/k3ts' : path.join(user.home, '.rancher', 'k3ts');
}

/** `/etc/rancher/k3ts/k3ts.yaml` as root, `~/.kube/k3ts.yaml` otherwise (as K3s does for rootless). */
export function defaultKubeconfigPath(user: UserContext = currentUser()): string {
  return user.uid === 0 ? '/etc/rancher/k3ts/k3ts.yaml' : path.join(user.home, '.kube', 'k3ts.yaml');
}

export const DEFAULT_CONFIG_FILE = '/etc/rancher/k3ts/config.yaml';

export interface DataDirPaths {
  readonly root: string;
  /** Content-addressed extracted assets: data/<sha256>/… */
  readonly assets: string;
  readonly server: {
    readonly root: string;
    readonly tls: string;
    readonly cred: string;
    readonly db: string;
    readonly sqlite: string;
    readonly snapshots: string;
    readonly manifests: string;
    readonly token: string;
    readonly nodeToken: string;
    readonly agentToken: string;
  };
  readonly agent: {
    readonly root: string;
    readonly containerdConfig: string;
    readonly cniConfDir: string;
    readonly images: string;
    readonly containerdRoot: string;
    readonly podManifests: string;
  };
  readonly storage: string;
}

export function dataDirPaths(root: string): DataDirPaths {
  const abs = path.resolve(root);
  const server = path.join(abs, 'server');
  const agent = path.join(abs, 'agent');
  return Object.freeze({
    root: abs,
    assets: path.join(abs, 'data'),
    server: Object.freeze({
      root: server,
      tls: path.join(server, 'tls'),
      cred: path.join(server, 'cred'),
      db: path.join(server, 'db'),
      sqlite: path.join(server, 'db', 'state.db'),
      snapshots: path.join(server, 'db', 'snapshots'),
      manifests: path.join(server, 'manifests'),
      token: path.join(server, 'token'),
      nodeToken: path.join(server, 'node-token'),
      agentToken: path.join(server, 'agent-token'),
    }),
    agent: Object.freeze({
      root: agent,
      containerdConfig: path.join(agent, 'etc', 'containerd', 'config.toml'),
      cniConfDir: path.join(agent, 'etc', 'cni', 'net.d'),
      images: path.join(agent, 'images'),
      containerdRoot: path.join(agent, 'containerd'),
      podManifests: path.join(agent, 'pod-manifests'),
    }),
    storage: path.join(abs, 'storage'),
  });
}
