import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseManifest } from './manifest-file';
import { PACKAGED_ADDONS, packagedManifestSource, stagePackagedManifests, substituteManifest, type PackagedManifestsConfig } from './packaged-manifests';
import { scanManifests } from './scan-manifests';

const cfg = (over: Partial<PackagedManifestsConfig> = {}): PackagedManifestsConfig => ({
  clusterDns: '10.43.0.10',
  clusterDomain: 'cluster.local',
  defaultLocalStoragePath: '/var/lib/k3ts/storage',
  systemDefaultRegistry: '',
  clusterDnsProvider: 'builtin',
  disabled: new Set(),
  ...over,
});

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-deploy-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('substituteManifest', () => {
  it('replaces the K3s placeholders and leaves unknown ones', () => {
    const text = '%{CLUSTER_DNS}% %{CLUSTER_DOMAIN}% %{DEFAULT_LOCAL_STORAGE_PATH}% %{SYSTEM_DEFAULT_REGISTRY}%img %{OTHER}%';
    expect(substituteManifest(text, cfg({ systemDefaultRegistry: 'reg.local:5000/' }))).toBe('10.43.0.10 cluster.local /var/lib/k3ts/storage reg.local:5000/img %{OTHER}%');
    expect(substituteManifest('%{SYSTEM_DEFAULT_REGISTRY}%img', cfg())).toBe('img');
  });
});

describe('the packaged manifests', () => {
  it('parse after substitution, with no placeholder left', () => {
    const source = packagedManifestSource();
    for (const p of PACKAGED_ADDONS) {
      const text = substituteManifest(source(p.file), cfg());
      expect(text).not.toMatch(/%\{/);
      expect(parseManifest(text, p.file).length).toBeGreaterThan(0);
    }
  });
});

describe('stagePackagedManifests', () => {
  const source = (file: string) => `# ${file}\nvalue: %{CLUSTER_DOMAIN}%\n`;

  it('writes local-storage and traefik (builtin DNS: no coredns), and undeploys coredns', () => {
    const dir = path.join(tmp(), 'manifests');
    const staged = stagePackagedManifests(dir, cfg(), source);
    expect(fs.readdirSync(dir).sort()).toEqual(['local-storage.yaml', 'traefik.yaml']);
    expect(fs.readFileSync(path.join(dir, 'traefik.yaml'), 'utf8')).toBe('# traefik.yaml\nvalue: cluster.local\n');
    expect(staged.undeploy).toEqual(['coredns']);
  });

  it('writes coredns with --cluster-dns-provider coredns; --disable removes files and undeploys', () => {
    const dir = tmp();
    stagePackagedManifests(dir, cfg({ clusterDnsProvider: 'coredns' }), source);
    expect(fs.readdirSync(dir).sort()).toEqual(['coredns.yaml', 'local-storage.yaml', 'traefik.yaml']);
    const staged = stagePackagedManifests(dir, cfg({ clusterDnsProvider: 'coredns', disabled: new Set(['traefik', 'servicelb', 'bogus']) }), source);
    expect(fs.readdirSync(dir).sort()).toEqual(['coredns.yaml', 'local-storage.yaml']);
    expect(staged.removed).toEqual([path.join(dir, 'traefik.yaml')]);
    expect([...staged.undeploy].sort()).toEqual(['servicelb', 'traefik']);
  });
});

describe('scanManifests', () => {
  it('walks subdirectories, honours .skip, ignores hidden and other files, reports duplicate names', () => {
    const dir = tmp();
    for (const f of ['a.yaml', 'b.yaml', 'b.yaml.skip', 'c.json', 'c.yaml', 'notes.txt', '.d.yaml.tmp-1']) fs.writeFileSync(path.join(dir, f), '');
    fs.mkdirSync(path.join(dir, 'team'));
    fs.writeFileSync(path.join(dir, 'team', 'x.yml'), '');
    const scan = scanManifests(dir);
    expect(scan.entries.map((e) => [e.rel, e.addon])).toEqual([
      ['a.yaml', 'a'],
      ['c.json', 'c'],
      [path.join('team', 'x.yml'), 'team-x'],
    ]);
    expect(scan.skipped).toEqual(['b.yaml']);
    expect(scan.duplicates).toEqual(['c.yaml']);
  });

  it('finds nothing in a missing directory', () => {
    expect(scanManifests(path.join(tmp(), 'absent')).entries).toEqual([]);
  });
});
