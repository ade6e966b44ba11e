// CEL's `authorizer` in ValidatingAdmissionPolicy expressions, answered by the real RBAC authorizer.
import * as crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_MODULES } from '../api/catalog';
import type { ResourceDef } from '../api/resource-def';
import type { KubeObject } from '../api/types';
import type { AdmissionPlugin, AdmissionRequest } from '../apiserver/authorization';
import { ApiError } from '../apiserver/errors';
import { Store } from '../apiserver/registry/store';
import { startAuthorization, type AuthorizationStack } from '../auth/start-authorization';
import { eventually } from '../controllers/testing/eventually';
import { silentLogger } from '../log/logger';
import { MemoryBackend } from '../storage/drivers/memory';
import { LateBoundAuthorizer } from './admission-authorizer';
import { AdmissionSources } from './admission-sources';
import { startTestWebhookServer } from './test-webhook-server';
import { ValidatingPolicyAdmission } from './validating-policy-admission';
import { WebhookAdmission } from './webhook-admission';

const resources = BUILTIN_MODULES.flat();
const ARG = 'admissionregistration.k8s.io';
const RBAC = 'rbac.authorization.k8s.io';
const defOf = (group: string, resource: string): ResourceDef => resources.find((d) => d.group === group && d.resource === resource && !d.storageResource)!;
const deployments = defOf('apps', 'deployments');

const request = (username: string, replicas: number): AdmissionRequest => ({
  user: { username, groups: ['system:authenticated'] },
  operation: 'create',
  def: deployments,
  namespace: 'x',
  name: 'web',
  object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'x' }, spec: { replicas } },
  dryRun: false,
});

async function outcome(p: AdmissionPlugin, req: AdmissionRequest): Promise<string> {
  try {
    await p.admit(req);
    return 'admitted';
  } catch (e) {
    if (e instanceof ApiError) return e.message;
    throw e;
  }
}

describe('CEL authorizer in admission policies', () => {
  const backend = new MemoryBackend();
  const stop = new AbortController();
  const late = new LateBoundAuthorizer();
  let stack: AuthorizationStack;
  let sources: AdmissionSources;
  const ctx = { backend, now: () => new Date(), newUid: () => crypto.randomUUID(), random: Math.random };
  const stores = new Map(resources.map((d) => [d, new Store(d, ctx)] as const));
  const store = (group: string, resource: string) => stores.get(defOf(group, resource))!;

  /** Starts the RBAC stack and binds it to the policies' authorizer (once). */
  async function bindAuthorizer(): Promise<void> {
    if (stack) return;
    stack = await startAuthorization({ modes: ['RBAC', 'Node'] }, { store: (g, r) => store(g, r), log: silentLogger() });
    late.bind(stack.authorizer);
  }
  /** alice may edit (and so delete) deployments in x (once). */
  async function letAliceDelete(): Promise<void> {
    await bindAuthorizer();
    const rbs = store(RBAC, 'rolebindings');
    if (!(await rbs.getKv('x', 'alice-edit'))) {
      await rbs.create('x', { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'alice-edit', namespace: 'x' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', apiGroup: RBAC, name: 'alice' }] } as KubeObject);
    }
    await eventually(async () => (await stack.authorizer.authorize({ user: { username: 'alice', groups: [] }, verb: 'delete', isResource: true, group: 'apps', version: 'v1', resource: 'deployments', subresource: '', namespace: 'x', name: '', path: '' })).allowed, 'the RoleBinding to take effect', 5000, 10);
  }

  beforeAll(async () => {
    await backend.start();
    sources = new AdmissionSources({ backend, resources, signal: stop.signal, log: silentLogger(), authorizer: late });
    await sources.synced;
  });
  afterAll(async () => {
    stop.abort();
    await stack?.stop();
    await backend.close();
  });

  it('checks what the requesting user may do; errors until the authorizer is bound', async () => {
    const policy = await store(ARG, 'validatingadmissionpolicies').create(undefined, {
      apiVersion: `${ARG}/v1`,
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'big-needs-delete' },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] }] },
        validations: [
          {
            expression: `object.spec.replicas <= 3 || authorizer.group('apps').resource('deployments').namespace(object.metadata.namespace).check('delete').allowed()`,
            messageExpression: `"needs delete: " + authorizer.requestResource.check('delete').reason() + (authorizer.path('/healthz').check('get').allowed() ? " (healthz ok)" : "")`,
          },
          { expression: `!authorizer.requestResource.check('create').errored()`, message: 'authorizer errored' },
        ],
      },
    } as KubeObject);
    const binding = await store(ARG, 'validatingadmissionpolicybindings').create(undefined, { apiVersion: `${ARG}/v1`, kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'b' }, spec: { policyName: 'big-needs-delete', validationActions: ['Deny'] } } as KubeObject);
    await eventually(async () => sources.configs('validatingadmissionpolicies').some((o) => o.metadata.resourceVersion === policy.metadata.resourceVersion) && sources.bindingsOf('validatingadmissionpolicybindings', 'big-needs-delete').some((o) => o.metadata.resourceVersion === binding.metadata.resourceVersion), 'the policy in the cache', 5000, 10);
    const vap = new ValidatingPolicyAdmission(sources, silentLogger());

    // Not bound yet: checks answer errored.
    expect(await outcome(vap, request('alice', 1))).toContain('denied request: authorizer errored');

    await bindAuthorizer();
    expect(await outcome(vap, request('alice', 1))).toBe('admitted');
    // alice may do nothing with deployments in x yet: the message names RBAC's reason; every authenticated user may get /healthz.
    expect(await outcome(vap, request('alice', 5))).toMatch(/^deployments.apps "web" is forbidden: ValidatingAdmissionPolicy 'big-needs-delete' with binding 'b' denied request: needs delete: .* \(healthz ok\)$/);
    await letAliceDelete();
    expect(await outcome(vap, request('alice', 5))).toBe('admitted');
    expect(await outcome(vap, request('bob', 5))).toContain('needs delete');
  });

  it("a webhook's matchConditions may ask the authorizer", async () => {
    await letAliceDelete();
    const hook = await startTestWebhookServer({ host: '127.0.0.1', handler: () => ({ allowed: false, status: { message: 'only for users who may not delete' } }) });
    try {
      const cfg = await store(ARG, 'validatingwebhookconfigurations').create(undefined, {
        apiVersion: `${ARG}/v1`,
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name: 'gate' },
        webhooks: [
          {
            name: 'gate.example.com',
            admissionReviewVersions: ['v1'],
            sideEffects: 'None',
            clientConfig: { url: `https://127.0.0.1:${hook.port}/`, caBundle: hook.caBundle },
            rules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] }],
            matchConditions: [{ name: 'cannot-delete', expression: `!authorizer.requestResource.check('delete').allowed()` }],
          },
        ],
      } as KubeObject);
      await eventually(async () => sources.configs('validatingwebhookconfigurations').some((o) => o.metadata.resourceVersion === cfg.metadata.resourceVersion), 'the webhook in the cache', 5000, 10);
      const webhooks = new WebhookAdmission('validating', sources, silentLogger());
      expect(await outcome(webhooks, request('alice', 1))).toBe('admitted');
      expect(hook.requests).toHaveLength(0);
      expect(await outcome(webhooks, request('bob', 1))).toBe('admission webhook "gate.example.com" denied the request: only for users who may not delete');
      expect(hook.requests).toHaveLength(1);
    } finally {
      await hook.close();
    }
  });
});
