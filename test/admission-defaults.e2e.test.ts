// Built-in defaulting admission and the newer dynamic-admission pieces with the real kubectl
// against the built binary (no agent): DefaultStorageClass gives a claim without a class the
// `local-path` class the local-storage addon installs, DefaultIngressClass the newest default
// IngressClass, `--kube-apiserver-arg disable-admission-plugins=…` turns them off; a
// ValidatingAdmissionPolicy on autoscaling/v2 sees an autoscaling/v1 HPA converted
// (matchPolicy Equivalent), and one using CEL's `authorizer` refuses a user RBAC does not allow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, type TestServer } from './helpers/cluster';

const claim = (name: string, storageClass?: string) => `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ${name}, namespace: default}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
${storageClass !== undefined ? `  storageClassName: "${storageClass}"` : ''}
`;

function kubectlOk(s: TestServer) {
  return async (args: string[], input?: string) => {
    const r = await s.kubectl(args, { input });
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
}

describe('defaulting admission and policies with kubectl', () => {
  let s: TestServer;
  let ok: ReturnType<typeof kubectlOk>;

  beforeAll(async () => {
    s = await startTestServer();
    ok = kubectlOk(s);
    await eventually(async () => (await s.kubectl(['get', 'storageclass', 'local-path'])).exitCode === 0, 'the local-path StorageClass of the local-storage addon', 60_000);
  }, 120_000);
  afterAll(async () => {
    await s?.stop();
  });

  it('a PVC created without storageClassName gets local-path; an empty class stays empty', async () => {
    expect(await ok(['create', '-f', '-', '-o', 'jsonpath={.spec.storageClassName}'], claim('data'))).toBe('local-path');
    expect(await ok(['get', 'pvc', 'data', '-o', 'jsonpath={.spec.storageClassName}'])).toBe('local-path');
    expect(await ok(['create', '-f', '-', '-o', 'jsonpath={.spec.storageClassName}'], claim('none', ''))).toBe('');
  });

  it('an Ingress created without ingressClassName gets the newest default IngressClass', async () => {
    await ok(['apply', '-f', '-'], `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: edge
  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
spec: {controller: example.com/edge}
`);
    const created = await eventually(async () => {
      await s.kubectl(['delete', 'ingress', 'web', '--ignore-not-found']);
      const out = await ok(['create', 'ingress', 'web', '--rule=example.com/=web:80', '-o', 'jsonpath={.spec.ingressClassName}']);
      return out === 'edge' ? out : undefined;
    }, 'the new default IngressClass to reach the admission cache');
    expect(created).toBe('edge');
    expect(await ok(['create', 'ingress', 'own', '--class=other', '--rule=example.com/=web:80', '-o', 'jsonpath={.spec.ingressClassName}'])).toBe('other');
  });

  it('a policy on autoscaling/v2 HPAs judges an autoscaling/v1 HPA converted to v2 (matchPolicy Equivalent)', async () => {
    await ok(['apply', '-f', '-'], `
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: cpu-target.example.com}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules: [{apiGroups: [autoscaling], apiVersions: [v2], operations: [CREATE, UPDATE], resources: [horizontalpodautoscalers]}]
  validations:
  - expression: "object.spec.metrics.all(m, m.resource.target.averageUtilization <= 80)"
    messageExpression: "'CPU target above 80 (seen as ' + request.kind.version + ', sent as ' + request.requestKind.version + ')'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: cpu-target-binding}
spec: {policyName: cpu-target.example.com, validationActions: [Deny]}
`);
    const hpa = (name: string, cpu: number) => `
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: ${name}, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 3
  targetCPUUtilizationPercentage: ${cpu}
`;
    const refused = await eventually(async () => {
      const r = await s.kubectl(['create', '-f', '-'], { input: hpa('hot', 95) });
      return r.exitCode !== 0 ? r.stderr : undefined;
    }, 'the policy to take effect');
    expect(refused).toContain(`horizontalpodautoscalers.autoscaling "hot" is forbidden: ValidatingAdmissionPolicy 'cpu-target.example.com' with binding 'cpu-target-binding' denied request: CPU target above 80 (seen as v2, sent as v1)`);
    await ok(['create', '-f', '-'], hpa('calm', 50));
  });

  it("a policy using CEL's authorizer refuses a user RBAC does not allow, and admits the admin", async () => {
    await ok(['create', 'namespace', 'authz']);
    await ok(['create', 'rolebinding', 'bob-edit', '--clusterrole=edit', '--user=bob', '-n', 'authz']);
    await ok(['apply', '-f', '-'], `
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: big-needs-rbac.example.com}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]
  validations:
  - expression: "!has(object.data) || size(object.data) <= 1 || authorizer.group('rbac.authorization.k8s.io').resource('roles').namespace(object.metadata.namespace).check('escalate').allowed()"
    messageExpression: "'only users who may escalate roles may create multi-key ConfigMaps; ' + authorizer.requestResource.check('create').reason()"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: big-needs-rbac-binding}
spec:
  policyName: big-needs-rbac.example.com
  validationActions: [Deny]
  matchResources: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: authz}}}
`);
    const denied = await eventually(async () => {
      const r = await s.kubectl(['create', 'configmap', 'two', '-n', 'authz', '--from-literal=a=1', '--from-literal=b=2', '--as=bob']);
      return r.exitCode !== 0 ? r.stderr : undefined;
    }, 'the authorizer policy to take effect');
    expect(denied).toContain(`configmaps "two" is forbidden: ValidatingAdmissionPolicy 'big-needs-rbac.example.com' with binding 'big-needs-rbac-binding' denied request: only users who may escalate roles may create multi-key ConfigMaps; `);
    await ok(['create', 'configmap', 'one', '-n', 'authz', '--from-literal=a=1', '--as=bob']);
    await ok(['create', 'configmap', 'two', '-n', 'authz', '--from-literal=a=1', '--from-literal=b=2']);
  });
});

describe('disable-admission-plugins', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ extraArgs: ['--kube-apiserver-arg', 'disable-admission-plugins=DefaultStorageClass'] });
    await eventually(async () => (await s.kubectl(['get', 'storageclass', 'local-path'])).exitCode === 0, 'the local-path StorageClass', 60_000);
  }, 120_000);
  afterAll(async () => {
    await s?.stop();
  });

  it('leaves the class of a new PVC unset when DefaultStorageClass is disabled', async () => {
    const out = await kubectlOk(s)(['create', '-f', '-', '-o', 'jsonpath={.spec.storageClassName}'], claim('data'));
    expect(out).toBe('');
  });
});
