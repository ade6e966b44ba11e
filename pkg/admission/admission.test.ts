import * as crypto from 'node:crypto';
import * as net from 'node:net';
import * as os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_MODULES } from '../api/catalog';
import type { ResourceDef } from '../api/resource-def';
import type { KubeObject } from '../api/types';
import type { AdmissionPlugin, AdmissionRequest } from '../apiserver/authorization';
import { ApiError } from '../apiserver/errors';
import { Store } from '../apiserver/registry/store';
import { silentLogger } from '../log/logger';
import { MemoryBackend } from '../storage/drivers/memory';
import { AdmissionSources, type ConfigKind } from './admission-sources';
import { MutatingPolicyAdmission } from './mutating-policy-admission';
import { startTestWebhookServer, type TestWebhookServer } from './test-webhook-server';
import { ValidatingPolicyAdmission } from './validating-policy-admission';
import { WebhookAdmission } from './webhook-admission';

const resources = BUILTIN_MODULES.flat();
const defOf = (group: string, resource: string): ResourceDef => resources.find((d) => d.group === group && d.resource === resource && !d.storageResource)!;
const ARG = 'admissionregistration.k8s.io';
const deployments = defOf('apps', 'deployments');

function deployment(name: string, replicas: number, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default', labels }, spec: { replicas } };
}

function request(operation: AdmissionRequest['operation'], object: KubeObject | undefined, oldObject?: KubeObject, extra: Partial<AdmissionRequest> = {}): AdmissionRequest & { warnings: string[] } {
  const warnings: string[] = [];
  const name = String((object ?? oldObject)!.metadata.name);
  return { user: { username: 'alice', groups: ['system:authenticated'] }, operation, def: deployments, namespace: 'default', name, object, oldObject, dryRun: false, warn: (w) => warnings.push(w), warnings, ...extra };
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

describe('dynamic admission', () => {
  const backend = new MemoryBackend();
  const stop = new AbortController();
  let sources: AdmissionSources;
  const ctx = { backend, now: () => new Date(), newUid: () => crypto.randomUUID(), random: Math.random };
  const put = async (group: string, resource: string, obj: KubeObject) => {
    const store = new Store(defOf(group, resource), ctx);
    const ns = obj.metadata.namespace as string | undefined;
    const name = String(obj.metadata.name);
    if (await store.getKv(ns, name)) await store.delete(ns, name);
    return store.create(ns, obj);
  };
  const remove = (group: string, resource: string, name: string, ns?: string) => new Store(defOf(group, resource), ctx).delete(ns, name);
  const until = async (what: () => boolean) => {
    const end = Date.now() + 5000;
    while (!what()) {
      if (Date.now() > end) throw new Error('cache did not catch up');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const cached = (kind: ConfigKind, name: string, rv?: string) => until(() => sources.configs(kind).some((o) => o.metadata.name === name && (!rv || o.metadata.resourceVersion === rv)));

  beforeAll(async () => {
    await backend.start();
    sources = new AdmissionSources({ backend, resources, signal: stop.signal, log: silentLogger() });
    await sources.synced;
    await put('', 'namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', labels: { env: 'test' } } });
  });
  afterAll(async () => {
    stop.abort();
    await backend.close();
  });

  describe('ValidatingAdmissionPolicy', () => {
    const vap = () => new ValidatingPolicyAdmission(sources, silentLogger());
    const policy = (name: string, spec: Record<string, unknown>): KubeObject => ({
      apiVersion: `${ARG}/v1`,
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name },
      spec: { failurePolicy: 'Fail', matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments', 'deployments/scale'] }] }, ...spec },
    });
    const binding = (name: string, policyName: string, spec: Record<string, unknown> = {}): KubeObject => ({ apiVersion: `${ARG}/v1`, kind: 'ValidatingAdmissionPolicyBinding', metadata: { name }, spec: { policyName, validationActions: ['Deny'], ...spec } });
    const install = async (p: KubeObject, b: KubeObject) => {
      const pp = await put(ARG, 'validatingadmissionpolicies', p);
      const bb = await put(ARG, 'validatingadmissionpolicybindings', b);
      await cached('validatingadmissionpolicies', String(p.metadata.name), pp.metadata.resourceVersion as string);
      await cached('validatingadmissionpolicybindings', String(b.metadata.name), bb.metadata.resourceVersion as string);
    };
    const uninstall = async (p: string, b: string) => {
      await remove(ARG, 'validatingadmissionpolicybindings', b);
      await remove(ARG, 'validatingadmissionpolicies', p);
      await until(() => sources.configs('validatingadmissionpolicies').length === 0);
    };

    it('denies with the message, reason and upstream wording; allows what passes; sees scale', async () => {
      await install(policy('max-replicas', { validations: [{ expression: 'object.spec.replicas <= 5', message: 'replicas must be no greater than 5', reason: 'Forbidden' }] }), binding('max-replicas-b', 'max-replicas'));
      await vap().admit(request('create', deployment('ok', 3)));
      const err = await refusal(vap(), request('create', deployment('big', 6)));
      expect(err.code).toBe(403);
      expect(err.message).toBe(`deployments.apps "big" is forbidden: ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-b' denied request: replicas must be no greater than 5`);
      const scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'ok', namespace: 'default' }, spec: { replicas: 6 } };
      expect((await refusal(vap(), request('update', scale, { ...scale, spec: { replicas: 3 } }, { subresource: 'scale' }))).message).toContain('replicas must be no greater than 5');
      // DELETE is not among the operations
      await vap().admit(request('delete', undefined, deployment('big', 6)));
      await uninstall('max-replicas', 'max-replicas-b');
    });

    it('Warn adds a warning instead of refusing; messageExpression; matchConditions; failed expression text', async () => {
      await install(
        policy('warn', {
          matchConditions: [{ name: 'not-exempt', expression: '!("exempt" in object.metadata.labels)' }],
          validations: [{ expression: 'object.spec.replicas <= 2', messageExpression: '"too many: " + string(object.spec.replicas)' }, { expression: 'object.metadata.name != "x"' }],
        }),
        binding('warn-b', 'warn', { validationActions: ['Warn'] }),
      );
      const r = request('create', deployment('x', 4));
      await vap().admit(r);
      expect(r.warnings).toEqual([`Validation failed for ValidatingAdmissionPolicy 'warn' with binding 'warn-b': too many: 4`, `Validation failed for ValidatingAdmissionPolicy 'warn' with binding 'warn-b': failed expression: object.metadata.name != "x"`]);
      const exempt = request('create', deployment('x', 4, { exempt: 'yes' }));
      await vap().admit(exempt);
      expect(exempt.warnings).toEqual([]);
      await uninstall('warn', 'warn-b');
    });

    it('takes params from a ConfigMap; parameterNotFoundAction Deny and Allow', async () => {
      await put('', 'configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'limits', namespace: 'default' }, data: { max: '3' } });
      const p = policy('param', { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: 'object.spec.replicas <= int(params.data.max)', messageExpression: '"at most " + params.data.max' }] });
      await install(p, binding('param-b', 'param', { paramRef: { name: 'limits', parameterNotFoundAction: 'Deny' } }));
      await vap().admit(request('create', deployment('a', 3)));
      expect((await refusal(vap(), request('create', deployment('a', 4)))).message).toContain('denied request: at most 3');
      await install(p, binding('param-b', 'param', { paramRef: { name: 'missing', parameterNotFoundAction: 'Deny' } }));
      expect((await refusal(vap(), request('create', deployment('a', 1)))).message).toContain('no params found for policy binding with `Deny` parameterNotFoundAction');
      await install(p, binding('param-b', 'param', { paramRef: { name: 'missing', parameterNotFoundAction: 'Allow' } }));
      await vap().admit(request('create', deployment('a', 9)));
      await uninstall('param', 'param-b');
    });

    it('applies failurePolicy to expression errors and honours namespace/object selectors', async () => {
      await install(policy('broken', { failurePolicy: 'Fail', validations: [{ expression: 'object.spec.nope > 1' }] }), binding('broken-b', 'broken', { matchResources: { namespaceSelector: { matchLabels: { env: 'test' } }, objectSelector: { matchExpressions: [{ key: 'skip', operator: 'DoesNotExist' }] } } }));
      expect((await refusal(vap(), request('create', deployment('a', 1)))).message).toMatch(/denied request: expression 'object.spec.nope > 1' resulted in error: .*nope/);
      await vap().admit(request('create', deployment('a', 1, { skip: 'y' })));
      await install(policy('broken', { failurePolicy: 'Ignore', validations: [{ expression: 'object.spec.nope > 1' }] }), binding('broken-b', 'broken'));
      await vap().admit(request('create', deployment('a', 1)));
      await uninstall('broken', 'broken-b');
    });
  });

  describe('MutatingAdmissionPolicy', () => {
    it('applies ApplyConfiguration and JSONPatch mutations', async () => {
      const p = await put(ARG, 'mutatingadmissionpolicies', {
        apiVersion: `${ARG}/v1`,
        kind: 'MutatingAdmissionPolicy',
        metadata: { name: 'label' },
        spec: {
          failurePolicy: 'Fail',
          reinvocationPolicy: 'Never',
          matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] }] },
          mutations: [
            { patchType: 'ApplyConfiguration', applyConfiguration: { expression: 'Object{metadata: Object.metadata{labels: {"team": "blue"}}}' } },
            { patchType: 'JSONPatch', jsonPatch: { expression: '[JSONPatch{op: "replace", path: "/spec/replicas", value: object.spec.replicas + 1}]' } },
          ],
        },
      });
      const b = await put(ARG, 'mutatingadmissionpolicybindings', { apiVersion: `${ARG}/v1`, kind: 'MutatingAdmissionPolicyBinding', metadata: { name: 'label-b' }, spec: { policyName: 'label' } });
      await cached('mutatingadmissionpolicies', 'label', p.metadata.resourceVersion as string);
      await cached('mutatingadmissionpolicybindings', 'label-b', b.metadata.resourceVersion as string);
      const obj = deployment('m', 1, { app: 'x' });
      await new MutatingPolicyAdmission(sources).admit(request('create', obj));
      expect(obj.metadata.labels).toEqual({ app: 'x', team: 'blue' });
      expect(obj.spec).toEqual({ replicas: 2 });
      await remove(ARG, 'mutatingadmissionpolicybindings', 'label-b');
      await remove(ARG, 'mutatingadmissionpolicies', 'label');
    });
  });

  describe('webhooks', () => {
    let server: TestWebhookServer;
    beforeAll(async () => {
      server = await startTestWebhookServer({
        host: '127.0.0.1',
        handler: (_req, path) => {
          if (path.startsWith('/deny')) return { allowed: false, status: { code: 403, message: 'no deployments named bad' } };
          if (path.startsWith('/mutate')) return { allowed: true, warnings: ['labelled by webhook'], patch: [{ op: 'add', path: '/metadata/labels/mutated', value: 'yes' }] };
          return { allowed: true };
        },
      });
    });
    afterAll(() => server.close());

    const config = async (resource: 'validatingwebhookconfigurations' | 'mutatingwebhookconfigurations', name: string, hooks: Record<string, unknown>[]) => {
      const kind = resource === 'validatingwebhookconfigurations' ? 'ValidatingWebhookConfiguration' : 'MutatingWebhookConfiguration';
      const o = await put(ARG, resource, { apiVersion: `${ARG}/v1`, kind, metadata: { name }, webhooks: hooks });
      await cached(resource, name, o.metadata.resourceVersion as string);
    };
    const hook = (name: string, url: string, extra: Record<string, unknown> = {}) => ({
      name,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      clientConfig: { url, caBundle: server.caBundle },
      rules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] }],
      ...extra,
    });

    it('mutating webhook patches the object and passes warnings; validating webhook denial is worded as upstream', async () => {
      await config('mutatingwebhookconfigurations', 'mutator', [hook('mutate.example.com', `https://127.0.0.1:${server.port}/mutate`)]);
      const obj = deployment('w', 1, { app: 'x' });
      const r = request('create', obj);
      await new WebhookAdmission('mutating', sources, silentLogger()).admit(r);
      expect(obj.metadata.labels).toEqual({ app: 'x', mutated: 'yes' });
      expect(r.warnings).toEqual(['labelled by webhook']);
      const sent = server.requests.at(-1)!;
      expect(sent.operation).toBe('CREATE');
      expect(sent.namespace).toBe('default');
      await remove(ARG, 'mutatingwebhookconfigurations', 'mutator');

      await config('validatingwebhookconfigurations', 'validator', [hook('deny.example.com', `https://127.0.0.1:${server.port}/deny`, { objectSelector: { matchLabels: { app: 'bad' } } })]);
      const v = new WebhookAdmission('validating', sources, silentLogger());
      await v.admit(request('create', deployment('fine', 1, { app: 'good' })));
      const err = await refusal(v, request('create', deployment('bad', 1, { app: 'bad' })));
      expect(err.code).toBe(403);
      expect(err.message).toBe('admission webhook "deny.example.com" denied the request: no deployments named bad');
      await remove(ARG, 'validatingwebhookconfigurations', 'validator');
      await until(() => sources.configs('validatingwebhookconfigurations').length === 0);
    });

    it('reinvokes an IfNeeded webhook after a later webhook changed the object; skips admissionregistration objects', async () => {
      const calls: string[] = [];
      const reinvoked = await startTestWebhookServer({
        host: '127.0.0.1',
        handler: (req, path) => {
          const labels = req.object?.metadata?.labels ?? {};
          calls.push(`${path.split('?')[0]}:${Object.keys(labels).sort().join(',')}`);
          if (path.startsWith('/a')) return { allowed: true };
          return labels.b ? { allowed: true } : { allowed: true, patch: [{ op: 'add', path: '/metadata/labels/b', value: 'set' }] };
        },
      });
      try {
        const url = (p: string) => `https://127.0.0.1:${reinvoked.port}${p}`;
        await config('mutatingwebhookconfigurations', 'chain', [
          { ...hook('a.example.com', url('/a'), { reinvocationPolicy: 'IfNeeded' }), clientConfig: { url: url('/a'), caBundle: reinvoked.caBundle } },
          { ...hook('b.example.com', url('/b')), clientConfig: { url: url('/b'), caBundle: reinvoked.caBundle }, rules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*'] }] },
        ]);
        const obj = deployment('r', 1, { app: 'x' });
        await new WebhookAdmission('mutating', sources, silentLogger()).admit(request('create', obj));
        expect(calls).toEqual(['/a:app', '/b:app', '/a:app,b']);
        expect(obj.metadata.labels).toEqual({ app: 'x', b: 'set' });
        const cfg = { apiVersion: `${ARG}/v1`, kind: 'MutatingWebhookConfiguration', metadata: { name: 'other' }, webhooks: [] };
        await new WebhookAdmission('mutating', sources, silentLogger()).admit({ ...request('create', cfg), def: defOf(ARG, 'mutatingwebhookconfigurations'), namespace: undefined });
        expect(calls).toHaveLength(3);
      } finally {
        await reinvoked.close();
        await remove(ARG, 'mutatingwebhookconfigurations', 'chain').catch(() => undefined);
      }
    });

    it('failurePolicy Fail refuses when the webhook is unreachable; Ignore admits; sideEffects vs dryRun', async () => {
      const closed = `https://127.0.0.1:1/`;
      await config('validatingwebhookconfigurations', 'down', [hook('down.example.com', closed, { failurePolicy: 'Fail', timeoutSeconds: 2 })]);
      const v = new WebhookAdmission('validating', sources, silentLogger());
      const err = await refusal(v, request('create', deployment('a', 1)));
      expect(err.code).toBe(500);
      expect(err.message).toBe('Internal error occurred: failed calling webhook "down.example.com": failed to call webhook: Post "https://127.0.0.1:1/?timeout=2s": dial tcp 127.0.0.1:1: connect: connection refused');
      // A server that accepts and never answers: the call gives up after timeoutSeconds.
      const silent = net.createServer((sock) => sock.resume());
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      try {
        const url = `https://127.0.0.1:${(silent.address() as net.AddressInfo).port}/`;
        await config('validatingwebhookconfigurations', 'down', [hook('slow.example.com', url, { failurePolicy: 'Fail', timeoutSeconds: 1 })]);
        const started = Date.now();
        expect((await refusal(v, request('create', deployment('a', 1)))).message).toBe(`Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "${url}?timeout=1s": context deadline exceeded`);
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        await new Promise((resolve) => silent.close(resolve));
      }
      await config('validatingwebhookconfigurations', 'down', [hook('down.example.com', closed, { failurePolicy: 'Ignore' })]);
      await v.admit(request('create', deployment('a', 1)));
      // v1 allows only None and NoneOnDryRun, both called on dry runs (with dryRun: true)
      await config('validatingwebhookconfigurations', 'down', [hook('side.example.com', `https://127.0.0.1:${server.port}/`, { sideEffects: 'NoneOnDryRun' })]);
      await v.admit(request('create', deployment('dry', 1), undefined, { dryRun: true }));
      expect(server.requests.at(-1)).toMatchObject({ name: 'dry', dryRun: true });
      await remove(ARG, 'validatingwebhookconfigurations', 'down');
    });

    it('resolves a service reference through its EndpointSlice and checks the certificate name', async () => {
      // EndpointSlices may not hold loopback addresses: listen on this host's own (non-loopback) address.
      const hostIp = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address ?? '127.0.0.1';
      const svcServer = await startTestWebhookServer({ host: hostIp, dnsNames: ['hooks.default.svc'], ipAddresses: [], handler: () => ({ allowed: false, status: { message: 'via service' } }) });
      try {
        await put('', 'services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hooks', namespace: 'default' }, spec: { ports: [{ name: 'https', port: 443, targetPort: svcServer.port }] } });
        await put('discovery.k8s.io', 'endpointslices', {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { name: 'hooks-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'hooks' } },
          addressType: 'IPv4',
          endpoints: [{ addresses: [hostIp], conditions: { ready: true } }],
          ports: [{ name: 'https', port: svcServer.port, protocol: 'TCP' }],
        });
        await config('validatingwebhookconfigurations', 'svc', [{ ...hook('svc.example.com', ''), clientConfig: { service: { namespace: 'default', name: 'hooks', path: '/validate' }, caBundle: svcServer.caBundle } }]);
        const err = await refusal(new WebhookAdmission('validating', sources, silentLogger()), request('create', deployment('a', 1)));
        expect(err.message).toBe('admission webhook "svc.example.com" denied the request: via service');
        expect(err.code).toBe(400);
      } finally {
        await svcServer.close();
        await remove(ARG, 'validatingwebhookconfigurations', 'svc').catch(() => undefined);
      }
    });
  });
});
