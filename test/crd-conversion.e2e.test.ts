// CRD webhook conversion against the built executable with the real kubectl: a CRD whose v1
// (storage) keeps `spec.hostPort: "host:80"` and whose v2 has `spec.host` + `spec.port`, converted
// by an HTTPS webhook running in this test process (clientConfig.url https://127.0.0.1:<port> with
// its caBundle). kubectl reads each version in the right shape (get, -o yaml, list, watch),
// writes through v2 land in storage at v1, a webhook answering Failure and a webhook that is gone
// give kubectl the error, and the server keeps serving everything else.
import { execa } from 'execa';
import * as os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostPortCrd, hostPortHandler, startTestConversionWebhook, type TestConversionWebhook } from '../pkg/apiextensions/testing/conversion-webhook-server';
import { PATH_WITH_HOST_TOOLS } from './helpers/binary';
import { eventually, KUBECTL, startTestServer, type TestServer } from './helpers/cluster';
import { kubectlExpect } from './helpers/kubectl-expect';

const crdJson = (url: string, caBundle: string, conversionReviewVersions = ['v1']) =>
  JSON.stringify(hostPortCrd({ group: 'conv.example.com', plural: 'backends', kind: 'Backend', clientConfig: { url, caBundle }, conversionReviewVersions }));

const hostIp = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

describe('CRD webhook conversion with kubectl', () => {
  let s: TestServer;
  let hook: TestConversionWebhook;
  const { ok, fails } = kubectlExpect(() => s);

  beforeAll(async () => {
    hook = await startTestConversionWebhook({ handler: hostPortHandler });
    s = await startTestServer();
  }, 120_000);
  afterAll(async () => {
    await s?.stop();
    await hook?.close();
  });

  it('rejects a malformed conversion stanza with upstream field paths', async () => {
    const bad = crdJson('http://127.0.0.1:1/convert?x=1', hook.caBundle, ['v9']);
    const r = await s.kubectl(['apply', '-f', '-'], { input: bad });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`spec.conversion.webhookClientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme`);
    expect(r.stderr).toContain('spec.conversion.webhookClientConfig.url: Invalid value: "x=1": query parameters are not permitted in the URL');
    expect(r.stderr).toContain('spec.conversion.conversionReviewVersions: Invalid value: ["v9"]: must include at least one of v1, v1beta1');
  });

  it('serves v2 objects converted from the v1 storage version and stores v2 writes at v1', async () => {
    await ok(['apply', '-f', '-'], crdJson(hook.url, hook.caBundle));
    await ok(['wait', '--for=condition=Established', 'crd/backends.conv.example.com', '--timeout=20s']);
    await eventually(async () => (await s.kubectl(['get', 'backends.v1.conv.example.com'])).exitCode === 0, 'backends served');

    await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'conv.example.com/v1', kind: 'Backend', metadata: { name: 'a', labels: { tier: 'web' } }, spec: { hostPort: 'alpha:80' } }));
    expect(hook.reviews).toHaveLength(0);

    const yaml = await ok(['get', 'backends.v2.conv.example.com', 'a', '-o', 'yaml']);
    expect(yaml).toContain('apiVersion: conv.example.com/v2');
    expect(yaml).toMatch(/spec:\n\s+host: alpha\n\s+port: 80$/m);
    expect(yaml).toContain('tier: web');
    expect(hook.reviews.at(-1)).toMatchObject({ apiVersion: 'apiextensions.k8s.io/v1', desiredAPIVersion: 'conv.example.com/v2', objects: [{ apiVersion: 'conv.example.com/v1', kind: 'Backend', spec: { hostPort: 'alpha:80' } }] });
    expect(await ok(['get', 'backends.v2.conv.example.com', 'a', '--no-headers'])).toMatch(/^a\s+alpha\s+80\s*$/m);

    // Created through v2: the webhook is asked for v1 (the storage version), and v1 reads need no webhook.
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'conv.example.com/v2', kind: 'Backend', metadata: { name: 'b' }, spec: { host: 'beta', port: 443 } }));
    expect(hook.reviews.some((r) => r.desiredAPIVersion === 'conv.example.com/v1' && r.objects.some((o) => (o.spec as { host?: string }).host === 'beta'))).toBe(true);
    const reviewsBefore = hook.reviews.length;
    expect(await ok(['get', 'backends.v1.conv.example.com', 'b', '-o', 'jsonpath={.apiVersion} {.spec.hostPort}'])).toBe('conv.example.com/v1 beta:443');
    expect(hook.reviews.length).toBe(reviewsBefore);

    // A list is converted in one review.
    const list = JSON.parse(await ok(['get', 'backends.v2.conv.example.com', '-o', 'json'])) as { items: Array<{ apiVersion: string; metadata: { name: string }; spec: unknown }> };
    expect(list.items.map((i) => [i.metadata.name, i.apiVersion, i.spec])).toEqual([
      ['a', 'conv.example.com/v2', { host: 'alpha', port: 80 }],
      ['b', 'conv.example.com/v2', { host: 'beta', port: 443 }],
    ]);
    expect(hook.reviews.at(-1)!.objects).toHaveLength(2);
  });

  it('converts watch events', async () => {
    const watcher = execa(KUBECTL, ['get', 'backends.v2.conv.example.com', '--watch-only', '-o', 'custom-columns=NAME:.metadata.name,HOST:.spec.host,PORT:.spec.port', '--no-headers'], {
      env: { PATH: PATH_WITH_HOST_TOOLS, HOME: s.dir, KUBECONFIG: s.kubeconfig },
      extendEnv: false,
      reject: false,
    });
    let seen = '';
    watcher.stdout?.on('data', (c: Buffer) => (seen += c.toString()));
    try {
      await eventually(async () => {
        await ok(['patch', 'backends.v1.conv.example.com', 'a', '--type=merge', '-p', `{"spec":{"hostPort":"alpha:${8000 + Math.floor(Math.random() * 1000)}"}}`]);
        return /a\s+alpha\s+8\d{3}/.test(seen);
      }, `converted watch event (got ${JSON.stringify(seen)})`);
    } finally {
      watcher.kill();
      await watcher;
    }
  });

  // A webhook named by a Service without selector whose EndpointSlice points at this host's own
  // address (endpoints may not be loopback); its certificate names conv-hook.conv.svc only.
  it.skipIf(!hostIp)('reaches a webhook named by a service reference through its EndpointSlice', async () => {
    const svcHook = await startTestConversionWebhook({ host: hostIp!, dnsNames: ['conv-hook.conv.svc'], handler: hostPortHandler });
    try {
      await ok(['create', 'namespace', 'conv']);
      await ok(['apply', '-f', '-'], `
apiVersion: v1
kind: Service
metadata: {name: conv-hook, namespace: conv}
spec:
  ports: [{name: https, port: 443, targetPort: ${svcHook.port}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: conv-hook-1, namespace: conv, labels: {kubernetes.io/service-name: conv-hook}}
addressType: IPv4
endpoints: [{addresses: ["${hostIp}"], conditions: {ready: true}}]
ports: [{name: https, port: ${svcHook.port}, protocol: TCP}]
`);
      const crd = hostPortCrd({ group: 'conv.example.com', plural: 'relays', kind: 'Relay', clientConfig: { service: { namespace: 'conv', name: 'conv-hook', path: '/convert' }, caBundle: svcHook.caBundle } });
      await ok(['apply', '-f', '-'], JSON.stringify(crd));
      const stored = JSON.parse(await ok(['get', 'crd', 'relays.conv.example.com', '-o', 'json'])) as { spec: { conversion: { webhook: { clientConfig: { service: { port: number } } } } } };
      expect(stored.spec.conversion.webhook.clientConfig.service.port).toBe(443);
      await ok(['wait', '--for=condition=Established', 'crd/relays.conv.example.com', '--timeout=20s']);
      await eventually(async () => (await s.kubectl(['get', 'relays.v1.conv.example.com'])).exitCode === 0, 'relays served');
      await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'conv.example.com/v1', kind: 'Relay', metadata: { name: 'r' }, spec: { hostPort: 'relay:7000' } }));
      expect(await ok(['get', 'relays.v2.conv.example.com', 'r', '-o', 'jsonpath={.spec.host} {.spec.port}'])).toBe('relay 7000');
      // (The garbage collector's watch at the preferred version v2 converts too.)
      expect(svcHook.reviews.length).toBeGreaterThanOrEqual(1);
      expect(svcHook.reviews.every((r) => r.desiredAPIVersion === 'conv.example.com/v2')).toBe(true);
      await ok(['delete', 'crd', 'relays.conv.example.com']);
    } finally {
      await svcHook.close();
    }
  });

  it('gives kubectl the message of a webhook answering Failure, and a clear error when it is gone; the server keeps serving', async () => {
    hook.setHandler(() => ({ failure: 'backend conversion is switched off' }));
    const stderr = await fails(['get', 'backends.v2.conv.example.com', 'a']);
    expect(stderr).toContain('Error from server (InternalError): Internal error occurred: conversion webhook for conv.example.com/v1, Kind=Backend failed: backend conversion is switched off');
    // A write through v2 needs the webhook too (to reach the storage version).
    expect(await fails(['create', '-f', '-'], JSON.stringify({ apiVersion: 'conv.example.com/v2', kind: 'Backend', metadata: { name: 'c' }, spec: { host: 'gamma', port: 1 } }))).toContain(
      'conversion webhook for conv.example.com/v2, Kind=Backend failed: backend conversion is switched off',
    );
    hook.setHandler(hostPortHandler);
    expect(await ok(['get', 'backends.v2.conv.example.com', 'a', '-o', 'jsonpath={.spec.host}'])).toBe('alpha');

    const url = hook.url;
    await hook.close();
    const down = await fails(['get', 'backends.v2.conv.example.com', 'b']);
    expect(down).toContain(`conversion webhook for conv.example.com/v1, Kind=Backend failed: Post "${url}?timeout=30s": dial tcp 127.0.0.1:${hook.port}: connect: connection refused`);
    expect(await fails(['get', 'backends.v2.conv.example.com'])).toContain('conversion webhook for conv.example.com/v2, Kind=BackendList failed');
    // Everything else is still served, the storage version included.
    expect(await ok(['get', 'backends.v1.conv.example.com', 'b', '-o', 'jsonpath={.spec.hostPort}'])).toBe('beta:443');
    await ok(['get', 'namespaces']);
    expect(s.process.child.exitCode).toBeNull();

    // The CRD can still be deleted (its objects go without conversion).
    await ok(['delete', 'crd', 'backends.conv.example.com', '--timeout=30s']);
    expect((await s.kubectl(['get', 'crd', 'backends.conv.example.com'])).stderr).toContain('not found');
  });
});
