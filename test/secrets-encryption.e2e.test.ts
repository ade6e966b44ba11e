// Secrets at rest through the built dist/k3ts: with --secrets-encryption the sqlite file (and its
// WAL) holds no secret plaintext while kubectl still reads every value; `k3ts secrets-encrypt
// status|rotate-keys` re-encrypts everything under a new key and keeps every secret readable,
// also across a restart. Without the flag the same search does find the plaintext (the control).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATH_WITH_HOST_TOOLS, runK3ts } from './helpers/binary';
import { startTestServer, type TestServer } from './helpers/cluster';

const MARK = 'PlainTextMarker';
const values = (n: number) => Array.from({ length: n }, (_, i) => `${MARK}-${i}-c0ffee`);

/** Every file of the sqlite database (main file, WAL, shared memory…). */
function dbBytes(s: TestServer): Buffer {
  const db = path.join(s.dataDir, 'server', 'db');
  return Buffer.concat(fs.readdirSync(db).filter((f) => f.startsWith('state.db')).map((f) => fs.readFileSync(path.join(db, f))));
}

function leaks(s: TestServer, secrets: readonly string[]): string[] {
  const bytes = dbBytes(s);
  return secrets.flatMap((v) => [v, Buffer.from(v).toString('base64')]).filter((needle) => bytes.includes(needle));
}

async function createSecrets(s: TestServer, vals: readonly string[]): Promise<void> {
  for (const [i, v] of vals.entries()) {
    const r = await s.kubectl(['create', 'secret', 'generic', `s${i}`, '-n', 'default', `--from-literal=password=${v}`]);
    if (r.exitCode !== 0) throw new Error(r.stderr);
  }
}

async function readAll(s: TestServer, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await s.kubectl(['get', 'secret', `s${i}`, '-n', 'default', '-o', 'jsonpath={.data.password}']);
    if (r.exitCode !== 0) throw new Error(r.stderr);
    out.push(Buffer.from(r.stdout, 'base64').toString());
  }
  return out;
}

describe('secrets encryption at rest', () => {
  let s: TestServer;
  const vals = values(6);
  const k3ts = (args: string[]) => runK3ts([...args, '--data-dir', s.dataDir], { cwd: s.dir, env: { PATH: PATH_WITH_HOST_TOOLS, HOME: s.dir } });

  beforeAll(async () => {
    s = await startTestServer({ extraArgs: ['--secrets-encryption'] });
    await createSecrets(s, vals);
  }, 120_000);
  afterAll(async () => s?.stop());

  it('stores no plaintext secret in the sqlite files, while kubectl reads the values', async () => {
    expect(await readAll(s, vals.length)).toEqual(vals);
    expect(leaks(s, vals)).toEqual([]);
    expect(dbBytes(s).includes('k8s:enc:aescbc:v1:aescbckey:')).toBe(true);
    const cfg = path.join(s.dataDir, 'server', 'cred', 'encryption-config.json');
    expect(fs.statSync(cfg).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(cfg, 'utf8'))).toMatchObject({ kind: 'EncryptionConfiguration', apiVersion: 'apiserver.config.k8s.io/v1', resources: [{ resources: ['secrets'], providers: [{ aescbc: { keys: [{ name: 'aescbckey' }] } }, { identity: {} }] }] });
  });

  it('secrets-encrypt status reports the active key', async () => {
    const r = await k3ts(['secrets-encrypt', 'status']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('Encryption Status: Enabled');
    expect(r.stdout).toMatch(/^ \*\s+AES-CBC\s+aescbckey$/m);
    expect(r.stdout).toMatch(/Secrets: \d+ stored, all under the active key/);
  });

  it('rotate-keys re-encrypts every secret under a new key and keeps them all readable, also after a restart', async () => {
    const r = await k3ts(['secrets-encrypt', 'rotate-keys']);
    expect(r.exitCode, r.stderr).toBe(0);
    const key = /under (aescbckey-\d{8}T\d{6}Z)/.exec(r.stdout)?.[1];
    expect(key, r.stdout).toBeDefined();
    expect(r.stdout).toContain('removed aescbckey');
    const status = await k3ts(['secrets-encrypt', 'status', '-o', 'json']);
    const json = JSON.parse(status.stdout);
    expect(json).toMatchObject({ enabled: true, stage: 'reencrypt_finished', keys: [{ type: 'aescbc', name: key, active: true }], secrets: { stale: 0 } });
    expect(json.secrets.total).toBeGreaterThanOrEqual(vals.length);
    expect(await readAll(s, vals.length)).toEqual(vals);
    // Written after the rotation: under the new key too.
    const all = values(8);
    const r2 = await s.kubectl(['create', 'secret', 'generic', 's6', '-n', 'default', `--from-literal=password=${all[6]}`]);
    const r3 = await s.kubectl(['create', 'secret', 'generic', 's7', '-n', 'default', `--from-literal=password=${all[7]}`]);
    expect([r2.exitCode, r3.exitCode]).toEqual([0, 0]);
    await s.restart();
    expect(await readAll(s, all.length)).toEqual(all);
    expect(leaks(s, all)).toEqual([]);
    expect(fs.readFileSync(path.join(s.dataDir, 'server', 'cred', 'encryption-config.json'), 'utf8')).not.toContain('"aescbckey"');
  });
});

describe('without --secrets-encryption', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  }, 120_000);
  afterAll(async () => s?.stop());

  it('the same search finds the plaintext (the test would catch a leak), and status says disabled', async () => {
    const vals = values(1);
    await createSecrets(s, vals);
    expect(leaks(s, vals).length).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(s.dataDir, 'server', 'cred', 'encryption-config.json'))).toBe(false);
    const r = await runK3ts(['secrets-encrypt', 'status', '--data-dir', s.dataDir], { cwd: s.dir, env: { PATH: PATH_WITH_HOST_TOOLS, HOME: s.dir } });
    expect(r.stdout).toContain('Encryption Status: Disabled');
    const rot = await runK3ts(['secrets-encrypt', 'rotate-keys', '--data-dir', s.dataDir], { cwd: s.dir, env: { PATH: PATH_WITH_HOST_TOOLS, HOME: s.dir } });
    expect(rot.exitCode).not.toBe(0);
    expect(rot.stderr).toContain('not enabled');
  });
});
