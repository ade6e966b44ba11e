import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderContainerdConfig } from './containerd-config';
import { parseRegistries, renderHostsFiles, writeRegistryHosts } from './registries';

const YAML = `mirrors:
  docker.io:
    endpoint:
      - "https://mirror.example.com:5000"
      - "http://10.0.0.9:5001/custom/path"
    rewrite:
      "^rancher/(.*)": "mirrorproject/rancher-images/$1"
  "*":
    endpoint: ["mirror.example.com:5000"]
configs:
  "mirror.example.com:5000":
    auth:
      username: alice
      password: s3cret
    tls:
      ca_file: /etc/ssl/mirror-ca.pem
      cert_file: /etc/ssl/client.pem
      key_file: /etc/ssl/client-key.pem
  "registry.internal:8443":
    tls:
      insecure_skip_verify: true
`;

describe('registries.yaml → hosts.toml', () => {
  it('renders a hosts.toml per mirror and per config-only registry', () => {
    const files = renderHostsFiles(parseRegistries(YAML));
    expect([...files.keys()].sort()).toEqual(['_default', 'docker.io', 'mirror.example.com:5000', 'registry.internal:8443']);
    const basic = Buffer.from('alice:s3cret').toString('base64');
    expect(files.get('docker.io')).toBe(`# Written by k3ts from registries.yaml at every agent start; edits are overwritten.
server = "https://registry-1.docker.io"

[host."https://mirror.example.com:5000/v2"]
  capabilities = ["pull", "resolve"]
  ca = ["/etc/ssl/mirror-ca.pem"]
  client = [["/etc/ssl/client.pem", "/etc/ssl/client-key.pem"]]

[host."https://mirror.example.com:5000/v2".header]
  Authorization = ["Basic ${basic}"]

[host."https://mirror.example.com:5000/v2".rewrite]
  "^rancher/(.*)" = "mirrorproject/rancher-images/$1"

[host."http://10.0.0.9:5001/custom/path"]
  capabilities = ["pull", "resolve"]
  override_path = true

[host."http://10.0.0.9:5001/custom/path".rewrite]
  "^rancher/(.*)" = "mirrorproject/rancher-images/$1"
`);
    expect(files.get('_default')).not.toContain('server =');
    expect(files.get('_default')).toContain('[host."https://mirror.example.com:5000/v2"]');
    expect(files.get('registry.internal:8443')).toContain('server = "https://registry.internal:8443"\n\n[host."https://registry.internal:8443/v2"]\n  capabilities = ["pull", "resolve"]\n  skip_verify = true');
  });

  it('rejects what is not K3s format with the file and key named', () => {
    expect(() => parseRegistries('mirrors: [a]', '/etc/r.yaml')).toThrow('/etc/r.yaml: mirrors must be a mapping');
    expect(() => parseRegistries('mirror: {}')).toThrow('unknown key "mirror" (expected mirrors and configs)');
    expect(() => parseRegistries('mirrors: {docker.io: {endpoint: "x"}}')).toThrow('mirrors."docker.io".endpoint must be a list of URLs');
    expect(() => parseRegistries('mirrors: {docker.io: {endpoint: [x], rewrite: {"(": y}}}')).toThrow('is not a valid regular expression');
    expect(() => parseRegistries('configs: {r: {tls: {insecure_skip_verify: "yes"}}}')).toThrow('insecure_skip_verify must be true or false');
    expect(() => parseRegistries('a: [')).toThrow(/not valid YAML/);
  });

  it('writes exactly the current registries under config_path, which containerd is pointed at', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-reg-'));
    try {
      const file = path.join(dir, 'registries.yaml');
      const hosts = path.join(dir, 'certs.d');
      expect(writeRegistryHosts(file, hosts)).toEqual([]);
      fs.writeFileSync(file, YAML);
      expect(writeRegistryHosts(file, hosts).sort()).toEqual(['_default', 'docker.io', 'mirror.example.com:5000', 'registry.internal:8443']);
      expect(fs.statSync(path.join(hosts, 'docker.io', 'hosts.toml')).mode & 0o777).toBe(0o600);
      fs.writeFileSync(file, 'mirrors:\n  docker.io:\n    endpoint: ["http://127.0.0.1:1"]\n');
      expect(writeRegistryHosts(file, hosts)).toEqual(['docker.io']);
      expect(fs.readdirSync(hosts)).toEqual(['docker.io']);
      const base = { root: '/r', state: '/s', address: '/s/c.sock', runcRoot: '/s/runc', sandboxImage: 'p', snapshotter: 'overlayfs', cniBinDir: '/b', cniConfDir: '/c', streamServerPort: 1 };
      expect(renderContainerdConfig({ ...base, registryConfigDir: hosts })).toContain(`[plugins."io.containerd.grpc.v1.cri".registry]\n    config_path = ${JSON.stringify(hosts)}`);
      expect(renderContainerdConfig(base)).not.toContain('config_path');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
