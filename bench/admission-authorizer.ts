// What the newer admission pieces cost per request, in process, each against a baseline measured
// in the same run:
//   a) one matching ValidatingAdmissionPolicy with a plain CEL rule (baseline),
//   b) the same policy whose rule asks CEL's `authorizer` (RBAC from memory) one check,
//   c) a policy on autoscaling/v2 HPAs: a v2 request (baseline) vs a v1 request seen through
//      matchPolicy Equivalent (the object converted to v2 for the policy).
// CPU time is this process's; the machine is shared, so wall time is noisy.
// Usage: npx tsx bench/admission-authorizer.ts [iterations]
import * as crypto from 'node:crypto';
import { dynamicAdmission, LateBoundAuthorizer } from '../pkg/admission';
import { BUILTIN_MODULES } from '../pkg/api/catalog';
import type { KubeObject } from '../pkg/api/types';
import type { AdmissionPlugin, AdmissionRequest } from '../pkg/apiserver/authorization';
import { Store } from '../pkg/apiserver/registry/store';
import { startAuthorization } from '../pkg/auth/start-authorization';
import { silentLogger } from '../pkg/log/logger';
import { MemoryBackend } from '../pkg/storage/drivers/memory';

const iterations = Number(process.argv[2] ?? 2000);
const resources = BUILTIN_MODULES.flat();
const ARG = 'admissionregistration.k8s.io';
const RBAC = 'rbac.authorization.k8s.io';
const defOf = (g: string, r: string, v?: string) => resources.find((d) => d.group === g && d.resource === r && (v ? d.version === v : !d.storageResource))!;

async function main(): Promise<void> {
  const backend = new MemoryBackend();
  await backend.start();
  const ctx = { backend, now: () => new Date(), newUid: () => crypto.randomUUID(), random: Math.random };
  const stores = new Map(resources.map((d) => [d, new Store(d, ctx)] as const));
  const store = (g: string, r: string) => stores.get(defOf(g, r))!;
  const put = (g: string, r: string, o: KubeObject) => store(g, r).create(o.metadata.namespace as string | undefined, o);
  const stop = new AbortController();
  const late = new LateBoundAuthorizer();
  const authz = await startAuthorization({ modes: ['RBAC', 'Node'] }, { store, log: silentLogger() });
  late.bind(authz.authorizer);
  const plugins: AdmissionPlugin[] = dynamicAdmission({ backend, resources, signal: stop.signal, authorizer: late });
  const settle = () => new Promise((r) => setTimeout(r, 300));
  const user = { username: 'bench', groups: ['system:authenticated'] };
  const deployment = (): AdmissionRequest => ({ user, operation: 'create', def: defOf('apps', 'deployments'), namespace: 'default', name: 'web', object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 3 } }, dryRun: false });
  const hpa = (version: 'v1' | 'v2'): AdmissionRequest => {
    const spec = version === 'v1' ? { targetCPUUtilizationPercentage: 50 } : { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] };
    return { user, operation: 'create', def: defOf('autoscaling', 'horizontalpodautoscalers', version), namespace: 'default', name: 'h', object: { apiVersion: `autoscaling/${version}`, kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'default' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3, ...spec } }, dryRun: false };
  };
  const measure = async (label: string, make: () => AdmissionRequest, n: number): Promise<number> => {
    for (let i = 0; i < Math.min(n, 100); i++) for (const p of plugins) await p.admit(make());
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) for (const p of plugins) await p.admit(make());
    const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / n;
    console.log(`${label.padEnd(72)} ${us.toFixed(1).padStart(8)} µs wall  ${cpu.toFixed(1).padStart(8)} µs CPU per request  (${n} requests)`);
    return cpu;
  };
  const policy = async (name: string, rules: Record<string, unknown>, expression: string) => {
    await put(ARG, 'validatingadmissionpolicies', { apiVersion: `${ARG}/v1`, kind: 'ValidatingAdmissionPolicy', metadata: { name }, spec: { matchConstraints: { resourceRules: [rules] }, validations: [{ expression }] } });
    await put(ARG, 'validatingadmissionpolicybindings', { apiVersion: `${ARG}/v1`, kind: 'ValidatingAdmissionPolicyBinding', metadata: { name }, spec: { policyName: name, validationActions: ['Deny'] } });
  };
  await put('', 'namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  await put(RBAC, 'rolebindings', { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'bench-edit', namespace: 'default' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', apiGroup: RBAC, name: 'bench' }] });

  const deployRules = { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] };
  await policy('plain', deployRules, 'object.spec.replicas <= 5');
  await settle();
  const plain = await measure('a) one matching policy, plain CEL rule', deployment, iterations);
  await store(ARG, 'validatingadmissionpolicies').delete(undefined, 'plain');
  await store(ARG, 'validatingadmissionpolicybindings').delete(undefined, 'plain');
  await policy('authz', deployRules, `object.spec.replicas <= 5 && authorizer.requestResource.check('delete').allowed()`);
  await settle();
  const withAuthz = await measure("b) the rule also asks authorizer.requestResource.check('delete')", deployment, iterations);
  console.log(`   authorizer check: ${(withAuthz / plain).toFixed(2)}x the plain policy's CPU`);
  await store(ARG, 'validatingadmissionpolicies').delete(undefined, 'authz');
  await store(ARG, 'validatingadmissionpolicybindings').delete(undefined, 'authz');

  await policy('hpa', { apiGroups: ['autoscaling'], apiVersions: ['v2'], operations: ['CREATE'], resources: ['horizontalpodautoscalers'] }, 'object.spec.metrics.all(m, m.resource.target.averageUtilization <= 80)');
  await settle();
  const direct = await measure('c) policy on autoscaling/v2 HPAs, v2 request (exact match)', () => hpa('v2'), iterations);
  const equivalent = await measure('c) same policy, v1 request converted to v2 (matchPolicy Equivalent)', () => hpa('v1'), iterations);
  console.log(`   equivalent match with conversion: ${(equivalent / direct).toFixed(2)}x the exact match's CPU`);
  stop.abort();
  await authz.stop();
  await backend.close();
}

void main();
