// The controllers inside the built dist/k3ts, driven by the real kubectl: namespace deletion,
// cascading deletes (foreground / orphan / background), the default ServiceAccount and
// kube-root-ca.crt in new namespaces, and leader election between two servers on one PostgreSQL.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../pkg/client';
import { runSimulatedKubelet } from '../pkg/controllers/testing/simulated-kubelet';
import { runId, withExternalDb } from '../pkg/storage/drivers/sql/external-db.test-helper';
import { adminClient, eventually, startTestServer, type TestServer } from './helpers/cluster';

type Json = Record<string, any>;

function kubectlOf(s: TestServer) {
  const ok = async (args: string[], input?: string) => {
    const r = await s.kubectl(args, { input });
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
  const json = async (args: string[]) => JSON.parse(await ok([...args, '-o', 'json'])) as Json;
  const missing = async (args: string[]) => {
    const r = await s.kubectl(args);
    return r.exitCode !== 0 && /NotFound|not found/.test(r.stderr);
  };
  return { ok, json, missing, run: (args: string[]) => s.kubectl(args) };
}

describe('controllers in k3ts server', () => {
  let s: TestServer;
  let k: ReturnType<typeof kubectlOf>;
  const kubelet = new AbortController();
  let kubeletRun: Promise<void> | undefined;

  beforeAll(async () => {
    s = await startTestServer();
    k = kubectlOf(s);
    // No agent in these tests: a simulated kubelet (in this process) reports pods Running and Ready.
        const admin = adminClient(s);
    kubeletRun = runSimulatedKubelet({ client: admin, clock: systemClock }, kubelet.signal).finally(() => admin.close());
    for (const ns of ['cascade', 'ro']) await k.ok(['create', 'namespace', ns]);
  }, 120_000);
  afterAll(async () => {
    kubelet.abort();
    await kubeletRun;
    await s?.stop();
  });

  it('gives new namespaces the default ServiceAccount and kube-root-ca.crt', async () => {
    await k.ok(['create', 'namespace', 'fresh']);
    await eventually(async () => (await k.json(['-n', 'fresh', 'get', 'serviceaccount', 'default'])).metadata.uid, 'the default service account');
    const cm = await eventually(() => k.json(['-n', 'fresh', 'get', 'configmap', 'kube-root-ca.crt']), 'kube-root-ca.crt');
    expect(cm.data['ca.crt']).toBe(fs.readFileSync(path.join(s.dataDir, 'server', 'tls', 'server-ca.crt'), 'utf8'));
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      await eventually(() => k.json(['-n', ns, 'get', 'configmap', 'kube-root-ca.crt']), `kube-root-ca.crt in ${ns}`);
    }
  });

  it('kubectl delete namespace empties it and removes it', async () => {
    await k.ok(['create', 'namespace', 'doomed']);
    await k.ok(['-n', 'doomed', 'create', 'configmap', 'c', '--from-literal=a=b']);
    await k.ok(['-n', 'doomed', 'create', 'deployment', 'web', '--image=busybox', '--replicas=2']);
    await k.ok(['-n', 'doomed', 'create', 'secret', 'generic', 's', '--from-literal=a=b']);
    await eventually(async () => (await k.ok(['-n', 'doomed', 'get', 'pods', '-o', 'name'])).split('\n').filter(Boolean).length === 2, 'the pods');
    await k.ok(['delete', 'namespace', 'doomed', '--timeout=30s']);
    expect(await k.missing(['get', 'namespace', 'doomed'])).toBe(true);
    expect(await k.ok(['get', 'configmaps,deployments,replicasets,pods,secrets,serviceaccounts', '-n', 'doomed', '-o', 'name'])).toBe('');
  });

  it('finishes a rollout correctly after the server is killed (SIGKILL) in the middle of it', async () => {
    await k.ok(['create', 'namespace', 'midway']);
    const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'mid', namespace: 'midway' }, spec: {
      replicas: 4, minReadySeconds: 1, selector: { matchLabels: { app: 'mid' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: { metadata: { labels: { app: 'mid' } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } },
    } };
    await k.ok(['apply', '-f', '-'], JSON.stringify(deploy));
    await k.ok(['-n', 'midway', 'rollout', 'status', 'deployment/mid', '--timeout=90s']);
    await k.ok(['-n', 'midway', 'set', 'image', 'deployment/mid', 'c=busybox:2']);
    // Mid-rollout: the new ReplicaSet has started pods while the old one still has replicas.
    await eventually(async () => {
      const sets = (await k.json(['-n', 'midway', 'get', 'rs', '-l', 'app=mid'])).items as Json[];
      const image = (rs: Json) => rs.spec.template.spec.containers[0].image;
      const fresh = sets.find((rs) => image(rs) === 'busybox:2');
      const old = sets.find((rs) => image(rs) === 'busybox:1');
      return fresh && old && (fresh.status?.replicas ?? 0) >= 1 && old.spec.replicas >= 2;
    }, 'the rollout to be under way', 60_000, 20);
    await s.crashAndRestart();
    await k.ok(['-n', 'midway', 'rollout', 'status', 'deployment/mid', '--timeout=120s']);
    const pods = (await k.json(['-n', 'midway', 'get', 'pods', '-l', 'app=mid'])).items.filter((p: Json) => !p.metadata.deletionTimestamp) as Json[];
    expect(pods).toHaveLength(4);
    expect(pods.every((p) => p.spec.containers[0].image === 'busybox:2')).toBe(true);
    const sets = (await k.json(['-n', 'midway', 'get', 'rs', '-l', 'app=mid'])).items as Json[];
    expect(sets).toHaveLength(2);
    const byImage = Object.fromEntries(sets.map((rs) => [rs.spec.template.spec.containers[0].image, rs]));
    expect(byImage['busybox:1'].spec.replicas).toBe(0);
    expect(byImage['busybox:2'].spec.replicas).toBe(4);
    expect(byImage['busybox:2'].metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
  }, 240_000);

  /** A Deployment with its ReplicaSet and two ready pods, made by the controllers. */
  const deployed = async (name: string) => {
    await k.ok(['-n', 'cascade', 'create', 'deployment', name, '--image=busybox', '--replicas=2']);
    await k.ok(['-n', 'cascade', 'rollout', 'status', `deployment/${name}`, '--timeout=60s']);
    const rs = (await k.json(['-n', 'cascade', 'get', 'rs', '-l', `app=${name}`])).items;
    expect(rs).toHaveLength(1);
    const pods = (await k.json(['-n', 'cascade', 'get', 'pods', '-l', `app=${name}`])).items;
    expect(pods).toHaveLength(2);
    return { rs: rs[0].metadata.name as string, pods: pods.map((p: Json) => p.metadata.name as string) };
  };

  it('kubectl delete --cascade=foreground deletes the ReplicaSet and pods, then the Deployment', async () => {
    await deployed('fg');
    await k.ok(['-n', 'cascade', 'delete', 'deployment', 'fg', '--cascade=foreground', '--timeout=30s']);
    expect(await k.missing(['-n', 'cascade', 'get', 'deployment', 'fg'])).toBe(true);
    expect(await k.ok(['-n', 'cascade', 'get', 'rs,pods', '-l', 'app=fg', '-o', 'name'])).toBe('');
  });

  it('kubectl delete --cascade=orphan keeps the ReplicaSet (and its pods) without the owner reference', async () => {
    const { rs, pods } = await deployed('or');
    await k.ok(['-n', 'cascade', 'delete', 'deployment', 'or', '--cascade=orphan', '--timeout=30s']);
    expect(await k.missing(['-n', 'cascade', 'get', 'deployment', 'or'])).toBe(true);
    const kept = await k.json(['-n', 'cascade', 'get', 'rs', rs]);
    expect(kept.metadata.ownerReferences ?? []).toEqual([]);
    expect(kept.metadata.deletionTimestamp).toBeUndefined();
    const left = (await k.json(['-n', 'cascade', 'get', 'pods', '-l', 'app=or'])).items.map((p: Json) => p.metadata.name).sort();
    expect(left).toEqual([...pods].sort());
  });

  it('kubectl delete --cascade=background removes the Deployment at once and its dependents after', async () => {
    await deployed('bg');
    await k.ok(['-n', 'cascade', 'delete', 'deployment', 'bg', '--cascade=background']);
    expect(await k.missing(['-n', 'cascade', 'get', 'deployment', 'bg'])).toBe(true);
    await eventually(async () => (await k.ok(['-n', 'cascade', 'get', 'rs,pods', '-l', 'app=bg', '-o', 'name'])) === '', 'the dependents to go', 15_000);
  });

  it('replaces a deleted pod of a 3-replica Deployment', async () => {
    await k.ok(['-n', 'ro', 'create', 'deployment', 'heal', '--image=busybox', '--replicas=3']);
    await k.ok(['-n', 'ro', 'rollout', 'status', 'deployment/heal', '--timeout=60s']);
    const before = (await k.json(['-n', 'ro', 'get', 'pods', '-l', 'app=heal'])).items.map((p: Json) => p.metadata.name as string);
    const deletedAt = Date.now();
    await k.ok(['-n', 'ro', 'delete', 'pod', before[0]!, '--wait=false']);
    const names = await eventually(async () => {
      const now = (await k.json(['-n', 'ro', 'get', 'pods', '-l', 'app=heal'])).items.filter((p: Json) => !p.metadata.deletionTimestamp).map((p: Json) => p.metadata.name as string);
      return now.length === 3 && !now.includes(before[0]!) ? now : undefined;
    }, 'a replacement pod');
    console.log(`self-healing: a replacement pod existed ${Date.now() - deletedAt} ms after the delete (including kubectl round trips)`);
    expect(names.filter((n: string) => !before.includes(n))).toHaveLength(1);
  });

  it('kubectl rollout status, set image, history, undo, pause, resume and restart', async () => {
    const ro = (...args: string[]) => k.ok(['-n', 'ro', ...args]);
    const image = async () => (await k.json(['-n', 'ro', 'get', 'deployment', 'web'])).spec.template.spec.containers[0].image as string;
    const podImages = async () => [...new Set((await k.json(['-n', 'ro', 'get', 'pods', '-l', 'app=web'])).items.filter((p: Json) => !p.metadata.deletionTimestamp).map((p: Json) => p.spec.containers[0].image as string))];
    await ro('create', 'deployment', 'web', '--image=busybox:1', '--replicas=3');
    expect(await ro('rollout', 'status', 'deployment/web', '--timeout=60s')).toMatch(/deployment "web" successfully rolled out/);

    await ro('set', 'image', 'deployment/web', 'busybox=busybox:2');
    await ro('annotate', 'deployment/web', 'kubernetes.io/change-cause=upgrade to busybox:2');
    expect(await ro('rollout', 'status', 'deployment/web', '--timeout=60s')).toMatch(/successfully rolled out/);
    expect(await podImages()).toEqual(['busybox:2']);
    const history = await ro('rollout', 'history', 'deployment/web');
    expect(history).toMatch(/^1\s+<none>$/m);
    expect(history).toMatch(/^2\s+upgrade to busybox:2$/m);
    expect(await ro('rollout', 'history', 'deployment/web', '--revision=2')).toMatch(/Image:\s+busybox:2/);

    expect(await ro('rollout', 'undo', 'deployment/web')).toMatch(/rolled back/);
    expect(await ro('rollout', 'status', 'deployment/web', '--timeout=60s')).toMatch(/successfully rolled out/);
    expect(await image()).toBe('busybox:1');
    expect(await podImages()).toEqual(['busybox:1']);
    const after = await ro('rollout', 'history', 'deployment/web');
    expect(after).toMatch(/^2\s+upgrade to busybox:2$/m);
    expect(after).toMatch(/^3\s+/m);
    expect(after).not.toMatch(/^1\s+/m);
    expect((await k.json(['-n', 'ro', 'get', 'deployment', 'web'])).metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');

    await ro('rollout', 'pause', 'deployment/web');
    await ro('set', 'image', 'deployment/web', 'busybox=busybox:3');
    // Paused: the controller observes the change (observedGeneration catches up) but rolls nothing out.
    await eventually(async () => {
      const d = await k.json(['-n', 'ro', 'get', 'deployment', 'web']);
      return d.status.observedGeneration === d.metadata.generation && d.status.conditions.some((c: Json) => c.reason === 'DeploymentPaused');
    }, 'the paused deployment to be observed');
    expect((await k.json(['-n', 'ro', 'get', 'rs', '-l', 'app=web'])).items).toHaveLength(2);
    expect((await k.run(['-n', 'ro', 'rollout', 'undo', 'deployment/web'])).stderr).toMatch(/paused/);
    await ro('rollout', 'resume', 'deployment/web');
    expect(await ro('rollout', 'status', 'deployment/web', '--timeout=60s')).toMatch(/successfully rolled out/);
    expect(await podImages()).toEqual(['busybox:3']);

    const beforeRestart = new Set((await k.json(['-n', 'ro', 'get', 'pods', '-l', 'app=web'])).items.map((p: Json) => p.metadata.name));
    await ro('rollout', 'restart', 'deployment/web');
    expect(await ro('rollout', 'status', 'deployment/web', '--timeout=60s')).toMatch(/successfully rolled out/);
    const restarted = (await k.json(['-n', 'ro', 'get', 'pods', '-l', 'app=web'])).items.filter((p: Json) => !p.metadata.deletionTimestamp);
    expect(restarted.some((p: Json) => beforeRestart.has(p.metadata.name))).toBe(false);

    await ro('scale', 'deployment/web', '--replicas=5');
    expect(await ro('rollout', 'status', 'deployment/web', '--timeout=60s')).toMatch(/successfully rolled out/);
    expect(await ro('get', 'deployment', 'web')).toMatch(/^web\s+5\/5\s+5\s+5\s+/m);
  });
});

withExternalDb('controllers: leader election on a shared PostgreSQL', 'K3TS_TEST_POSTGRES_URL', (url) => {
  describe('two servers on one PostgreSQL', () => {
    const database = `k3ts_le_${runId()}`;
    const dbUrl = new URL(url);
    dbUrl.pathname = `/${database}`;
    const dirs: string[] = [];
    const servers: TestServer[] = [];

    beforeAll(async () => {
      const root = new pg.Client({ connectionString: url });
      await root.connect();
      await root.query(`CREATE DATABASE ${database}`);
      await root.end();
    });

    afterAll(async () => {
      for (const s of servers) await s.process.stop(2000);
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
      const root = new pg.Client({ connectionString: url });
      await root.connect();
      await root.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await root.end();
    });

    const start = async (node: string, copyFrom?: string) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `k3ts-le-${node}-`));
      dirs.push(dir);
      // No multi-server bootstrap yet: the second server shares the first one's certificates by copy.
      if (copyFrom) fs.cpSync(copyFrom, path.join(dir, 'data'), { recursive: true });
      const s = await startTestServer({ dir, extraArgs: ['--datastore-endpoint', dbUrl.toString(), '--node-name', node] });
      servers.push(s);
      return s;
    };
    const holder = async (s: TestServer) => String((await kubectlOf(s).json(['-n', 'kube-system', 'get', 'lease', 'k3ts-controller-manager'])).spec.holderIdentity ?? '');
    const started = (s: TestServer) => (s.process.output().match(/starting controllers/g) ?? []).length;

    it('runs controllers on one server only, and the other takes over within 15 s when it dies', async () => {
      const a = await start('server-a');
      await eventually(async () => (await holder(a)).startsWith('server-a_'), 'server-a to hold the lease');
      const b = await start('server-b', a.dataDir);
      // b sees a's lease and only waits.
      await eventually(async () => /another server leads the controllers/.test(b.process.output()), 'server-b to see the leader');
      expect(await holder(b)).toMatch(/^server-a_/);
      expect(started(a)).toBe(1);
      expect(started(b)).toBe(0);
      // Work done through b is handled by a's controllers.
      await kubectlOf(b).ok(['create', 'namespace', 'via-b']);
      await eventually(() => kubectlOf(b).json(['-n', 'via-b', 'get', 'serviceaccount', 'default']), 'the default service account');

      const killedAt = Date.now();
      a.process.child.kill('SIGKILL');
      await eventually(async () => (await holder(b)).startsWith('server-b_'), 'server-b to take the lease', 30_000, 100);
      const tookMs = Date.now() - killedAt;
      console.log(`leader election: server-b took the lease ${tookMs} ms after server-a was killed`);
      expect(tookMs).toBeLessThan(16_000);
      await eventually(async () => started(b) === 1, 'server-b to start its controllers');
      await kubectlOf(b).ok(['create', 'namespace', 'after-failover']);
      await eventually(() => kubectlOf(b).json(['-n', 'after-failover', 'get', 'configmap', 'kube-root-ca.crt']), 'kube-root-ca.crt after failover');

      // A clean stop hands the lease over at once.
      const c = await start('server-c', a.dataDir);
      await eventually(async () => /another server leads the controllers/.test(c.process.output()), 'server-c to see the leader');
      const stoppedAt = Date.now();
      await b.process.stop();
      await eventually(async () => (await holder(c)).startsWith('server-c_'), 'server-c to take the lease', 15_000, 100);
      const handoverMs = Date.now() - stoppedAt;
      console.log(`leader election: server-c took the lease ${handoverMs} ms after server-b stopped cleanly`);
      expect(handoverMs).toBeLessThan(5_000);
    }, 120_000);
  });
});
