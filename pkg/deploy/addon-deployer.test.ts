// The deployer loop against a real in-process API server (memory datastore): a file becomes an
// Addon and its objects; an edit re-applies and prunes; a disabled addon's objects and Addon go.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types';
import { systemClock } from '../client/clock';
import { isNotFound } from '../client/errors';
import { RESOURCES } from '../client/resource-ref';
import { eventually } from '../controllers/testing/eventually';
import { silentLogger } from '../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../server/test-control-plane';
import { addonEvents } from './addon-events';
import { runAddonDeployer } from './addon-deployer';
import { ADDONS, appliedObjectsOf } from './addon-resource';
import { kindResolver } from './kind-resolver';
import { manifestChecksum } from './manifest-file';

const cm = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  v: "${value}"\n`;

describe('runAddonDeployer', () => {
  let cp: TestControlPlane;
  let dir: string;

  beforeAll(async () => {
    cp = await startTestControlPlane();
    dir = path.join(cp.dir, 'manifests');
    fs.mkdirSync(dir);
  });
  afterAll(async () => {
    await cp.stop();
  });

  const run = (undeploy: readonly string[]) => {
    const abort = new AbortController();
    const client = cp.admin;
    const log = silentLogger();
    const deps = { client, resolve: kindResolver(client), events: addonEvents({ client, clock: systemClock, log, host: 'test' }), log, clock: systemClock };
    const done = runAddonDeployer({ manifestsDir: dir, undeploy, pollMs: 50 }, deps, abort.signal);
    return async () => {
      abort.abort();
      await done;
    };
  };
  const configMap = (name: string) => cp.admin.resource(RESOURCES.configmaps).get('default', name).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
  const addon = (name: string) => cp.admin.resource<KubeObject>(ADDONS).get('kube-system', name).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));

  it('applies a file, re-applies an edit and prunes, then undeploys when disabled', async () => {
    const file = path.join(dir, 'app.yaml');
    fs.writeFileSync(file, `${cm('one', '1')}---\n${cm('two', '2')}`);
    const stop = run([]);
    try {
      await eventually(async () => (await configMap('two')) !== undefined, 'the file applied');
      const a = await eventually(() => addon('app'), 'the Addon');
      expect(a.spec).toEqual({ source: file, checksum: manifestChecksum(fs.readFileSync(file)) });

      fs.writeFileSync(file, cm('one', 'changed'));
      await eventually(async () => (await configMap('two')) === undefined, 'two pruned');
      expect((await configMap('one'))?.data).toEqual({ v: 'changed' });
      await eventually(async () => appliedObjectsOf(await addon('app')).length === 1, 'status.objects updated');
    } finally {
      await stop();
    }

    fs.rmSync(file);
    const stop2 = run(['app']);
    try {
      await eventually(async () => (await addon('app')) === undefined, 'the disabled Addon deleted');
      expect(await configMap('one')).toBeUndefined();
    } finally {
      await stop2();
    }
  });
});
