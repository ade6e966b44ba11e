// Objects written or deleted between the migrator's list and its rewrite: the real API server (in
// process) answers the rewrite with a conflict or NotFound, the migration still succeeds, the other
// writer's change is kept and the deleted object is not brought back.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { HttpsTransport, RestClient, type Transport, type TransportRequest } from '../../client';
import { systemClock } from '../../client/clock';
import { isNotFound } from '../../client/errors';
import { RESOURCES } from '../../client/resource-ref';
import { ControllerManager } from '../../controller/controller-manager';
import { dataDirPaths } from '../../datadir/datadir';
import { silentLogger } from '../../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../../server/test-control-plane';
import { builtinControllers } from '../index';
import { eventually } from '../testing/eventually';
import { STORAGE_VERSION_MIGRATIONS, STORAGE_VERSION_MIGRATOR_CONTROLLER } from './storage-version-migration-controller';

type Obj = KubeObject & { data?: Record<string, string>; status?: any };
const NS = 'races';

describe('storage version migrator: objects changed while migrating', () => {
  let cp: TestControlPlane;
  const abort = new AbortController();
  let run: Promise<void> | undefined;
  const configMaps = () => cp.admin.resource<Obj>(RESOURCES.configmaps);

  beforeAll(async () => {
    cp = await startTestControlPlane();
    const tls = dataDirPaths(path.join(cp.dir, 'data')).server.tls;
    const inner = new HttpsTransport({
      server: cp.url,
      caPem: cp.serverCaPem,
      certPem: fs.readFileSync(path.join(tls, 'client-controller.crt'), 'utf8'),
      keyPem: fs.readFileSync(path.join(tls, 'client-controller.key'), 'utf8'),
    });
    // Just before the migrator's rewrite of `raced` (or `gone`) reaches the server, another client
    // updates (or deletes) that object, so the rewrite meets the real race.
    const racing: Transport = {
      async send(req: TransportRequest) {
        if (req.method === 'PUT' && req.path.startsWith(`/api/v1/namespaces/${NS}/configmaps/raced`)) {
          const cm = await configMaps().get(NS, 'raced');
          await configMaps().update({ ...cm, data: { k: 'changed meanwhile' } });
        }
        if (req.method === 'PUT' && req.path.startsWith(`/api/v1/namespaces/${NS}/configmaps/gone`)) await configMaps().delete(NS, 'gone');
        return inner.send(req);
      },
      close: () => inner.close(),
    };
    const manager = new ControllerManager({
      client: new RestClient({ transport: racing, userAgent: 'kube-controller-manager' }),
      clock: systemClock,
      log: silentLogger(),
      controllers: builtinControllers({ rootCaPem: cp.serverCaPem }),
      enabled: [STORAGE_VERSION_MIGRATOR_CONTROLLER],
    });
    run = manager.run(abort.signal);
    await cp.admin.resource(RESOURCES.namespaces).create({ metadata: { name: NS } });
  });
  afterAll(async () => {
    abort.abort();
    await run;
    await cp?.stop();
  });

  it('skips objects updated or deleted after they were listed', async () => {
    for (const name of ['kept', 'raced', 'gone']) await configMaps().create({ metadata: { name, namespace: NS }, data: { k: 'v' } });
    await cp.admin.resource(STORAGE_VERSION_MIGRATIONS).create({ metadata: { name: 'cms' }, spec: { resource: { resource: 'configmaps' } } });
    const svm = await eventually(async () => {
      const m = await cp.admin.resource<Obj>(STORAGE_VERSION_MIGRATIONS).get(undefined, 'cms');
      return m.status?.conditions?.some((c: any) => (c.type === 'Succeeded' || c.type === 'Failed') && c.status === 'True') ? m : undefined;
    }, 'the migration to finish');
    expect(svm.status.conditions.find((c: any) => c.status === 'True')).toMatchObject({ type: 'Succeeded' });
    expect((await configMaps().get(NS, 'raced')).data).toEqual({ k: 'changed meanwhile' });
    await expect(configMaps().get(NS, 'gone')).rejects.toSatisfy(isNotFound);
    expect((await configMaps().get(NS, 'kept')).data).toEqual({ k: 'v' });
  });
});
