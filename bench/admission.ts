// What dynamic admission costs per write, in process (no datastore read on the request path):
// the four plugins (mutating policies, mutating webhooks, validating policies, validating webhooks)
// admitting one Deployment create with
//   a) no admission configuration at all,
//   b) 50 ValidatingAdmissionPolicies for other resources plus one matching policy (2 CEL rules),
//   c) as b, with the matching policy's params read from a ConfigMap,
//   d) one mutating webhook on loopback HTTPS (a full AdmissionReview round trip and JSON patch).
// CPU time is this process's (the webhook server of d runs in it too). The machine is shared, so
// wall time is noisy; CPU time is the steadier figure.
// Usage: npx tsx bench/admission.ts [iterations]
import * as crypto from 'node:crypto';
import { dynamicAdmission } from '../pkg/admission';
import { startTestWebhookServer } from '../pkg/admission/test-webhook-server';
import { BUILTIN_MODULES } from '../pkg/api/catalog';
import type { KubeObject } from '../pkg/api/types';
import type { AdmissionRequest } from '../pkg/apiserver/authorization';
import { Store } from '../pkg/apiserver/registry/store';
import { MemoryBackend } from '../pkg/storage/drivers/memory';

const iterations = Number(process.argv[2] ?? 2000);
const resources = BUILTIN_MODULES.flat();
const ARG = 'admissionregistration.k8s.io';
const def = (g: string, r: string) => resources.find((d) => d.group === g && d.resource === r && !d.storageResource)!;

async function main(): Promise<void> {
  const backend = new MemoryBackend();
  await backend.start();
  const ctx = { backend, now: () => new Date(), newUid: () => crypto.randomUUID(), random: Math.random };
  const put = (g: string, r: string, o: KubeObject) => new Store(def(g, r), ctx).create(o.metadata.namespace as string | undefined, o);
  const stop = new AbortController();
  const plugins = dynamicAdmission({ backend, resources, signal: stop.signal });
  const request = (): AdmissionRequest => ({
    user: { username: 'bench', groups: ['system:authenticated'] },
    operation: 'create',
    def: def('apps', 'deployments'),
    namespace: 'default',
    name: 'web',
    object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } }, spec: { replicas: 3, template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } },
    dryRun: false,
    warn: () => undefined,
  });
  const measure = async (label: string, n: number) => {
    for (let i = 0; i < Math.min(n, 50); i++) for (const p of plugins) await p.admit(request());
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) for (const p of plugins) await p.admit(request());
    const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / n;
    console.log(`${label.padEnd(70)} ${us.toFixed(1).padStart(8)} µs wall  ${cpu.toFixed(1).padStart(8)} µs CPU per request  (${n} requests)`);
  };
  const settle = () => new Promise((r) => setTimeout(r, 300));

  await put('', 'namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  await settle();
  await measure("a) no admission configuration", iterations);
  await measure("a) no admission configuration (again)", iterations * 5);

  for (let i = 0; i < 50; i++) {
    await put(ARG, 'validatingadmissionpolicies', { apiVersion: `${ARG}/v1`, kind: 'ValidatingAdmissionPolicy', metadata: { name: `other-${i}` }, spec: { matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: [`things${i}`] }] }, validations: [{ expression: 'true' }] } });
    await put(ARG, 'validatingadmissionpolicybindings', { apiVersion: `${ARG}/v1`, kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: `other-${i}` }, spec: { policyName: `other-${i}`, validationActions: ['Deny'] } });
  }
  const rules = { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] };
  await put(ARG, 'validatingadmissionpolicies', { apiVersion: `${ARG}/v1`, kind: 'ValidatingAdmissionPolicy', metadata: { name: 'replicas' }, spec: { matchConstraints: rules, validations: [{ expression: 'object.spec.replicas <= 5' }, { expression: 'object.spec.template.spec.containers.all(c, !c.image.endsWith(":latest"))' }] } });
  await put(ARG, 'validatingadmissionpolicybindings', { apiVersion: `${ARG}/v1`, kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'replicas' }, spec: { policyName: 'replicas', validationActions: ['Deny'] } });
  await settle();
  await measure('b) 50 non-matching policies + 1 matching (2 CEL rules)', iterations);

  await put('', 'configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'limits', namespace: 'default' }, data: { max: '5' } });
  await put(ARG, 'validatingadmissionpolicies', { apiVersion: `${ARG}/v1`, kind: 'ValidatingAdmissionPolicy', metadata: { name: 'zz-param' }, spec: { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, matchConstraints: rules, validations: [{ expression: 'object.spec.replicas <= int(params.data.max)' }] } });
  await put(ARG, 'validatingadmissionpolicybindings', { apiVersion: `${ARG}/v1`, kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'zz-param' }, spec: { policyName: 'zz-param', validationActions: ['Deny'], paramRef: { name: 'limits', parameterNotFoundAction: 'Deny' } } });
  await settle();
  await measure('c) as b, plus a policy with ConfigMap params', iterations);

  const hook = await startTestWebhookServer({ host: '127.0.0.1', handler: () => ({ allowed: true, patch: [{ op: 'add', path: '/metadata/labels/hooked', value: 'yes' }] }) });
  await put(ARG, 'mutatingwebhookconfigurations', {
    apiVersion: `${ARG}/v1`,
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: 'hook' },
    webhooks: [{ name: 'hook.example.com', admissionReviewVersions: ['v1'], sideEffects: 'None', clientConfig: { url: `https://127.0.0.1:${hook.port}/`, caBundle: hook.caBundle }, rules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] }] }],
  });
  await settle();
  await measure('d) as c, plus one mutating webhook (loopback HTTPS, kept-alive conn)', Math.max(50, Math.floor(iterations / 10)));
  await hook.close();
  stop.abort();
  await backend.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
