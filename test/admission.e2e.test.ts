// Dynamic admission with the real kubectl against the built binary: ValidatingAdmissionPolicy
// (Deny on `kubectl scale`, Warn printed by kubectl, params from a ConfigMap), a
// MutatingAdmissionPolicy, a mutating webhook adding a label and a validating webhook with
// failurePolicy Fail that cannot be reached.
//
// Where the webhooks run:
// - the first suite runs the server without an agent, so its webhook is an HTTPS server in this
//   test process, listening on this host's own non-loopback address, named by a Service without
//   selector plus an EndpointSlice pointing at that address: the API server resolves the Service as
//   for a pod-backed one (EndpointSlice → address, certificate checked for `<service>.<ns>.svc`
//   against caBundle);
// - the second suite (agent: real containerd, run under `flock /tmp/k3ts-agent-e2e.lock`) serves
//   a mutating webhook from a busybox pod behind a selector Service. busybox httpd has no TLS, so
//   the pod runs the host's socat (mounted read-only from /usr by hostPath, started through the
//   host's dynamic loader) for TLS and answers each AdmissionReview with a busybox sh script.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestWebhookServer, type TestWebhookServer } from '../pkg/admission/test-webhook-server';
import { createCertificateAuthority, issueServingCertificate } from '../pkg/certs/authority';
import { agentSuiteUnavailable, startAgentServer, type AgentServer } from './helpers/agent-cluster';
import { freePort } from './helpers/binary';
import { eventually, startTestServer, type TestServer } from './helpers/cluster';

const hostIp = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

describe.skipIf(!hostIp)('dynamic admission with kubectl', () => {
  let s: TestServer;
  let hook: TestWebhookServer;

  const run = (args: string[], input?: string) => s.kubectl(args, { input });
  const ok = async (args: string[], input?: string) => {
    const r = await run(args, input);
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
    return r;
  };
  const apply = (manifest: string) => ok(['apply', '-f', '-'], manifest);

  /** A Service without selector and its EndpointSlice, pointing at this host's address. */
  const serviceAt = (ns: string, name: string, port: number) => `
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec:
  ports: [{name: https, port: 443, targetPort: ${port}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ${name}-1, namespace: ${ns}, labels: {kubernetes.io/service-name: ${name}}}
addressType: IPv4
endpoints: [{addresses: ["${hostIp}"], conditions: {ready: true}}]
ports: [{name: https, port: ${port}, protocol: TCP}]
`;

  beforeAll(async () => {
    s = await startTestServer();
    hook = await startTestWebhookServer({
      host: hostIp!,
      dnsNames: ['label-hook.hooked.svc'],
      ipAddresses: [],
      handler: (req) => {
        const labels = req.object?.metadata?.labels;
        const patch = labels ? [{ op: 'add', path: '/metadata/labels/webhook.example.com~1mutated', value: 'true' }] : [{ op: 'add', path: '/metadata/labels', value: { 'webhook.example.com/mutated': 'true' } }];
        return { allowed: true, patch };
      },
    });
    for (const ns of ['limited', 'hooked', 'guarded']) await ok(['create', 'namespace', ns]);
  }, 120_000);
  afterAll(async () => {
    await hook?.close();
    await s?.stop();
  });

  it('a ValidatingAdmissionPolicy denying Deployments with more than 5 replicas blocks kubectl scale --replicas=6', async () => {
    await ok(['create', 'deployment', 'web', '--image=busybox', '--replicas=2']);
    await apply(`
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: max-replicas.example.com}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [deployments, deployments/scale]
  validations:
  - expression: object.spec.replicas <= 5
    message: replicas must be no greater than 5
    reason: Forbidden
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: max-replicas-binding}
spec:
  policyName: max-replicas.example.com
  validationActions: [Deny]
`);
    // The policy takes effect once the server's watch delivered it; probe with server-side dry runs.
    await eventually(async () => (await run(['create', 'deployment', 'probe', '--image=busybox', '--replicas=9', '--dry-run=server'])).exitCode !== 0, 'the policy to take effect');
    const denied = await run(['scale', 'deployment', 'web', '--replicas=6']);
    expect(denied.exitCode).not.toBe(0);
    expect(denied.stderr).toContain(`deployments.apps "web" is forbidden: ValidatingAdmissionPolicy 'max-replicas.example.com' with binding 'max-replicas-binding' denied request: replicas must be no greater than 5`);
    expect((await ok(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}'])).stdout).toBe('2');
    await ok(['scale', 'deployment', 'web', '--replicas=5']);
    const edit = await run(['patch', 'deployment', 'web', '-p', '{"spec":{"replicas":7}}']);
    expect(edit.stderr).toContain('replicas must be no greater than 5');
  });

  it('the Warn action prints a warning and admits', async () => {
    await apply(`
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: require-team}
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]
  matchConditions:
  - name: only-default
    expression: request.namespace == "default"
  validations:
  - expression: has(object.metadata.labels) && "team" in object.metadata.labels
    messageExpression: '"configmap " + object.metadata.name + " has no team label"'
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: require-team-warn}
spec:
  policyName: require-team
  validationActions: [Warn]
`);
    const warned = await eventually(async () => {
      const r = await run(['create', 'configmap', 'probe', '--from-literal=a=b', '--dry-run=server']);
      return r.stderr.includes('Warning:') && r;
    }, 'the warning policy to take effect');
    expect(warned.exitCode).toBe(0);
    const r = await ok(['create', 'configmap', 'no-team', '--from-literal=a=b']);
    expect(r.stderr).toContain(`Warning: Validation failed for ValidatingAdmissionPolicy 'require-team' with binding 'require-team-warn': configmap no-team has no team label`);
    await ok(['get', 'configmap', 'no-team']);
  });

  it('takes parameters from a ConfigMap', async () => {
    await ok(['create', 'configmap', 'replica-limits', '-n', 'limited', '--from-literal=maxReplicas=2']);
    await apply(`
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: replica-limit}
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}]
  validations:
  - expression: object.spec.replicas <= int(params.data.maxReplicas)
    messageExpression: '"at most " + params.data.maxReplicas + " replicas in " + request.namespace'
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: replica-limit-limited}
spec:
  policyName: replica-limit
  validationActions: [Deny]
  paramRef: {name: replica-limits, namespace: limited, parameterNotFoundAction: Deny}
  matchResources:
    namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: limited}}
`);
    const denied = await eventually(async () => {
      const r = await run(['create', 'deployment', 'big', '-n', 'limited', '--image=busybox', '--replicas=3']);
      return r.exitCode !== 0 && r;
    }, 'the parameterized policy to take effect');
    expect(denied.stderr).toContain(`ValidatingAdmissionPolicy 'replica-limit' with binding 'replica-limit-limited' denied request: at most 2 replicas in limited`);
    await ok(['create', 'deployment', 'small', '-n', 'limited', '--image=busybox', '--replicas=2']);
    // Other namespaces are not bound; changing the parameter changes the verdict.
    await ok(['create', 'deployment', 'elsewhere', '--image=busybox', '--replicas=3']);
    await ok(['patch', 'configmap', 'replica-limits', '-n', 'limited', '-p', '{"data":{"maxReplicas":"4"}}']);
    await eventually(async () => (await run(['create', 'deployment', 'big', '-n', 'limited', '--image=busybox', '--replicas=3'])).exitCode === 0, 'the new parameter value to apply');
  });

  it('a MutatingAdmissionPolicy sets a label', async () => {
    await apply(`
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingAdmissionPolicy
metadata: {name: stamp}
spec:
  failurePolicy: Fail
  reinvocationPolicy: Never
  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [secrets]}]
  mutations:
  - patchType: ApplyConfiguration
    applyConfiguration:
      expression: 'Object{metadata: Object.metadata{labels: {"stamped-by": "policy"}}}'
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingAdmissionPolicyBinding
metadata: {name: stamp}
spec:
  policyName: stamp
`);
    await eventually(async () => {
      await run(['delete', 'secret', 'stamped', '--ignore-not-found']);
      await ok(['create', 'secret', 'generic', 'stamped', '--from-literal=a=b']);
      return (await ok(['get', 'secret', 'stamped', '-o', 'jsonpath={.metadata.labels.stamped-by}'])).stdout === 'policy';
    }, 'the mutating policy to label a secret');
  });

  it('a mutating webhook behind a Service adds a label', async () => {
    await apply(serviceAt('hooked', 'label-hook', hook.port));
    await apply(`
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: label-hook}
webhooks:
- name: label.webhook.example.com
  admissionReviewVersions: [v1]
  sideEffects: None
  failurePolicy: Fail
  reinvocationPolicy: IfNeeded
  timeoutSeconds: 5
  namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hooked}}
  clientConfig:
    service: {namespace: hooked, name: label-hook, path: /mutate}
    caBundle: ${hook.caBundle}
  rules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]
`);
    const label = await eventually(async () => {
      await run(['delete', 'configmap', 'target', '-n', 'hooked', '--ignore-not-found']);
      await ok(['create', 'configmap', 'target', '-n', 'hooked', '--from-literal=a=b']);
      const v = (await ok(['get', 'configmap', 'target', '-n', 'hooked', '-o', 'jsonpath={.metadata.labels}'])).stdout;
      return v.includes('mutated') && v;
    }, 'the webhook to label the configmap');
    expect(JSON.parse(label)).toEqual({ 'webhook.example.com/mutated': 'true' });
    const seen = hook.requests.find((r) => r.name === 'target' && r.namespace === 'hooked');
    expect(seen).toMatchObject({ operation: 'CREATE', kind: { group: '', version: 'v1', kind: 'ConfigMap' }, userInfo: { username: 'system:admin' } });
    // Not in the selected namespace: untouched.
    await ok(['create', 'configmap', 'plain', '--from-literal=a=b']);
    expect((await ok(['get', 'configmap', 'plain', '-o', 'jsonpath={.metadata.labels}'])).stdout).toBe('');
  });

  it('a validating webhook with failurePolicy Fail that cannot be reached refuses with the upstream message', async () => {
    const closedPort = await freePort();
    await apply(serviceAt('guarded', 'nowhere', closedPort));
    await apply(`
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: unreachable}
webhooks:
- name: unreachable.example.com
  admissionReviewVersions: [v1]
  sideEffects: None
  failurePolicy: Fail
  timeoutSeconds: 3
  namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: guarded}}
  clientConfig:
    service: {namespace: guarded, name: nowhere, path: /validate}
    caBundle: ${hook.caBundle}
  rules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]
`);
    const refused = await eventually(async () => {
      const r = await run(['create', 'configmap', 'blocked', '-n', 'guarded', '--from-literal=a=b']);
      return r.exitCode !== 0 && r;
    }, 'the unreachable webhook to refuse');
    expect(refused.stderr).toContain(
      `Internal error occurred: failed calling webhook "unreachable.example.com": failed to call webhook: Post "https://nowhere.guarded.svc:443/validate?timeout=3s": dial tcp ${hostIp}:${closedPort}: connect: connection refused`,
    );
    // failurePolicy Ignore admits.
    await ok(['patch', 'validatingwebhookconfiguration', 'unreachable', '--type=json', '-p', '[{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Ignore"}]']);
    await eventually(async () => (await run(['create', 'configmap', 'blocked', '-n', 'guarded', '--from-literal=a=b'])).exitCode === 0, 'failurePolicy Ignore to admit');
  });
});

/** The pod's webhook: one HTTP request on stdin (socat), an AdmissionReview allowing it with a label patch. */
const HOOK_SCRIPT = `#!/bin/sh
len=0
while IFS= read -r line; do
  line=$(printf '%s' "$line" | tr -d '\\r')
  [ -z "$line" ] && break
  case "$line" in [Cc]ontent-[Ll]ength:*) len=\${line#*:}; len=\${len# } ;; esac
done
body=$(head -c "$len")
uid=$(printf '%s' "$body" | grep -o '"uid":"[^"]*"' | head -n 1 | cut -d '"' -f 4)
case "$body" in
  *'"labels":'*) patch='[{"op":"add","path":"/metadata/labels/served-by","value":"pod"}]' ;;
  *) patch='[{"op":"add","path":"/metadata/labels","value":{"served-by":"pod"}}]' ;;
esac
p64=$(printf '%s' "$patch" | base64 -w 0)
out="{\\"apiVersion\\":\\"admission.k8s.io/v1\\",\\"kind\\":\\"AdmissionReview\\",\\"response\\":{\\"uid\\":\\"$uid\\",\\"allowed\\":true,\\"patchType\\":\\"JSONPatch\\",\\"patch\\":\\"$p64\\"}}"
printf 'HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: %s\\r\\nConnection: close\\r\\n\\r\\n%s' "\${#out}" "$out"
`;

const LIBDIR = '/usr/lib/x86_64-linux-gnu';
const podHookUnavailable = agentSuiteUnavailable() ?? (fs.existsSync('/usr/bin/socat') && fs.existsSync(`${LIBDIR}/ld-linux-x86-64.so.2`) ? undefined : 'socat (x86-64) is not installed');

describe.skipIf(podHookUnavailable !== undefined)('a mutating webhook served by a pod', () => {
  let s: AgentServer;
  beforeAll(async () => {
    s = await startAgentServer({ nodeName: 'admission-node' });
  }, 180_000);
  afterAll(async () => s?.stop(), 180_000);

  it('adds a label to objects created in the selected namespace', async () => {
    const ca = await createCertificateAuthority({ commonName: 'pod-hook-ca', days: 1 });
    const leaf = await issueServingCertificate(ca, { commonName: 'pod-hook', dnsNames: ['pod-hook.hooked.svc'], days: 1 });
    await s.ok(['create', 'namespace', 'hooked']);
    const objects = [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pod-hook-tls', namespace: 'hooked' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pod-hook-script', namespace: 'hooked' }, data: { 'hook.sh': HOOK_SCRIPT } },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'pod-hook', namespace: 'hooked', labels: { app: 'pod-hook' } },
        spec: {
          containers: [
            {
              name: 'hook',
              image: 'k3ts.local/busybox:1',
              imagePullPolicy: 'Never',
              command: [`/host${LIBDIR}/ld-linux-x86-64.so.2`, '--library-path', `/host${LIBDIR}`, '/host/usr/bin/socat', 'OPENSSL-LISTEN:8443,reuseaddr,fork,cert=/tls/tls.crt,key=/tls/tls.key,verify=0', 'SYSTEM:sh /hook/hook.sh'],
              ports: [{ name: 'https', containerPort: 8443 }],
              volumeMounts: [
                { name: 'usr', mountPath: '/host/usr', readOnly: true },
                { name: 'tls', mountPath: '/tls', readOnly: true },
                { name: 'script', mountPath: '/hook', readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: 'usr', hostPath: { path: '/usr', type: 'Directory' } },
            { name: 'tls', secret: { secretName: 'pod-hook-tls' } },
            { name: 'script', configMap: { name: 'pod-hook-script', defaultMode: 0o755 } },
          ],
        },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'pod-hook', namespace: 'hooked' }, spec: { selector: { app: 'pod-hook' }, ports: [{ name: 'https', port: 443, targetPort: 'https' }] } },
    ];
    for (const o of objects) await s.ok(['apply', '-f', '-'], JSON.stringify(o));
    await s.ok(['wait', '--for=condition=Ready', 'pod/pod-hook', '-n', 'hooked', '--timeout=120s']);
    await eventually(async () => (await s.ok(['get', 'endpointslices', '-n', 'hooked', '-l', 'kubernetes.io/service-name=pod-hook', '-o', 'jsonpath={.items[*].endpoints[*].addresses[*]}'])).trim() !== '', 'the Service to have the pod as endpoint', 60_000);
    await s.ok(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'MutatingWebhookConfiguration',
        metadata: { name: 'pod-hook' },
        webhooks: [
          {
            name: 'label.pod-hook.example.com',
            admissionReviewVersions: ['v1'],
            sideEffects: 'None',
            failurePolicy: 'Fail',
            timeoutSeconds: 10,
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'hooked' } },
            clientConfig: { service: { namespace: 'hooked', name: 'pod-hook', path: '/mutate' }, caBundle: Buffer.from(ca.certPem).toString('base64') },
            rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }],
          },
        ],
      }),
    );
    await eventually(
      async () => {
        await s.kubectl(['delete', 'configmap', 'target', '-n', 'hooked', '--ignore-not-found']);
        const created = await s.kubectl(['create', 'configmap', 'target', '-n', 'hooked', '--from-literal=a=b']);
        if (created.exitCode !== 0) return false;
        return (await s.ok(['get', 'configmap', 'target', '-n', 'hooked', '-o', 'jsonpath={.metadata.labels.served-by}'])) === 'pod';
      },
      'the pod-served webhook to label the configmap',
      60_000,
    );
    await s.ok(['delete', 'mutatingwebhookconfiguration', 'pod-hook']);
  }, 300_000);
});
