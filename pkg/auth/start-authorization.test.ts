import * as crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILTIN_MODULES } from '../api/catalog';
import type { ResourceDef } from '../api/resource-def';
import type { KubeObject } from '../api/types';
import type { AdmissionRequest, AuthorizationAttributes } from '../apiserver/authorization';
import { ApiError } from '../apiserver/errors';
import type { UserInfo } from '../apiserver/handlers/request-context';
import { Store } from '../apiserver/registry/store';
import { silentLogger } from '../log/logger';
import type { Backend } from '../storage/backend';
import { MemoryBackend } from '../storage/drivers/memory';
import { startAuthorization, type AuthorizationStack } from './start-authorization';

const RBAC = 'rbac.authorization.k8s.io';

/** A backend that counts reads, to prove requests are authorized from memory. */
function countingBackend(inner: Backend): { backend: Backend; reads: () => number } {
  let reads = 0;
  const backend = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        if (prop === 'get' || prop === 'list' || prop === 'count') reads++;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { backend, reads: () => reads };
}

async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const alice: UserInfo = { username: 'alice', groups: ['dev', 'system:authenticated'] };
const attrs = (user: UserInfo, verb: string, resource: string, extra: Partial<AuthorizationAttributes> = {}): AuthorizationAttributes => ({
  user,
  verb,
  isResource: true,
  group: '',
  version: 'v1',
  resource,
  subresource: '',
  namespace: '',
  name: '',
  path: '',
  ...extra,
});

describe('authorization stack on real stores', () => {
  let stack: AuthorizationStack | undefined;
  let mem: MemoryBackend;
  let stores: Map<ResourceDef, Store>;
  let reads: () => number;

  async function start(modes: ('RBAC' | 'Node' | 'AlwaysAllow')[] = ['RBAC', 'Node'], reuse = false) {
    if (!reuse) {
      mem = new MemoryBackend();
      await mem.start();
    }
    const counted = countingBackend(mem);
    reads = counted.reads;
    const ctx = { backend: counted.backend, now: () => new Date(), newUid: () => crypto.randomUUID(), random: Math.random };
    stores = new Map(BUILTIN_MODULES.flat().map((d) => [d, new Store(d, ctx)] as const));
    stack = await startAuthorization({ modes }, { store: (g, r) => [...stores].find(([d]) => d.group === g && d.resource === r && !d.storageResource)?.[1], log: silentLogger() });
    return stack;
  }
  const store = (group: string, resource: string) => [...stores].find(([d]) => d.group === group && d.resource === resource && !d.storageResource)![1];
  const defOf = (group: string, resource: string) => [...stores.keys()].find((d) => d.group === group && d.resource === resource)!;
  const rules = async (name: string) => ((await store(RBAC, 'clusterroles').get(undefined, name)).rules ?? []) as { resources?: string[]; verbs: string[] }[];

  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    await mem?.close();
  });

  it('reconciles the bootstrap policy and aggregates admin, edit and view before serving', async () => {
    await start();
    const edit = await rules('edit');
    expect(edit.some((r) => r.resources?.includes('deployments') && r.verbs.includes('create'))).toBe(true);
    expect(edit.some((r) => r.resources?.includes('pods') && r.verbs.includes('get'))).toBe(true);
    expect((await rules('admin')).some((r) => r.resources?.includes('rolebindings'))).toBe(true);
    expect((await rules('view')).some((r) => r.resources?.includes('secrets'))).toBe(false);
    expect((await rules('k3ts:controller-manager')).some((r) => r.resources?.includes('replicasets') && r.verbs.includes('create'))).toBe(true);
    const crb = await store(RBAC, 'clusterrolebindings').get(undefined, 'cluster-admin');
    expect(crb.subjects).toEqual([{ kind: 'Group', apiGroup: RBAC, name: 'system:masters' }]);
  });

  it('keeps what users added to bootstrap roles and leaves autoupdate=false roles alone', async () => {
    await start();
    const roles = store(RBAC, 'clusterroles');
    await roles.update(undefined, 'system:kube-dns', (c) => ({ ...c!, rules: [...(c!.rules as unknown[]), { apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }));
    await roles.update(undefined, 'system:node-proxier', (c) => ({ ...c!, metadata: { ...c!.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } }, rules: [] }));
    await roles.update(undefined, 'system:basic-user', (c) => ({ ...c!, rules: [] }));
    await stack!.stop();
    await start(['RBAC', 'Node'], true);
    expect((await rules('system:kube-dns')).map((r) => r.resources?.[0])).toEqual(['endpoints', 'pods']);
    expect(await rules('system:node-proxier')).toEqual([]);
    expect((await rules('system:basic-user')).length).toBe(2);
  });

  it('authorizes from memory: no datastore read per request', async () => {
    const s = await start();
    await store(RBAC, 'rolebindings').create('a', { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'dev-edit', namespace: 'a' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'Group', name: 'dev' }] } as KubeObject);
    const create = attrs(alice, 'create', 'deployments', { group: 'apps', namespace: 'a' });
    await eventually(async () => (await s.authorizer.authorize(create)).allowed, 'the new RoleBinding to take effect');
    const before = reads();
    for (let i = 0; i < 1000; i++) {
      expect((await s.authorizer.authorize(create)).allowed).toBe(true);
      expect((await s.authorizer.authorize({ ...create, namespace: 'b' })).allowed).toBe(false);
      expect((await s.authorizer.authorize(attrs(alice, 'list', 'nodes'))).allowed).toBe(false);
    }
    expect(reads() - before).toBe(0);
    expect((await s.authorizer.authorize(attrs({ username: 'root', groups: ['system:masters'] }, 'delete', 'nodes', { name: 'x' }))).allowed).toBe(true);
  });

  it('re-aggregates when a labelled ClusterRole appears, changes or goes', async () => {
    await start();
    const roles = store(RBAC, 'clusterroles');
    const has = async (role: string) => (await rules(role)).some((r) => r.resources?.includes('widgets'));
    await roles.create(undefined, { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'widgets-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] }] } as KubeObject);
    await eventually(async () => (await has('view')) && (await has('edit')) && (await has('admin')), 'widgets to reach view, edit and admin');
    await roles.update(undefined, 'widgets-view', (c) => ({ ...c!, metadata: { ...c!.metadata, labels: {} } }));
    await eventually(async () => !(await has('view')) && !(await has('admin')), 'widgets to leave view and admin');
    // Hand edits of an aggregated role are undone.
    await roles.update(undefined, 'view', (c) => ({ ...c!, rules: [] }));
    await eventually(async () => (await rules('view')).length > 5, 'view to be re-aggregated');
  });

  it('refuses escalation: binding or defining permissions the user does not hold', async () => {
    const s = await start();
    await store(RBAC, 'rolebindings').create('a', { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'dev-edit', namespace: 'a' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'User', name: 'alice' }] } as KubeObject);
    await eventually(async () => (await s.authorizer.authorize(attrs(alice, 'create', 'rolebindings', { group: RBAC, namespace: 'a' }))).allowed, 'admin in a');
    const plugin = s.admission.find((p) => p.name === 'RBACEscalation')!;
    const admit = (resource: string, obj: Record<string, unknown>, namespace = 'a') =>
      plugin.admit({ user: alice, operation: 'create', def: defOf(RBAC, resource), namespace, object: { metadata: { name: 'x', namespace }, ...obj } as KubeObject, dryRun: false } as AdmissionRequest);
    const bind = (role: string, kind = 'ClusterRole') => admit('rolebindings', { roleRef: { apiGroup: RBAC, kind, name: role }, subjects: [{ kind: 'User', name: 'bob' }] });
    await expect(bind('edit')).resolves.toBeUndefined();
    await expect(bind('view')).resolves.toBeUndefined();
    const err = await bind('cluster-admin').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(403);
    expect((err as ApiError).message).toMatch(/^rolebindings\.rbac\.authorization\.k8s\.io "x" is forbidden: user "alice" \(groups=\["dev" "system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}/);
    await expect(admit('roles', { rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'create'] }] })).resolves.toBeUndefined();
    await expect(admit('roles', { rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }] })).rejects.toThrow(/not currently held/);
    // Cluster-wide, alice holds almost nothing.
    await expect(admit('clusterroles', { rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }] }, '')).rejects.toThrow(/not currently held/);
    await expect(bind('no-such-role')).rejects.toThrow(/clusterroles.rbac.authorization.k8s.io "no-such-role" not found/);
    // The bind verb on a role allows binding it without holding it.
    await store(RBAC, 'clusterroles').create(undefined, { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'binder' }, rules: [{ apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['cluster-admin'] }] } as KubeObject);
    await store(RBAC, 'clusterrolebindings').create(undefined, { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'alice-binder' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'binder' }, subjects: [{ kind: 'User', name: 'alice' }] } as KubeObject);
    await eventually(async () => (await bind('cluster-admin').then(() => true, () => false)), 'bind permission to take effect');
  });

  it('lets a kubelet read only what pods on its node use, and write only its own objects', async () => {
    const s = await start();
    const pod = (name: string, node: string, secret: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'v', secret: { secretName: secret } }], imagePullSecrets: [{ name: `${secret}-pull` }] } }) as KubeObject;
    await store('', 'pods').create('default', pod('p1', 'n1', 's1'));
    await store('', 'pods').create('default', pod('p2', 'n2', 's2'));
    const n1: UserInfo = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
    const get = (name: string, resource = 'secrets') => s.authorizer.authorize(attrs(n1, 'get', resource, { namespace: 'default', name }));
    await eventually(async () => (await get('s1')).allowed, 'the pod graph');
    expect((await get('s1-pull')).allowed).toBe(true);
    const denied = await get('s2');
    expect(denied).toEqual({ allowed: false, reason: "no relationship found between node 'n1' and this object" });
    expect((await s.authorizer.authorize(attrs(n1, 'list', 'secrets', { namespace: 'default' }))).allowed).toBe(false);
    expect((await get('default', 'serviceaccounts')).allowed).toBe(false);
    const token = (name: string) => s.authorizer.authorize(attrs(n1, 'create', 'serviceaccounts', { namespace: 'default', name, subresource: 'token' }));
    expect((await token('default')).allowed).toBe(true);
    expect((await token('other')).allowed).toBe(false);
    expect((await s.authorizer.authorize(attrs(n1, 'list', 'pods'))).allowed).toBe(true);
    expect((await s.authorizer.authorize(attrs(n1, 'delete', 'secrets', { namespace: 'default', name: 's1' }))).allowed).toBe(false);
    // Moving the pod moves the permission.
    await store('', 'pods').delete('default', 'p1', { gracePeriodSeconds: 0 });
    await eventually(async () => !(await get('s1')).allowed, 'the deleted pod to leave the graph');

    const restrict = s.admission.find((p) => p.name === 'NodeRestriction')!;
    const req = (def: ResourceDef, operation: AdmissionRequest['operation'], name: string, extra: Partial<AdmissionRequest> = {}) => restrict.admit({ user: n1, operation, def, name, dryRun: false, ...extra } as AdmissionRequest);
    const nodes = defOf('', 'nodes');
    await expect(req(nodes, 'update', 'n1', { object: { metadata: { name: 'n1' } }, oldObject: { metadata: { name: 'n1' } } })).resolves.toBeUndefined();
    await expect(req(nodes, 'update', 'n2', { object: { metadata: { name: 'n2' } } })).rejects.toThrow(/not allowed to modify node "n2"/);
    const leases = defOf('coordination.k8s.io', 'leases');
    await expect(req(leases, 'update', 'n1', { namespace: 'kube-node-lease', object: { metadata: { name: 'n1' } } })).resolves.toBeUndefined();
    await expect(req(leases, 'update', 'n2', { namespace: 'kube-node-lease', object: { metadata: { name: 'n2' } } })).rejects.toThrow(/same name/);
    const pods = defOf('', 'pods');
    await expect(req(pods, 'update', 'p2', { subresource: 'status', object: pod('p2', 'n2', 's2'), oldObject: pod('p2', 'n2', 's2') })).rejects.toThrow(/pods with spec.nodeName set to itself/);
    await expect(req(pods, 'update', 'p1', { subresource: 'status', object: pod('p1', 'n1', 's1'), oldObject: pod('p1', 'n1', 's1') })).resolves.toBeUndefined();
    await expect(req(pods, 'create', 'm', { object: pod('m', 'n1', 's1') })).rejects.toThrow(/can only create mirror pods/);
  });

  it('allows everything with AlwaysAllow', async () => {
    const s = await start(['AlwaysAllow']);
    expect((await s.authorizer.authorize(attrs({ username: 'nobody', groups: [] }, 'delete', 'nodes', { name: 'x' }))).allowed).toBe(true);
    expect(s.admission).toEqual([]);
  });
});
