// Auto-deployed addons of a built `k3ts server` (--disable-agent, /usr/bin/kubectl): the packaged
// manifests land in server/manifests and become Addons (k3ts.io/v1) with their objects (local-path
// StorageClass, traefik's Deployment/Service/IngressClass); files users drop there are applied,
// re-applied within 5 s of an edit, pruned of objects removed from them, skipped with `.skip`;
// a failing manifest leaves a Warning event; `--disable traefik` on restart removes the file, its
// objects and its Addon; `--cluster-dns-provider coredns` deploys CoreDNS and the kube-dns Service.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, type TestServer } from './helpers/cluster';

type Json = Record<string, any>;

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

async function json(s: TestServer, args: readonly string[]): Promise<Json> {
  const r = await s.kubectl([...args, '-o', 'json']);
  if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.exitCode}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Json;
}

/** The object as JSON, or undefined when kubectl says NotFound. */
async function maybe(s: TestServer, args: readonly string[]): Promise<Json | undefined> {
  const r = await s.kubectl([...args, '-o', 'json']);
  if (r.exitCode !== 0) {
    if (/NotFound|not found/.test(r.stderr)) return undefined;
    throw new Error(`kubectl ${args.join(' ')} failed (${r.exitCode}): ${r.stderr}`);
  }
  return JSON.parse(r.stdout) as Json;
}

async function addonEvents(s: TestServer, addon: string): Promise<Json[]> {
  const list = await json(s, ['get', 'events', '-n', 'kube-system', '--field-selector', `involvedObject.kind=Addon,involvedObject.name=${addon}`]);
  return list.items as Json[];
}

const configMaps = (names: Record<string, string>) =>
  Object.entries(names)
    .map(([name, value]) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  value: "${value}"\n`)
    .join('---\n');

describe('auto-deployed addons', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-addons-e2e-'));
  let s: TestServer | undefined;
  let manifests = '';

  beforeAll(async () => {
    s = await startTestServer({ dir });
    manifests = path.join(s.dataDir, 'server', 'manifests');
  });

  afterAll(async () => {
    await s?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the packaged manifests and applies them as Addons: local-path StorageClass, traefik', async () => {
    const server = s!;
    expect(fs.readdirSync(manifests).sort()).toEqual(['local-storage.yaml', 'traefik.yaml']);
    // Builtin DNS (the default): no coredns.yaml.
    expect(fs.existsSync(path.join(manifests, 'coredns.yaml'))).toBe(false);
    await eventually(async () => (await maybe(server, ['get', 'ingressclass', 'traefik'])) !== undefined, 'the traefik IngressClass');

    const table = await server.kubectl(['get', 'addons', '-A']);
    expect(table.exitCode).toBe(0);
    const [header, ...rows] = table.stdout.trim().split('\n');
    expect(header!.split(/\s+/)).toEqual(['NAMESPACE', 'NAME', 'SOURCE', 'CHECKSUM', 'AGE']);
    const byName = new Map(rows.map((r) => r.split(/\s+/)).map((c) => [c[1], c]));
    for (const [name, file] of [['local-storage', 'local-storage.yaml'], ['traefik', 'traefik.yaml']] as const) {
      const row = byName.get(name);
      expect(row?.[0]).toBe('kube-system');
      expect(row?.[2]).toBe(path.join(manifests, file));
      expect(row?.[3]).toBe(sha256(fs.readFileSync(path.join(manifests, file), 'utf8')));
    }

    const sc = await json(server, ['get', 'storageclass', 'local-path']);
    expect(sc.provisioner).toBe('rancher.io/local-path');
    expect(sc.volumeBindingMode).toBe('WaitForFirstConsumer');
    expect(sc.metadata.annotations['storageclass.kubernetes.io/is-default-class']).toBe('true');
    const config = await json(server, ['get', 'configmap', '-n', 'kube-system', 'local-path-config']);
    expect(JSON.parse(config.data['config.json']).nodePathMap[0].paths).toEqual([path.join(server.dataDir, 'storage')]);

    const deployment = await json(server, ['get', 'deployment', '-n', 'kube-system', 'traefik']);
    expect(deployment.spec.template.spec.containers[0].image).toMatch(/^rancher\/mirrored-library-traefik:/);
    const svc = await json(server, ['get', 'service', '-n', 'kube-system', 'traefik']);
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.ports.map((p: Json) => p.port)).toEqual([80, 443]);
    const ic = await json(server, ['get', 'ingressclass', 'traefik']);
    expect(ic.metadata.annotations['ingressclass.kubernetes.io/is-default-class']).toBe('true');
    const addon = await json(server, ['get', 'addon', '-n', 'kube-system', 'traefik']);
    expect(addon.status.objects.map((o: Json) => `${o.kind}/${o.name}`).sort()).toEqual(
      ['ClusterRole/traefik-kube-system', 'ClusterRoleBinding/traefik-kube-system', 'Deployment/traefik', 'IngressClass/traefik', 'Service/traefik', 'ServiceAccount/traefik'].sort(),
    );
    // Server-side applied by the deployer's field manager.
    const managed = await json(server, ['get', 'deployment', '-n', 'kube-system', 'traefik', '--show-managed-fields']);
    expect(managed.metadata.managedFields.some((m: Json) => m.manager === 'k3ts-deploy' && m.operation === 'Apply')).toBe(true);
    const reasons = (await addonEvents(server, 'traefik')).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['ApplyingManifest', 'AppliedManifest']));
  });

  it('applies a user file, re-applies it within 5 s of an edit and prunes what was removed', async () => {
    const server = s!;
    const file = path.join(manifests, 'user-web.yaml');
    fs.writeFileSync(file, configMaps({ 'addon-a': 'one', 'addon-b': 'two' }));
    await eventually(async () => (await maybe(server, ['get', 'configmap', 'addon-b'])) !== undefined, 'the user manifest applied');
    const addon = await json(server, ['get', 'addon', '-n', 'kube-system', 'user-web']);
    expect(addon.spec.source).toBe(file);
    expect(addon.spec.checksum).toBe(sha256(fs.readFileSync(file, 'utf8')));

    // Edit: a changes, b is gone from the file.
    fs.writeFileSync(file, configMaps({ 'addon-a': 'changed' }));
    const edited = sha256(fs.readFileSync(file, 'utf8'));
    await eventually(async () => (await json(server, ['get', 'configmap', 'addon-a'])).data.value === 'changed', 'the edit applied', 5_000);
    await eventually(async () => (await maybe(server, ['get', 'configmap', 'addon-b'])) === undefined, 'addon-b pruned', 5_000);
    await eventually(async () => (await json(server, ['get', 'addon', '-n', 'kube-system', 'user-web'])).spec.checksum === edited, 'the new checksum recorded', 5_000);
    const after = await json(server, ['get', 'addon', '-n', 'kube-system', 'user-web']);
    expect(after.status.objects).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'addon-a' }]);
    const pruned = (await addonEvents(server, 'user-web')).find((e) => e.reason === 'PrunedObjects');
    expect(pruned?.message).toContain('ConfigMap default/addon-b');
  });

  it('walks subdirectories, reads JSON, and skips x.yaml when x.yaml.skip exists', async () => {
    const server = s!;
    fs.writeFileSync(path.join(manifests, 'skipped.yaml'), configMaps({ 'addon-skipped': 'no' }));
    fs.writeFileSync(path.join(manifests, 'skipped.yaml.skip'), '');
    fs.mkdirSync(path.join(manifests, 'team'));
    // Written last: once it is applied, the pass that applied it had seen skipped.yaml too.
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'addon-json', namespace: 'default' }, data: { value: 'json' } };
    fs.writeFileSync(path.join(manifests, 'team', 'extra.json'), JSON.stringify(cm));
    await eventually(async () => (await maybe(server, ['get', 'configmap', 'addon-json'])) !== undefined, 'the JSON manifest in a subdirectory applied');
    expect((await json(server, ['get', 'addon', '-n', 'kube-system', 'team-extra'])).spec.source).toBe(path.join(manifests, 'team', 'extra.json'));
    expect(await maybe(server, ['get', 'configmap', 'addon-skipped'])).toBeUndefined();
    expect(await maybe(server, ['get', 'addon', '-n', 'kube-system', 'skipped'])).toBeUndefined();
  });

  it('records a Warning event with the error when a manifest cannot be applied', async () => {
    const server = s!;
    fs.writeFileSync(path.join(manifests, 'broken.yaml'), 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n');
    const failed = await eventually(async () => (await addonEvents(server, 'broken')).find((e) => e.reason === 'ApplyManifestFailed'), 'an ApplyManifestFailed event');
    expect(failed.type).toBe('Warning');
    expect(failed.message).toContain('does not serve kind Widget in example.com/v1');
  });

  it('removes traefik (file, objects, Addon) when restarted with --disable traefik', async () => {
    await s!.stop();
    s = await startTestServer({ dir, extraArgs: ['--disable', 'traefik'] });
    const server = s;
    await eventually(async () => (await maybe(server, ['get', 'addon', '-n', 'kube-system', 'traefik'])) === undefined, 'the traefik Addon deleted');
    expect(fs.existsSync(path.join(manifests, 'traefik.yaml'))).toBe(false);
    for (const args of [
      ['get', 'deployment', '-n', 'kube-system', 'traefik'],
      ['get', 'service', '-n', 'kube-system', 'traefik'],
      ['get', 'serviceaccount', '-n', 'kube-system', 'traefik'],
      ['get', 'ingressclass', 'traefik'],
      ['get', 'clusterrole', 'traefik-kube-system'],
      ['get', 'clusterrolebinding', 'traefik-kube-system'],
    ]) {
      await eventually(async () => (await maybe(server, args)) === undefined, `${args.slice(1).join(' ')} deleted`);
    }
    // The rest stays.
    expect(await maybe(server, ['get', 'addon', '-n', 'kube-system', 'local-storage'])).toBeDefined();
    expect(await maybe(server, ['get', 'storageclass', 'local-path'])).toBeDefined();
    expect((await json(server, ['get', 'configmap', 'addon-a'])).data.value).toBe('changed');
  });
});

describe('auto-deployed addons with --cluster-dns-provider coredns', () => {
  let s: TestServer | undefined;

  beforeAll(async () => {
    s = await startTestServer({ extraArgs: ['--cluster-dns-provider', 'coredns', '--cluster-domain', 'k3ts.test'] });
  });

  afterAll(async () => {
    await s?.stop();
  });

  it('deploys CoreDNS with the kube-dns Service at --cluster-dns and the domain substituted', async () => {
    const server = s!;
    const manifests = path.join(server.dataDir, 'server', 'manifests');
    expect(fs.existsSync(path.join(manifests, 'coredns.yaml'))).toBe(true);
    const svc = await eventually(async () => maybe(server, ['get', 'service', '-n', 'kube-system', 'kube-dns']), 'the kube-dns Service');
    expect(svc.spec.clusterIP).toBe('10.43.0.10');
    expect(svc.metadata.labels['k8s-app']).toBe('kube-dns');
    expect(svc.spec.ports.map((p: Json) => `${p.port}/${p.protocol}`)).toEqual(['53/UDP', '53/TCP', '9153/TCP']);
    const addon = await eventually(async () => maybe(server, ['get', 'addon', '-n', 'kube-system', 'coredns']), 'the coredns Addon');
    expect(addon.spec.source).toBe(path.join(manifests, 'coredns.yaml'));
    const deployment = await eventually(async () => maybe(server, ['get', 'deployment', '-n', 'kube-system', 'coredns']), 'the coredns Deployment');
    expect(deployment.spec.template.spec.containers[0].image).toMatch(/^rancher\/mirrored-coredns-coredns:/);
    const corefile = (await json(server, ['get', 'configmap', '-n', 'kube-system', 'coredns'])).data.Corefile as string;
    expect(corefile).toContain('kubernetes k3ts.test in-addr.arpa ip6.arpa');
    expect(corefile).not.toContain('%{');
  });
});
