// Several k3ts servers on one external datastore (postgres) share one cluster identity: the second
// server, started with the first one's token and its own data dir, loads the CAs from the
// datastore, so either server's admin kubeconfig works against the other; a wrong token fails.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withExternalDb, runId } from '../pkg/storage/drivers/sql/external-db.test-helper';
import { builtBinary, freePort, PATH_WITH_HOST_TOOLS, runK3ts } from './helpers/binary';
import { startTestServer, type TestServer } from './helpers/cluster';

withExternalDb('two servers on one postgres', 'K3TS_TEST_POSTGRES_URL', (baseUrl) => {
  const db = `k3ts_ms_${runId()}`;
  const url = new URL(baseUrl);
  url.pathname = `/${db}`;
  let first: TestServer;
  let second: TestServer;

  beforeAll(async () => {
    const admin = new Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${db}`);
    await admin.end();
    first = await startTestServer({ extraArgs: ['--datastore-endpoint', url.toString()] });
  }, 120_000);

  afterAll(async () => {
    await second?.stop();
    await first?.stop();
    const admin = new Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.end();
  });

  it('the first server generates a token and stores the cluster identity', async () => {
    const token = fs.readFileSync(path.join(first.dataDir, 'server', 'token'), 'utf8').trim();
    expect(token).toMatch(/^K10[0-9a-f]{64}::server:[0-9a-f]{32}$/);
    expect(first.process.output()).toContain('stored cluster bootstrap data in the datastore');
  });

  it('a second server with the token shares the CAs, so kubeconfigs work across servers', async () => {
    const token = fs.readFileSync(path.join(first.dataDir, 'server', 'token'), 'utf8').trim();
    second = await startTestServer({ extraArgs: ['--datastore-endpoint', url.toString(), '--token', token, '--node-name', 'second'] });
    expect(second.process.output()).toContain('loaded cluster bootstrap data from the datastore');
    for (const f of ['server-ca.crt', 'client-ca.crt', 'request-header-ca.crt', 'service.key']) {
      expect(fs.readFileSync(path.join(second.dataDir, 'server', 'tls', f), 'utf8')).toBe(fs.readFileSync(path.join(first.dataDir, 'server', 'tls', f), 'utf8'));
    }
    expect((await first.kubectl(['create', 'configmap', 'shared', '--from-literal=k=v'])).exitCode).toBe(0);
    // The first server's kubeconfig against the second server's port, and the other way round.
    const cross = async (kubeconfigOf: TestServer, port: number) => {
      const kc = fs.readFileSync(kubeconfigOf.kubeconfig, 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${port}`);
      const file = path.join(kubeconfigOf.dir, `cross-${port}.yaml`);
      fs.writeFileSync(file, kc, { mode: 0o600 });
      return second.kubectl(['get', 'configmap', 'shared', '-o', 'jsonpath={.data.k}'], { env: { KUBECONFIG: file } });
    };
    const a = await cross(first, second.port);
    expect(a.stderr).toBe('');
    expect(a.stdout).toBe('v');
    const b = await cross(second, first.port);
    expect(b.stdout).toBe('v');
  });

  it('a server with a different token refuses to start', async () => {
    const dir = fs.mkdtempSync(path.join(first.dir, 'wrong-'));
    const r = await runK3ts(['server', '-d', path.join(dir, 'data'), '--https-listen-port', String(await freePort()), '--bind-address', '127.0.0.1', '-o', path.join(dir, 'kc.yaml'), '--disable-agent', '--datastore-endpoint', url.toString(), '--token', 'not-the-token'], {
      env: { PATH: PATH_WITH_HOST_TOOLS, HOME: dir },
    });
    expect(builtBinary()).toBeTruthy();
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('encrypted with a different token');
  });
});
