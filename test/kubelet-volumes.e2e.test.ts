// Kubelet volumes, static pods and image pull auth against real containerd inside the built
// `k3ts server`: emptyDir on tmpfs, downwardAPI, a projected service-account token volume (the
// kube-api-access shape) whose token the API server accepts, configMap updates reaching a running
// pod, a persistentVolumeClaim on a hostPath PV, static pods with mirror pods, imagePullSecrets
// sent to the registry, and registries.yaml mirrors wired into containerd's hosts dir (a loopback
// HTTP listener plays the registry). Needs root + containerd (see agent-cluster.ts); skipped otherwise.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentSuiteUnavailable, startAgentServer, type AgentServer } from './helpers/agent-cluster';
import { freePort } from './helpers/binary';
import { eventually } from './helpers/cluster';

const NODE = 'k3ts-vol-node';
const IMAGE = 'k3ts.local/busybox:1';
const unavailable = agentSuiteUnavailable();

type Json = Record<string, any>;

interface SeenRequest {
  readonly url: string;
  readonly authorization?: string;
}

describe.skipIf(unavailable !== undefined)('kubelet volumes, static pods and image pull auth (real containerd)', () => {
  let s: AgentServer;
  /** Two ports of one fake registry: `registryPort` has credentials in registries.yaml, `plainPort` none. */
  let registry: http.Server;
  let plain: http.Server;
  let registryPort = 0;
  let plainPort = 0;
  let tmp: string;
  const seen: SeenRequest[] = [];
  /** Registry hosts nothing listens on; registries.yaml mirrors them to the listener's ports. */
  let mirrored = '';
  let privateReg = '';

  const podJson = (name: string, spec: Json, metadata: Json = {}) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, ...metadata }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, ...spec } });
  const running = (name: string, ns = 'default'): Promise<Json> =>
    eventually(async () => {
      const p = await s.json(['-n', ns, 'get', 'pod', name]);
      return p.status?.phase === 'Running' && p.status.containerStatuses?.every((c: Json) => c.ready) ? p : undefined;
    }, `pod ${ns}/${name} Running`, 60_000);
  const exec = (pod: string, cmd: string) => s.ok(['exec', pod, '--', 'sh', '-c', cmd]);

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-vol-e2e-'));
    // The "registry": answers 401 with a Basic challenge until credentials come, then 404.
    const handler: http.RequestListener = (req, res) => {
      seen.push({ url: String(req.url), authorization: req.headers.authorization });
      if (!req.headers.authorization) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="k3ts-test"', 'Docker-Distribution-API-Version': 'registry/2.0' });
      } else res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no such image"}]}');
    };
    registry = http.createServer(handler);
    plain = http.createServer(handler);
    await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    registryPort = (registry.address() as AddressInfo).port;
    plainPort = (plain.address() as AddressInfo).port;
    mirrored = `127.0.0.1:${await freePort()}`;
    privateReg = `127.0.0.1:${await freePort()}`;
    const registriesYaml = path.join(tmp, 'registries.yaml');
    fs.writeFileSync(registriesYaml, `mirrors:\n  "${mirrored}":\n    endpoint:\n      - "http://127.0.0.1:${registryPort}"\n    rewrite:\n      "^library/(.*)": "rewritten/$1"\n  "${privateReg}":\n    endpoint: ["http://127.0.0.1:${plainPort}"]\nconfigs:\n  "127.0.0.1:${registryPort}":\n    auth:\n      username: mirror-user\n      password: mirror-pass\n`);
    s = await startAgentServer({ nodeName: NODE, extraArgs: ['--private-registry', registriesYaml] });
    await eventually(async () => (await s.json(['get', 'node', NODE])).status?.conditions?.find((c: Json) => c.type === 'Ready')?.status === 'True', 'the node to be Ready', 60_000);
    await eventually(async () => (await s.kubectl(['get', 'serviceaccount', 'default'])).exitCode === 0, 'the default service account', 30_000);
  }, 180_000);

  afterAll(async () => {
    await s?.stop();
    for (const srv of [registry, plain]) await new Promise<void>((r) => (srv ? srv.close(() => r()) : r()));
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }, 180_000);

  it('mounts emptyDir Memory as a sized tmpfs, downwardAPI files and a kube-api-access projected volume whose token works', async () => {
    await s.ok(['apply', '-f', '-'], podJson(
      'vols',
      {
        containers: [{
          name: 'c',
          image: IMAGE,
          command: ['sleep', '3600'],
          resources: { limits: { memory: '64Mi' } },
          volumeMounts: [
            { name: 'cache', mountPath: '/cache' },
            { name: 'info', mountPath: '/etc/podinfo' },
            { name: 'kube-api-access-test', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
          ],
        }],
        volumes: [
          { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
          {
            name: 'info',
            downwardAPI: {
              items: [
                { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
                { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' } },
                { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
                { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
                { path: 'mem_limit', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } },
              ],
            },
          },
          {
            name: 'kube-api-access-test',
            projected: {
              defaultMode: 420,
              sources: [
                { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
                { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
              ],
            },
          },
        ],
      },
      { labels: { app: 'vols', tier: 'test' }, annotations: { owner: 'e2e' } },
    ));
    const p = await running('vols');
    const uid = p.metadata.uid as string;
    const mount = (await exec('vols', 'grep " /cache " /proc/mounts')).trim();
    expect(mount).toMatch(/^tmpfs \/cache tmpfs .*size=8192k/);
    expect(await exec('vols', 'cat /etc/podinfo/name; echo; cat /etc/podinfo/uid; echo; cat /etc/podinfo/labels; echo; cat /etc/podinfo/mem_limit')).toBe(`vols\n${uid}\napp="vols"\ntier="test"\n64`);
    expect(await exec('vols', 'cat /etc/podinfo/annotations')).toContain('owner="e2e"');
    expect(await exec('vols', 'ls -a /etc/podinfo | grep -c "^\\.\\.data$"')).toBe('1');

    const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
    expect(await exec('vols', `cat ${sa}/namespace`)).toBe('default');
    // Secrets and tokens stay off the disk: the projected volume is a tmpfs.
    expect(await exec('vols', `grep " ${sa} " /proc/mounts`)).toMatch(/^tmpfs /);
    const ca = (await s.json(['get', 'configmap', 'kube-root-ca.crt'])).data['ca.crt'];
    expect(await exec('vols', `cat ${sa}/ca.crt`)).toBe(ca.trim());
    const token = await exec('vols', `cat ${sa}/token`);
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims.sub).toBe('system:serviceaccount:default:default');
    expect(claims['kubernetes.io'].pod).toEqual({ name: 'vols', uid });
    expect(claims.exp - claims.iat).toBe(3607);
    // The API server authenticates the token as the service account (which has no RBAC grants).
    const r = await s.kubectl(['--token', token, '--kubeconfig', '/dev/null', '--server', `https://127.0.0.1:${s.port}`, '--insecure-skip-tls-verify', 'get', 'secrets']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('system:serviceaccount:default:default');
    const bad = await s.kubectl(['--token', `${token.slice(0, -4)}AAAA`, '--kubeconfig', '/dev/null', '--server', `https://127.0.0.1:${s.port}`, '--insecure-skip-tls-verify', 'get', 'secrets']);
    expect(bad.stderr).toMatch(/Unauthorized|provide credentials/);

    // Teardown unmounts the tmpfs and removes the pod's directory.
    await s.ok(['delete', 'pod', 'vols', '--grace-period=1']);
    const podDir = path.join(s.dataDir, 'agent', 'kubelet', 'pods', uid);
    await eventually(async () => !fs.existsSync(podDir), 'the pod directory to be removed', 30_000);
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(podDir);
  });

  it('propagates configMap and secret updates into a running pod through the ..data swap', async () => {
    await s.ok(['create', 'configmap', 'live', '--from-literal=color=red', '--from-literal=size=1']);
    const blob = Buffer.from([0, 0xff, 0xfe, 0x80, 0x0a, 0xc3, 0x28]);
    const blobFile = path.join(tmp, 'blob.bin');
    fs.writeFileSync(blobFile, blob);
    await s.ok(['create', 'secret', 'generic', 'live-s', '--from-literal=pw=one', `--from-file=blob=${blobFile}`]);
    await s.ok(['apply', '-f', '-'], podJson('watcher', {
      containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }, { name: 'sec', mountPath: '/sec' }] }],
      volumes: [{ name: 'cfg', configMap: { name: 'live', items: [{ key: 'color', path: 'nested/color' }], defaultMode: 0o440 } }, { name: 'sec', secret: { secretName: 'live-s' } }],
    }));
    await running('watcher');
    expect(await exec('watcher', 'cat /cfg/nested/color; stat -L -c %a /cfg/nested/color; cat /sec/pw; readlink /cfg/nested')).toBe('red440\none..data/nested');
    // Binary secret values arrive byte for byte.
    expect((await exec('watcher', 'md5sum /sec/blob')).split(' ')[0]).toBe(createHash('md5').update(blob).digest('hex'));
    const before = await exec('watcher', 'readlink /cfg/..data');
    const t0 = Date.now();
    await s.ok(['patch', 'configmap', 'live', '--type=merge', '-p', '{"data":{"color":"blue"}}']);
    await s.ok(['patch', 'secret', 'live-s', '--type=merge', '-p', `{"data":{"pw":"${Buffer.from('two').toString('base64')}"}}`]);
    await eventually(async () => (await exec('watcher', 'cat /cfg/nested/color; cat /sec/pw')) === 'bluetwo' || undefined, 'the update to reach the pod', 120_000);
    console.log(`configMap/secret update → visible in the pod: ${Date.now() - t0} ms`);
    expect(await exec('watcher', 'readlink /cfg/..data')).not.toBe(before);
    await s.ok(['delete', 'pod', 'watcher', '--grace-period=1', '--wait=false']);
  }, 180_000);

  it('mounts a persistentVolumeClaim bound to a hostPath PV', async () => {
    const hostDir = path.join(tmp, 'pv-data');
    fs.mkdirSync(hostDir);
    fs.writeFileSync(path.join(hostDir, 'seed'), 'from-host');
    await s.ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-e2e' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: hostDir, type: 'Directory' }, claimRef: { namespace: 'default', name: 'claim-e2e' } } }));
    await s.ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'claim-e2e' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: 'pv-e2e' } }));
    // Mark the pre-bound claim Bound as a PV binder would, so this test does not depend on one.
    await s.ok(['patch', 'pvc', 'claim-e2e', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Bound"}}']);
    await s.ok(['apply', '-f', '-'], podJson('pvcpod', {
      containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'cat /data/seed > /data/copy; sleep 3600'], volumeMounts: [{ name: 'd', mountPath: '/data' }] }],
      volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'claim-e2e' } }],
    }));
    await running('pvcpod');
    await eventually(async () => (fs.existsSync(path.join(hostDir, 'copy')) ? fs.readFileSync(path.join(hostDir, 'copy'), 'utf8') === 'from-host' : undefined), 'the pod to write into the PV');
    await s.ok(['delete', 'pod', 'pvcpod', '--grace-period=1']);
    expect(fs.readFileSync(path.join(hostDir, 'seed'), 'utf8')).toBe('from-host');
  });

  it('runs static pods from pod-manifests with a mirror pod; edits replace and removal stops them', async () => {
    const dir = path.join(s.dataDir, 'agent', 'pod-manifests');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'static-web.yaml');
    const manifest = (msg: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: static-web\n  namespace: kube-system\n  labels: {app: static-web}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: c\n    image: ${IMAGE}\n    command: [sh, -c, "echo ${msg}; sleep 3600"]\n`;
    fs.writeFileSync(file, manifest('first'));
    const name = `static-web-${NODE}`;
    const node = await s.json(['get', 'node', NODE]);
    const m1 = await running(name, 'kube-system');
    expect(m1.metadata.annotations['kubernetes.io/config.mirror']).toMatch(/^[0-9a-f]{32}$/);
    expect(m1.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Node', name: NODE, uid: node.metadata.uid })]);
    expect(await eventually(async () => (await s.ok(['-n', 'kube-system', 'logs', name])).trim() || undefined, 'static pod logs')).toBe('first');

    // Deleting the mirror does not stop the pod; the mirror comes back.
    await s.ok(['-n', 'kube-system', 'delete', 'pod', name, '--wait=false']);
    const back = await eventually(async () => {
      const p = await s.json(['-n', 'kube-system', 'get', 'pod', name]).catch(() => undefined);
      return p && p.metadata.uid !== m1.metadata.uid && !p.metadata.deletionTimestamp ? p : undefined;
    }, 'the mirror pod to be recreated', 30_000);
    expect(back.metadata.annotations['kubernetes.io/config.mirror']).toBe(m1.metadata.annotations['kubernetes.io/config.mirror']);
    expect((await running(name, 'kube-system')).status.containerStatuses[0].restartCount).toBe(0);

    // A restart of k3ts re-adopts the static pod: same container, same mirror.
    const before = (await s.json(['-n', 'kube-system', 'get', 'pod', name])) as Json;
    await s.restart();
    await eventually(async () => (await s.json(['get', 'node', NODE])).status?.conditions?.find((c: Json) => c.type === 'Ready')?.status === 'True', 'the node Ready again', 60_000);
    const after = await running(name, 'kube-system');
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.status.containerStatuses[0].containerID).toBe(before.status.containerStatuses[0].containerID);
    expect(after.status.containerStatuses[0].restartCount).toBe(0);

    // An edit is a new pod; the mirror follows.
    fs.writeFileSync(file, manifest('second'));
    await eventually(async () => (await s.ok(['-n', 'kube-system', 'logs', name]).catch(() => '')).trim() === 'second' || undefined, 'the edited static pod to run', 60_000);
    const m2 = await running(name, 'kube-system');
    expect(m2.metadata.annotations['kubernetes.io/config.mirror']).not.toBe(m1.metadata.annotations['kubernetes.io/config.mirror']);

    // Removal stops it and deletes the mirror.
    fs.rmSync(file);
    await eventually(async () => (await s.kubectl(['-n', 'kube-system', 'get', 'pod', name])).exitCode !== 0 || undefined, 'the mirror pod to be deleted', 30_000);
    const staticUid = m2.metadata.annotations['kubernetes.io/config.mirror'];
    await eventually(async () => !fs.existsSync(path.join(s.dataDir, 'agent', 'kubelet', 'pods', staticUid)) || undefined, 'the static pod to be torn down', 30_000);
  }, 180_000);

  it('pulls through registries.yaml mirrors (hosts dir wired into containerd) and sends imagePullSecrets', async () => {
    const withSeen = async <T>(p: Promise<T>): Promise<T> => p.catch((e: Error) => Promise.reject(new Error(`${e.message}; the registry saw ${JSON.stringify(seen)}`)));
    // The hosts dir is rendered and containerd uses it: a pull from the mirrored registry reaches the mirror, with its auth header.
    const hosts = fs.readFileSync(path.join(s.dataDir, 'agent', 'etc', 'containerd', 'certs.d', mirrored, 'hosts.toml'), 'utf8');
    expect(hosts).toContain(`[host."http://127.0.0.1:${registryPort}/v2"]`);
    expect(fs.readFileSync(path.join(s.dataDir, 'agent', 'etc', 'containerd', 'config.toml'), 'utf8')).toContain('config_path');
    await s.ok(['apply', '-f', '-'], podJson('mirrored', { containers: [{ name: 'c', image: `${mirrored}/library/nothing:2`, imagePullPolicy: 'Always' }] }));
    // Rewrites are rendered as K3s does; stock containerd 1.6 ignores them (K3s' containerd applies them).
    expect(hosts).toContain('"^library/(.*)" = "rewritten/$1"');
    const hit = await withSeen(eventually(async () => seen.find((r) => /\/(library|rewritten)\/nothing\/manifests\/2/.test(r.url)), 'the mirror endpoint to be asked', 60_000));
    console.log(`mirror asked for ${hit.url}`);
    expect(hit.authorization).toBe(`Basic ${Buffer.from('mirror-user:mirror-pass').toString('base64')}`);
    await s.ok(['delete', 'pod', 'mirrored', '--grace-period=1', '--wait=false']);

    // imagePullSecrets: the registry's Basic challenge is answered with the secret's credentials.
    const auth = Buffer.from('puller:hunter2').toString('base64');
    await s.ok(['create', 'secret', 'docker-registry', 'regcred', `--docker-server=${privateReg}`, '--docker-username=puller', '--docker-password=hunter2']);
    await s.ok(['apply', '-f', '-'], podJson('private', { imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'c', image: `${privateReg}/team/app:1`, imagePullPolicy: 'Always' }] }));
    await withSeen(eventually(async () => seen.find((r) => r.url.startsWith('/v2/team/app/manifests/1') && r.authorization === `Basic ${auth}`), 'the registry to see the pull secret', 60_000));
    const waiting = await eventually(async () => {
      const w = (await s.json(['get', 'pod', 'private'])).status?.containerStatuses?.[0]?.state?.waiting;
      return w && /ErrImagePull|ImagePullBackOff/.test(w.reason) ? w : undefined;
    }, 'ErrImagePull', 60_000);
    expect(waiting.message).toContain(`${privateReg}/team/app:1`);
    await s.ok(['delete', 'pod', 'private', '--grace-period=1', '--wait=false']);
  }, 180_000);
});
