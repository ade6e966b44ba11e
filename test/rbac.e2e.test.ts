// Authorization with the real kubectl against the built dist/k3ts: users from client certificates
// signed by the cluster's client CA, RBAC bindings, `kubectl auth can-i` / `whoami`, impersonation,
// escalation prevention and the node authorizer.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueClientCertificate, writeKubeconfig } from '../pkg/certs';
import { startTestServer, type TestServer } from './helpers/cluster';

describe('authorization with kubectl', () => {
  let s: TestServer;
  const kubeconfigs: Record<string, string> = {};

  const as = (who: string, args: string[], input?: string) => s.kubectl(args, { input, env: { KUBECONFIG: kubeconfigs[who]! } });
  const ok = async (who: string, args: string[], input?: string) => {
    const r = who === 'admin' ? await s.kubectl(args, { input }) : await as(who, args, input);
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} as ${who} failed (${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };

  /** A kubeconfig for a user certificate signed by the cluster's client CA. */
  async function userKubeconfig(name: string, commonName: string, organizations: string[]): Promise<string> {
    const tls = path.join(s.dataDir, 'server', 'tls');
    const read = (f: string) => fs.readFileSync(path.join(tls, f), 'utf8');
    const cert = await issueClientCertificate({ certPem: read('client-ca.crt'), keyPem: read('client-ca.key') }, { commonName, organizations, days: 1 });
    const file = path.join(s.dir, `${name}.kubeconfig`);
    await writeKubeconfig(file, { server: `https://127.0.0.1:${s.port}`, caPem: read('server-ca.crt'), clientCertPem: cert.certPem, clientKeyPem: cert.keyPem, user: name });
    return file;
  }

  beforeAll(async () => {
    s = await startTestServer();
    kubeconfigs.jane = await userKubeconfig('jane', 'jane', ['dev']);
    kubeconfigs.ops = await userKubeconfig('ops', 'ops', ['ops']);
    kubeconfigs.n1 = await userKubeconfig('n1', 'system:node:n1', ['system:nodes']);
    for (const ns of ['a', 'b']) await ok('admin', ['create', 'namespace', ns]);
    await ok('admin', ['create', 'rolebinding', 'dev-edit', '--clusterrole=edit', '--group=dev', '-n', 'a']);
    await ok('admin', ['create', 'rolebinding', 'ops-admin', '--clusterrole=admin', '--user=ops', '-n', 'a']);
  }, 120_000);
  afterAll(async () => s?.stop());

  it('lets an edit user create deployments in its namespace only', async () => {
    expect(await ok('jane', ['create', 'deployment', 'web', '--image=busybox:1', '-n', 'a'])).toMatch(/deployment.apps\/web created/);
    expect(await ok('jane', ['get', 'deployments', '-n', 'a'])).toMatch(/^web\s/m);
    const inB = await as('jane', ['create', 'deployment', 'web', '--image=busybox:1', '-n', 'b']);
    expect(inB.exitCode).toBe(1);
    expect(inB.stderr).toContain('deployments.apps is forbidden: User "jane" cannot create resource "deployments" in API group "apps" in the namespace "b"');
    const nodes = await as('jane', ['get', 'nodes']);
    expect(nodes.exitCode).toBe(1);
    expect(nodes.stderr).toContain('nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" at the cluster scope');
    // Reading its own namespace object is part of edit; another namespace is not.
    expect(await ok('jane', ['get', 'namespace', 'a', '-o', 'name'])).toBe('namespace/a');
    expect((await as('jane', ['get', 'namespace', 'b'])).stderr).toContain('namespaces "b" is forbidden');
  });

  it('answers kubectl auth can-i, with --list matching the bindings', async () => {
    expect((await as('jane', ['auth', 'can-i', 'create', 'deployments', '-n', 'a'])).stdout.trim()).toBe('yes');
    const no = await as('jane', ['auth', 'can-i', 'create', 'deployments', '-n', 'b']);
    expect(no.stdout.trim()).toBe('no');
    expect(no.exitCode).toBe(1);
    expect((await as('jane', ['auth', 'can-i', 'get', 'secrets', '-n', 'a'])).stdout.trim()).toBe('yes');
    expect((await as('jane', ['auth', 'can-i', 'create', 'rolebindings', '-n', 'a'])).stdout.trim()).toBe('no');
    expect((await as('jane', ['auth', 'can-i', 'get', '/api'])).stdout.trim()).toBe('yes');
    const listA = await ok('jane', ['auth', 'can-i', '--list', '-n', 'a']);
    expect(listA.split('\n')[0]).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
    expect(listA).toMatch(/^deployments\.apps\s+\[\]\s+\[\]\s+\[[^\]]*\bcreate\b[^\]]*\]$/m);
    expect(listA).toMatch(/^secrets\s+\[\]\s+\[\]\s+\[[^\]]*\bget\b[^\]]*\]$/m);
    expect(listA).toMatch(/^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
    expect(listA).toMatch(/^\s+\[\/api\/\*\]\s+\[\]\s+\[get\]$/m);
    const listB = await ok('jane', ['auth', 'can-i', '--list', '-n', 'b']);
    expect(listB).not.toMatch(/deployments/);
    expect(listB).toMatch(/^selfsubjectaccessreviews\.authorization\.k8s\.io\s/m);
    // The admin (system:masters) may do anything, including acting as someone else.
    expect((await s.kubectl(['auth', 'can-i', '*', '*', '--all-namespaces'])).stdout.trim()).toBe('yes');
    expect((await s.kubectl(['auth', 'can-i', 'create', 'deployments', '-n', 'a', '--as=jane', '--as-group=dev'])).stdout.trim()).toBe('yes');
    expect((await s.kubectl(['auth', 'can-i', 'create', 'deployments', '-n', 'b', '--as=jane', '--as-group=dev'])).stdout.trim()).toBe('no');
    expect(await ok('admin', ['auth', 'whoami', '--as=system:serviceaccount:a:builder', '-o', 'jsonpath={.status.userInfo.groups}'])).toBe('["system:serviceaccounts","system:serviceaccounts:a","system:authenticated"]');
    const impersonating = await as('jane', ['get', 'pods', '-n', 'a', '--as=ops']);
    expect(impersonating.stderr).toContain('users "ops" is forbidden: User "jane" cannot impersonate resource "users" in API group ""');
  });

  it('answers kubectl auth whoami from the client certificate', async () => {
    const out = await ok('jane', ['auth', 'whoami']);
    expect(out).toMatch(/^Username\s+jane$/m);
    expect(out).toMatch(/^Groups\s+\[dev system:authenticated\]$/m);
    expect(await ok('n1', ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'])).toBe('system:node:n1');
  });

  it('serves SubjectAccessReviews to those allowed to create them', async () => {
    const sar = (user: string, ns: string) =>
      JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user, groups: ['dev'], resourceAttributes: { namespace: ns, verb: 'create', group: 'apps', resource: 'deployments' } } });
    // Review kinds have no PATCH operation, so kubectl validates them against /openapi/v2 (test/openapi.e2e.test.ts covers that); this test is about authorization only.
    const create = ['create', '--validate=false', '-f', '-', '-o', 'json'];
    const yes = JSON.parse(await ok('admin', create, sar('jane', 'a'))) as { status: { allowed: boolean; reason: string } };
    expect(yes.status).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "dev-edit/a" of ClusterRole "edit" to Group "dev"' });
    const no = JSON.parse(await ok('admin', create, sar('jane', 'b'))) as { status: { allowed: boolean } };
    expect(no.status.allowed).toBe(false);
    const denied = await as('jane', create, sar('jane', 'a'));
    expect(denied.stderr).toContain('subjectaccessreviews.authorization.k8s.io is forbidden: User "jane" cannot create resource "subjectaccessreviews"');
  });

  it('prevents escalation: binding cluster-admin takes holding it', async () => {
    const edit = await as('jane', ['create', 'rolebinding', 'root', '--clusterrole=cluster-admin', '--user=jane', '-n', 'a']);
    expect(edit.exitCode).toBe(1);
    expect(edit.stderr).toContain('rolebindings.rbac.authorization.k8s.io is forbidden: User "jane" cannot create resource "rolebindings" in API group "rbac.authorization.k8s.io" in the namespace "a"');
    // ops may manage bindings in a (admin), but not grant more than it holds.
    const ops = await as('ops', ['create', 'rolebinding', 'root', '--clusterrole=cluster-admin', '--user=ops', '-n', 'a']);
    expect(ops.exitCode).toBe(1);
    expect(ops.stderr).toContain('rolebindings.rbac.authorization.k8s.io "root" is forbidden: user "ops" (groups=["ops" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:');
    expect(ops.stderr).toContain('{APIGroups:["*"], Resources:["*"], Verbs:["*"]}');
    expect(await ok('ops', ['create', 'rolebinding', 'helper', '--clusterrole=edit', '--user=helper', '-n', 'a'])).toMatch(/rolebinding.rbac.authorization.k8s.io\/helper created/);
    const role = await as('ops', ['create', 'role', 'nodes', '--verb=get', '--resource=nodes', '-n', 'a']);
    expect(role.stderr).toContain('is attempting to grant RBAC permissions not currently held');
    // roleRef cannot change.
    const patched = await s.kubectl(['patch', 'rolebinding', 'helper', '-n', 'a', '--type=merge', '-p', '{"roleRef":{"name":"view"}}']);
    expect(patched.stderr).toContain('roleRef: Invalid value');
  });

  it('lets a kubelet read only the secrets of pods bound to its node', async () => {
    const pod = (name: string, node: string, secret: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default}
spec:
  nodeName: ${node}
  containers:
  - name: c
    image: busybox:1
    env:
    - name: TOKEN
      valueFrom: {secretKeyRef: {name: ${secret}, key: token}}
`;
    for (const [secret, value] of [['s1', 'one'], ['s2', 'two']] as const) await ok('admin', ['create', 'secret', 'generic', secret, `--from-literal=token=${value}`, '-n', 'default']);
    await ok('admin', ['apply', '-f', '-'], `${pod('on-n1', 'n1', 's1')}---\n${pod('on-n2', 'n2', 's2')}`);
    expect(await ok('n1', ['get', 'secret', 's1', '-n', 'default', '-o', 'jsonpath={.data.token}'])).toBe(Buffer.from('one').toString('base64'));
    const other = await as('n1', ['get', 'secret', 's2', '-n', 'default']);
    expect(other.exitCode).toBe(1);
    expect(other.stderr).toContain(`Error from server (Forbidden): secrets "s2" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'n1' and this object`);
    expect((await as('n1', ['get', 'secrets', '-n', 'default'])).exitCode).toBe(1);
    // Its pods, yes; another node's pod status, no.
    expect(await ok('n1', ['get', 'pod', 'on-n2', '-n', 'default', '-o', 'name'])).toBe('pod/on-n2');
    // A kubelet writes status without reading pods/status first, so use PUT (kubectl patch would GET it).
    const running = async (name: string) => {
      const p = JSON.parse(await ok('admin', ['get', 'pod', name, '-n', 'default', '-o', 'json'])) as { status?: Record<string, unknown> };
      p.status = { ...p.status, phase: 'Running' };
      return as('n1', ['replace', '--subresource=status', '-f', '-'], JSON.stringify(p));
    };
    expect((await running('on-n2')).stderr).toContain('node "n1" can only update pod status for pods with spec.nodeName set to itself');
    const own = await running('on-n1');
    expect(own.exitCode, own.stderr).toBe(0);
  });
});
