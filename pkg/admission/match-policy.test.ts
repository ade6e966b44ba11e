// matchPolicy Equivalent with HorizontalPodAutoscalers served as autoscaling/v1 and v2 (one storage).
import * as crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_MODULES } from '../api/catalog';
import type { ResourceDef } from '../api/resource-def';
import type { KubeObject } from '../api/types';
import type { AdmissionPlugin, AdmissionRequest } from '../apiserver/authorization';
import { ApiError } from '../apiserver/errors';
import { Store } from '../apiserver/registry/store';
import { eventually } from '../controllers/testing/eventually';
import { silentLogger } from '../log/logger';
import { MemoryBackend } from '../storage/drivers/memory';
import { AdmissionSources, type ConfigKind } from './admission-sources';
import { convertObject, equivalentResources } from './equivalent-resources';
import { MutatingPolicyAdmission } from './mutating-policy-admission';
import { startTestWebhookServer, type TestWebhookServer } from './test-webhook-server';
import { ValidatingPolicyAdmission } from './validating-policy-admission';
import { WebhookAdmission } from './webhook-admission';

const resources = BUILTIN_MODULES.flat();
const ARG = 'admissionregistration.k8s.io';
const hpaDef = (version: string): ResourceDef => resources.find((d) => d.group === 'autoscaling' && d.version === version && d.resource === 'horizontalpodautoscalers')!;
const defOf = (group: string, resource: string): ResourceDef => resources.find((d) => d.group === group && d.resource === resource && !d.storageResource)!;
const hpaV1 = hpaDef('v1');
const hpaV2 = hpaDef('v2');

function v1Hpa(name: string, cpu: number, max = 5): KubeObject {
  return { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name, namespace: 'default' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: max, targetCPUUtilizationPercentage: cpu } };
}

function request(def: ResourceDef, object: KubeObject): AdmissionRequest {
  return { user: { username: 'alice', groups: ['system:authenticated'] }, operation: 'create', def, namespace: 'default', name: String(object.metadata.name), object, dryRun: false };
}

async function refusal(plugin: AdmissionPlugin, req: AdmissionRequest): Promise<ApiError> {
  try {
    await plugin.admit(req);
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('admitted');
}

describe('equivalent resources', () => {
  it('pairs autoscaling/v1 and v2 HorizontalPodAutoscalers and converts through the stored form', () => {
    expect(equivalentResources(resources, hpaV1).map((d) => `${d.group}/${d.version}`)).toEqual(['autoscaling/v2']);
    expect(equivalentResources(resources, hpaV2, 'status').map((d) => `${d.group}/${d.version}`)).toEqual(['autoscaling/v1']);
    expect(equivalentResources(resources, defOf('apps', 'deployments'))).toEqual([]);
    const v1 = v1Hpa('a', 70);
    const v2 = convertObject(v1, hpaV1, hpaV2);
    expect(v2.apiVersion).toBe('autoscaling/v2');
    expect((v2.spec as Record<string, unknown>).metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    expect(v1.apiVersion).toBe('autoscaling/v1');
    const back = convertObject(v2, hpaV2, hpaV1);
    expect(back.spec).toEqual(v1.spec);
  });
});

describe('matchPolicy Equivalent', () => {
  const backend = new MemoryBackend();
  const stop = new AbortController();
  let sources: AdmissionSources;
  const ctx = { backend, now: () => new Date(), newUid: () => crypto.randomUUID(), random: Math.random };
  const put = async (resource: string, obj: KubeObject) => {
    const store = new Store(defOf(ARG, resource), ctx);
    const name = String(obj.metadata.name);
    if (await store.getKv(undefined, name)) await store.delete(undefined, name);
    const created = await store.create(undefined, obj);
    await eventually(async () => sources.configs(resource as ConfigKind).some((o) => o.metadata.resourceVersion === created.metadata.resourceVersion), `${resource} ${name} in the cache`, 5000, 10);
  };
  const remove = async (resource: string, name: string) => {
    await new Store(defOf(ARG, resource), ctx).delete(undefined, name);
    await eventually(async () => !sources.configs(resource as ConfigKind).some((o) => o.metadata.name === name), `${resource} ${name} gone from the cache`, 5000, 10);
  };
  const v2Rule = { apiGroups: ['autoscaling'], apiVersions: ['v2'], operations: ['CREATE'], resources: ['horizontalpodautoscalers'] };

  beforeAll(async () => {
    await backend.start();
    sources = new AdmissionSources({ backend, resources, signal: stop.signal, log: silentLogger() });
    await sources.synced;
  });
  afterAll(async () => {
    stop.abort();
    await backend.close();
  });

  it('a ValidatingAdmissionPolicy on autoscaling/v2 sees a v1 request converted to v2; Exact does not match it', async () => {
    const policy = (matchPolicy?: string): KubeObject => ({
      apiVersion: `${ARG}/v1`,
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'cpu-target' },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [v2Rule], ...(matchPolicy ? { matchPolicy } : {}) },
        validations: [{ expression: 'object.apiVersion == "autoscaling/v2" && object.spec.metrics.all(m, m.resource.target.averageUtilization <= 80)', messageExpression: '"target too high: " + request.requestKind.version + " as " + request.kind.version' }],
      },
    });
    await put('validatingadmissionpolicies', policy());
    await put('validatingadmissionpolicybindings', { apiVersion: `${ARG}/v1`, kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'cpu-target-b' }, spec: { policyName: 'cpu-target', validationActions: ['Deny'] } });
    const vap = new ValidatingPolicyAdmission(sources, silentLogger());
    await vap.admit(request(hpaV1, v1Hpa('ok', 50)));
    const err = await refusal(vap, request(hpaV1, v1Hpa('hot', 95)));
    expect(err.message).toBe(`horizontalpodautoscalers.autoscaling "hot" is forbidden: ValidatingAdmissionPolicy 'cpu-target' with binding 'cpu-target-b' denied request: target too high: v1 as v2`);
    await put('validatingadmissionpolicies', policy('Exact'));
    await vap.admit(request(hpaV1, v1Hpa('hot', 95)));
    await remove('validatingadmissionpolicybindings', 'cpu-target-b');
    await remove('validatingadmissionpolicies', 'cpu-target');
  });

  it('a MutatingAdmissionPolicy on autoscaling/v2 mutates a v1 request through v2', async () => {
    await put('mutatingadmissionpolicies', {
      apiVersion: `${ARG}/v1`,
      kind: 'MutatingAdmissionPolicy',
      metadata: { name: 'cap' },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [v2Rule] },
        mutations: [{ patchType: 'JSONPatch', jsonPatch: { expression: '[JSONPatch{op: "replace", path: "/spec/metrics/0/resource/target/averageUtilization", value: 60}, JSONPatch{op: "replace", path: "/spec/maxReplicas", value: object.spec.maxReplicas * 2}]' } }],
      },
    });
    await put('mutatingadmissionpolicybindings', { apiVersion: `${ARG}/v1`, kind: 'MutatingAdmissionPolicyBinding', metadata: { name: 'cap-b' }, spec: { policyName: 'cap' } });
    const obj = v1Hpa('m', 90, 4);
    await new MutatingPolicyAdmission(sources).admit(request(hpaV1, obj));
    expect(obj.apiVersion).toBe('autoscaling/v1');
    expect(obj.spec).toMatchObject({ maxReplicas: 8, targetCPUUtilizationPercentage: 60 });
    expect((obj.spec as Record<string, unknown>).metrics).toBeUndefined();
    await remove('mutatingadmissionpolicybindings', 'cap-b');
    await remove('mutatingadmissionpolicies', 'cap');
  });

  describe('webhooks', () => {
    let server: TestWebhookServer;
    beforeAll(async () => {
      server = await startTestWebhookServer({ host: '127.0.0.1', handler: () => ({ allowed: true, patch: [{ op: 'add', path: '/spec/behavior', value: { scaleDown: { stabilizationWindowSeconds: 30 } } }] }) });
    });
    afterAll(() => server.close());

    it('a webhook whose rule names autoscaling/v2 is sent the v2 object for a v1 request, and its patch comes back in v1', async () => {
      const hook = (matchPolicy?: string) => ({ name: 'hpa.example.com', admissionReviewVersions: ['v1'], sideEffects: 'None', clientConfig: { url: `https://127.0.0.1:${server.port}/`, caBundle: server.caBundle }, rules: [v2Rule], ...(matchPolicy ? { matchPolicy } : {}) });
      await put('mutatingwebhookconfigurations', { apiVersion: `${ARG}/v1`, kind: 'MutatingWebhookConfiguration', metadata: { name: 'hpa' }, webhooks: [hook()] });
      const obj = v1Hpa('w', 70);
      await new WebhookAdmission('mutating', sources, silentLogger()).admit(request(hpaV1, obj));
      const sent = server.requests.at(-1)!;
      expect(sent.kind).toEqual({ group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler' });
      expect(sent.requestKind).toEqual({ group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler' });
      expect(sent.resource).toEqual({ group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' });
      expect(sent.object?.apiVersion).toBe('autoscaling/v2');
      // v1 has no spec.behavior: it travels in the conversion annotation
      expect(obj.apiVersion).toBe('autoscaling/v1');
      expect(JSON.parse(obj.metadata.annotations?.['autoscaling.alpha.kubernetes.io/behavior'] ?? '{}')).toMatchObject({ scaleDown: { stabilizationWindowSeconds: 30 } });
      expect(obj.spec).toMatchObject({ targetCPUUtilizationPercentage: 70 });
      const calls = server.requests.length;
      await put('mutatingwebhookconfigurations', { apiVersion: `${ARG}/v1`, kind: 'MutatingWebhookConfiguration', metadata: { name: 'hpa' }, webhooks: [hook('Exact')] });
      await new WebhookAdmission('mutating', sources, silentLogger()).admit(request(hpaV1, v1Hpa('x', 70)));
      expect(server.requests.length).toBe(calls);
      await remove('mutatingwebhookconfigurations', 'hpa');
    });
  });
});
