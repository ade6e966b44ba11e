// NamespaceLifecycle admission through the built binary and kubectl: objects cannot be created in a
// missing namespace or in one that is being deleted, the system namespaces cannot be deleted, and a
// namespace made a moment ago takes objects at once (the admission cache falls back to a read).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, type TestServer } from './helpers/cluster';

describe('namespace lifecycle admission', () => {
  let s: TestServer;
  const run = (args: string[], stdin?: string) => s.kubectl(args, stdin === undefined ? undefined : { input: stdin });
  beforeAll(async () => {
    s = await startTestServer();
  }, 120_000);
  afterAll(async () => s?.stop());

  it('admits objects in a namespace created a moment ago, refuses a missing one', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await run(['create', 'namespace', `fresh-${i}`])).exitCode).toBe(0);
      const r = await run(['create', 'configmap', 'c', '-n', `fresh-${i}`]);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
    }
    const missing = await run(['create', 'configmap', 'c', '-n', 'no-such-ns']);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toContain('namespaces "no-such-ns" not found');
  });

  it('refuses new objects in a terminating namespace and keeps the system namespaces', async () => {
    expect((await run(['create', 'namespace', 'going'])).exitCode).toBe(0);
    // A finalizer on a ConfigMap keeps the namespace Terminating while the test runs.
    const held = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: 'going', finalizers: ['example.com/hold'] } });
    expect((await run(['create', '-f', '-'], held)).exitCode).toBe(0);
    expect((await run(['delete', 'namespace', 'going', '--wait=false'])).exitCode).toBe(0);
    await eventually(async () => {
      const r = await run(['create', 'configmap', 'late', '-n', 'going']);
      return r.exitCode !== 0 && r.stderr.includes('unable to create new content in namespace going because it is being terminated');
    }, 'creates refused in the terminating namespace', 20_000, 100);
    const sys = await run(['delete', 'namespace', 'kube-system']);
    expect(sys.exitCode).not.toBe(0);
    expect(sys.stderr).toContain('this namespace may not be deleted');
    expect((await run(['patch', 'configmap', 'held', '-n', 'going', '--type=merge', '-p', '{"metadata":{"finalizers":null}}'])).exitCode).toBe(0);
    await eventually(async () => (await run(['get', 'namespace', 'going'])).exitCode !== 0, 'the namespace gone', 60_000, 200);
  });
});
