// `k3ts etcd-snapshot save|ls|delete|prune` and `k3ts server --cluster-reset
// --cluster-reset-restore-path`, through the built executable against a running server.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATH_WITH_HOST_TOOLS, runK3ts, type RunResult } from './helpers/binary';
import { startTestServer, type TestServer } from './helpers/cluster';

describe('etcd-snapshot and cluster reset (sqlite)', () => {
  let dir: string;
  let s: TestServer;
  let dataDir: string;
  let snapDir: string;
  let snapPath: string;
  let snapName: string;

  const k3ts = (args: readonly string[]): Promise<RunResult> => runK3ts(args, { env: { PATH: PATH_WITH_HOST_TOOLS, HOME: dir } });
  const ok = async (args: readonly string[]): Promise<RunResult> => {
    const r = await k3ts(args);
    if (r.exitCode !== 0) throw new Error(`k3ts ${args.join(' ')} failed (${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
    return r;
  };
  const kubectl = async (args: readonly string[]): Promise<string> => {
    const r = await s.kubectl(args);
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.exitCode}):\n${r.stderr}`);
    return r.stdout;
  };
  const configMapExists = async (name: string): Promise<boolean> => {
    const r = await s.kubectl(['get', 'configmap', name, '-n', 'snap', '-o', 'name']);
    if (r.exitCode === 0) return true;
    expect(r.stderr).toMatch(/NotFound|not found/);
    return false;
  };
  const onDisk = (): string[] => fs.readdirSync(snapDir).sort();
  const resetArgs = (file: string, extra: readonly string[] = []) => ['server', '-d', dataDir, '--disable-agent', '--write-kubeconfig', path.join(dir, 'reset.kubeconfig'), '--cluster-reset', `--cluster-reset-restore-path=${file}`, ...extra];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-snap-e2e-'));
    s = await startTestServer({ dir });
    dataDir = s.dataDir;
    snapDir = path.join(dataDir, 'server', 'db', 'snapshots');
    await kubectl(['create', 'namespace', 'snap']);
    await kubectl(['create', 'configmap', 'before', '-n', 'snap', '--from-literal=k=v1']);
  }, 120_000);
  afterAll(async () => {
    await s?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('saves an online snapshot while the server runs and lists it', async () => {
    const r = await ok(['etcd-snapshot', 'save', '-d', dataDir, '--node-name', 'e2e-node']);
    snapPath = r.stdout.trim();
    snapName = path.basename(snapPath);
    expect(path.dirname(snapPath)).toBe(snapDir);
    expect(snapName).toMatch(/^on-demand-e2e-node-\d{10}$/);
    expect(fs.statSync(snapPath).size).toBeGreaterThan(0);
    expect(onDisk()).toEqual([snapName]);
    expect(r.stderr).toMatch(/snapshot saved name=on-demand-e2e-node-/);

    await kubectl(['create', 'configmap', 'after', '-n', 'snap', '--from-literal=k=v2']);
    await kubectl(['patch', 'configmap', 'before', '-n', 'snap', '-p', '{"data":{"k":"changed"}}']);

    for (const cmd of ['ls', 'list', 'l']) {
      const table = (await ok(['etcd-snapshot', cmd, '-d', dataDir])).stdout.split('\n');
      expect(table[0]).toMatch(/^Name\s+Location\s+Size\s+Created$/);
      expect(table[1]).toMatch(new RegExp(`^${snapName}\\s+file://${snapPath}\\s+\\d+\\s+\\d{4}-\\d\\d-\\d\\dT`));
    }
    const json = JSON.parse((await ok(['etcd-snapshot', 'ls', '-d', dataDir, '-o', 'json'])).stdout) as { name: string; location: string; size: number; created: string }[];
    expect(json).toEqual([{ name: snapName, location: `file://${snapPath}`, size: fs.statSync(snapPath).size, created: expect.stringMatching(/Z$/) }]);
    const unixTime = Number(snapName.split('-').at(-1));
    expect(Date.parse(json[0]!.created) / 1000).toBe(unixTime);
  });

  it('refuses to restore while the server holds the datastore', async () => {
    const r = await k3ts(resetArgs(snapPath));
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/in use by another k3ts server.*stop it first/);
    expect(await configMapExists('after')).toBe(true);
  });

  it('rejects bad restore paths with a clear error', async () => {
    const cases: [string, RegExp][] = [
      [path.join(dir, 'missing.db'), /--cluster-reset-restore-path .*missing\.db: no such file; expected a snapshot file/],
      ['no-such-snapshot', /no such file \(also looked in .*server\/db\/snapshots\)/],
      [snapDir, /is not a regular file/],
    ];
    const junk = path.join(dir, 'junk.db');
    fs.writeFileSync(junk, 'this is not a sqlite database, just some bytes '.repeat(100));
    cases.push([junk, /junk\.db: cannot restore it: .*expected a snapshot made by k3ts etcd-snapshot save/]);
    for (const [file, re] of cases) {
      const r = await k3ts(resetArgs(file));
      expect(r.exitCode, file).not.toBe(0);
      expect(r.stderr).toMatch(re);
    }
    const noReset = await k3ts(['server', '-d', dataDir, `--cluster-reset-restore-path=${snapPath}`]);
    expect(noReset.exitCode).not.toBe(0);
    expect(noReset.stderr).toMatch(/--cluster-reset-restore-path needs --cluster-reset/);
    const noPath = await k3ts(['server', '-d', dataDir, '--disable-agent', '--cluster-reset']);
    expect(noPath.exitCode).not.toBe(0);
    expect(noPath.stderr).toMatch(/--cluster-reset on the sqlite datastore needs --cluster-reset-restore-path=FILE/);
    expect(await configMapExists('after')).toBe(true);
  });

  it('restores with --cluster-reset, stops as K3s does, and the restarted server has the snapshot state', async () => {
    expect(await s.process.stop()).toBe(0);
    const r = await ok(resetArgs(snapPath));
    expect(r.stderr).toMatch(/cluster reset: snapshot restored .*previous=.*state\.db\.pre-restore-\d+/);
    expect(r.stderr).toMatch(/restart without --cluster-reset and --cluster-reset-restore-path/);
    expect(r.stderr).not.toMatch(/k3ts server is ready/);
    const marker = path.join(dataDir, 'server', 'db', 'reset-flag');
    expect(fs.existsSync(marker)).toBe(true);

    // Flags left in place (config file, service unit): refuse instead of restoring again.
    const again = await k3ts(resetArgs(snapPath));
    expect(again.exitCode).not.toBe(0);
    expect(again.stderr).toMatch(/a cluster reset was already done .*reset-flag exists.*start k3ts without --cluster-reset/);

    s = await startTestServer({ dir });
    expect(fs.existsSync(marker)).toBe(false);
    expect(await configMapExists('before')).toBe(true);
    expect(await configMapExists('after')).toBe(false);
    expect(await kubectl(['get', 'configmap', 'before', '-n', 'snap', '-o', 'jsonpath={.data.k}'])).toBe('v1');
    // New writes work on the restored datastore, and watches/updates see consistent revisions.
    await kubectl(['create', 'configmap', 'after-restore', '-n', 'snap', '--from-literal=k=v3']);
    await kubectl(['patch', 'configmap', 'before', '-n', 'snap', '-p', '{"data":{"k":"v4"}}']);
    expect(await kubectl(['get', 'configmap', 'before', '-n', 'snap', '-o', 'jsonpath={.data.k}'])).toBe('v4');
  });

  it('prune keeps the newest N of the named series (flag or config file)', async () => {
    const fake = (prefix: string, t: number) => fs.copyFileSync(snapPath, path.join(snapDir, `${prefix}-e2e-node-${t}`));
    for (let i = 1; i <= 7; i++) fake('on-demand', 1_700_000_000 + i);
    fake('etcd-snapshot', 1_700_000_001);
    const r = await ok(['etcd-snapshot', 'prune', '-d', dataDir, '--snapshot-retention', '3']);
    expect(r.stdout.trim().split('\n')).toEqual([1, 2, 3, 4, 5].map((i) => `on-demand-e2e-node-${1_700_000_000 + i}`));
    expect(onDisk()).toEqual(['etcd-snapshot-e2e-node-1700000001', 'on-demand-e2e-node-1700000006', 'on-demand-e2e-node-1700000007', snapName].sort());

    const cfg = path.join(dir, 'config.yaml');
    fs.writeFileSync(cfg, `data-dir: ${dataDir}\netcd-snapshot-retention: 2\n`);
    await ok(['etcd-snapshot', 'prune', '-c', cfg]);
    expect(onDisk()).toEqual(['etcd-snapshot-e2e-node-1700000001', 'on-demand-e2e-node-1700000007', snapName].sort());
    // The same file is accepted by `k3ts server` (shared config keys): it gets past config loading.
    const srv = await k3ts(['server', '-c', cfg, '--cluster-reset-restore-path=x']);
    expect(srv.stderr).toMatch(/--cluster-reset-restore-path needs --cluster-reset/);

    await ok(['etcd-snapshot', 'prune', '-d', dataDir, '--name', 'etcd-snapshot', '--snapshot-retention', '1']);
    expect(onDisk()).toContain('etcd-snapshot-e2e-node-1700000001');
    const zero = await k3ts(['etcd-snapshot', 'prune', '-d', dataDir, '--snapshot-retention', '0']);
    expect(zero.exitCode).not.toBe(0);
    expect(zero.stderr).toMatch(/invalid --snapshot-retention 0: expected a positive number/);
  });

  it('delete removes named snapshots and rejects unknown or unsafe names', async () => {
    const r = await ok(['etcd-snapshot', 'delete', '-d', dataDir, 'etcd-snapshot-e2e-node-1700000001', 'on-demand-e2e-node-1700000007']);
    expect(r.stdout.trim().split('\n')).toEqual(['etcd-snapshot-e2e-node-1700000001', 'on-demand-e2e-node-1700000007']);
    expect(onDisk()).toEqual([snapName]);

    const missing = await k3ts(['etcd-snapshot', 'delete', '-d', dataDir, 'on-demand-nope-1']);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toMatch(/no snapshot "on-demand-nope-1" in .*snapshots; see k3ts etcd-snapshot ls/);
    for (const bad of ['../state.db', `${snapDir}/${snapName}`, '.hidden']) {
      const b = await k3ts(['etcd-snapshot', 'delete', '-d', dataDir, snapName, bad]);
      expect(b.exitCode, bad).not.toBe(0);
      expect(b.stderr).toMatch(/is not a snapshot name; expected a file name in/);
    }
    expect(onDisk()).toEqual([snapName]);
    expect(fs.existsSync(path.join(dataDir, 'server', 'db', 'state.db'))).toBe(true);
    const none = await k3ts(['etcd-snapshot', 'delete', '-d', dataDir]);
    expect(none.exitCode).not.toBe(0);
  });

  it('rejects bad save names and a data dir without a datastore', async () => {
    const bad = await k3ts(['etcd-snapshot', 'save', '-d', dataDir, '--name', '../evil']);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toMatch(/invalid --name "\.\.\/evil": expected letters, digits/);
    const empty = await k3ts(['etcd-snapshot', 'save', '-d', path.join(dir, 'empty')]);
    expect(empty.exitCode).not.toBe(0);
    expect(empty.stderr).toMatch(/no sqlite datastore at .*empty\/server\/db\/state\.db/);
    expect(fs.existsSync(path.join(dir, 'empty'))).toBe(false);
    expect(onDisk()).toEqual([snapName]);
  });

  it('points external datastores at their own backup tools', async () => {
    const endpoints: [string, RegExp][] = [
      ['postgres://k3ts:s3cret@127.0.0.1:5432/k3ts', /external postgres datastore.*own tools: PostgreSQL \(pg_dump/],
      ['mysql://k3ts:s3cret@tcp(127.0.0.1:3306)/k3ts', /external mysql datastore.*own tools: MySQL\/MariaDB \(mysqldump/],
      ['etcd://127.0.0.1:2379', /external etcd datastore.*own tools: etcd \(etcdctl snapshot save/],
    ];
    for (const [endpoint, re] of endpoints) {
      for (const args of [['save'], ['ls'], ['prune'], ['delete', snapName]]) {
        const r = await k3ts(['etcd-snapshot', ...args, '-d', dataDir, '--datastore-endpoint', endpoint]);
        expect(r.exitCode, `${args[0]} ${endpoint}`).not.toBe(0);
        expect(r.stderr).toMatch(re);
        expect(r.stderr).not.toContain('s3cret');
      }
      const reset = await k3ts(resetArgs(snapPath, ['--datastore-endpoint', endpoint]));
      expect(reset.exitCode).not.toBe(0);
      expect(reset.stderr).toMatch(re);
    }
    // From the shared config file, like the server reads it.
    const cfg = path.join(dir, 'external.yaml');
    fs.writeFileSync(cfg, `data-dir: ${dataDir}\ndatastore-endpoint: postgres://k3ts:s3cret@db.example:5432/k3ts\n`);
    const r = await k3ts(['etcd-snapshot', 'save', '-c', cfg]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/external postgres datastore/);
    expect(onDisk()).toEqual([snapName]);
  });
});
