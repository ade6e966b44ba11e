import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/logger';
import { MemoryBackend } from '../../storage/drivers/memory';
import { isEncryptionError } from './errors';
import { parseEncryptionConfig, secretProviders } from './encryption-config';
import { SecretsEncryption } from './secrets-encryption';

const enc = new TextEncoder();
const dec = new TextDecoder();
const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-enc-'));
  dirs.push(dir);
  const configFile = path.join(dir, 'cred', 'encryption-config.json');
  const inner = new MemoryBackend();
  await inner.start();
  let t = Date.parse('2030-01-01T00:00:00Z');
  const now = () => new Date((t += 1000));
  const open = () => SecretsEncryption.open({ configFile, now }, inner, silentLogger());
  return { configFile, inner, open };
}

const raw = async (inner: MemoryBackend, key: string) => dec.decode((await inner.get(key)).kv!.value);

describe('SecretsEncryption', () => {
  it('creates a 0600 config on first use and keeps using it', async () => {
    const { configFile, open } = await setup();
    const a = await open();
    expect(fs.statSync(configFile).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(configFile, 'utf8');
    expect(secretProviders(parseEncryptionConfig(text))!.map((p) => p.type)).toEqual(['aescbc', 'identity']);
    await a.backend.create('/registry/secrets/ns/s', enc.encode('PLAINTEXT-1'));
    // A restart reads the same key.
    const b = await open();
    expect(fs.readFileSync(configFile, 'utf8')).toBe(text);
    expect(dec.decode((await b.backend.get('/registry/secrets/ns/s')).kv!.value)).toBe('PLAINTEXT-1');
    expect(await b.status()).toMatchObject({ enabled: true, stage: 'start', keys: [{ type: 'aescbc', name: 'aescbckey', active: true }], secrets: { total: 1, stale: 0 } });
  });

  it('rotate-keys re-encrypts every secret (old key and plaintext) under a new key, then drops the old key', async () => {
    const { configFile, inner, open } = await setup();
    await inner.create('/registry/secrets/ns/before', enc.encode('WRITTEN-BEFORE-ENCRYPTION'));
    const e = await open();
    for (let i = 0; i < 1200; i++) await e.backend.create(`/registry/secrets/ns/s${i}`, enc.encode(`VALUE-${i}`));
    await e.backend.create('/registry/configmaps/ns/c', enc.encode('not a secret'));
    expect((await e.status()).secrets).toEqual({ total: 1201, stale: 1 });
    const before = await raw(inner, '/registry/secrets/ns/s7');
    expect(before.startsWith('k8s:enc:aescbc:v1:aescbckey:')).toBe(true);

    const result = await e.rotateKeys();
    expect(result).toMatchObject({ activeKey: 'aescbckey-20300101T000001Z', removedKeys: ['aescbckey'], rewritten: 1201, total: 1201 });
    expect(await raw(inner, '/registry/secrets/ns/s7')).toMatch(/^k8s:enc:aescbc:v1:aescbckey-20300101T000001Z:/);
    expect(await raw(inner, '/registry/secrets/ns/before')).toMatch(/^k8s:enc:aescbc:v1:aescbckey-/);
    expect(await raw(inner, '/registry/configmaps/ns/c')).toBe('not a secret');
    const status = await e.status();
    expect(status).toMatchObject({ stage: 'reencrypt_finished', keys: [{ name: result.activeKey, active: true }], secrets: { total: 1201, stale: 0 } });
    const onDisk = secretProviders(parseEncryptionConfig(fs.readFileSync(configFile, 'utf8')))!;
    expect(onDisk.map((p) => [p.type, p.keys.map((k) => k.name)])).toEqual([['aescbc', [result.activeKey]], ['identity', []]]);
    // Every secret still reads, also after a restart with only the new key.
    const restarted = await open();
    for (const i of [0, 599, 1199]) expect(dec.decode((await restarted.backend.get(`/registry/secrets/ns/s${i}`)).kv!.value)).toBe(`VALUE-${i}`);
    expect(dec.decode((await restarted.backend.get('/registry/secrets/ns/before')).kv!.value)).toBe('WRITTEN-BEFORE-ENCRYPTION');
  });

  it('keeps secrets readable while a rotation runs alongside writes, and refuses a second rotation at once', async () => {
    const { open } = await setup();
    const e = await open();
    for (let i = 0; i < 300; i++) await e.backend.create(`/registry/secrets/ns/s${i}`, enc.encode(`V${i}`));
    const rotation = e.rotateKeys();
    const second = await e.rotateKeys().catch((err: unknown) => err);
    expect(isEncryptionError(second, 'busy')).toBe(true);
    for (let i = 0; i < 300; i += 7) {
      const cur = (await e.backend.get(`/registry/secrets/ns/s${i}`)).kv!;
      expect(dec.decode(cur.value)).toMatch(/^V\d+/);
      await e.backend.update(`/registry/secrets/ns/s${i}`, enc.encode(`V${i}-updated`), { expectedModRevision: cur.modRevision }).catch(() => undefined);
    }
    await rotation;
    expect((await e.status()).secrets).toEqual({ total: 300, stale: 0 });
    for (let i = 0; i < 300; i++) expect(dec.decode((await e.backend.get(`/registry/secrets/ns/s${i}`)).kv!.value)).toMatch(new RegExp(`^V${i}(-updated)?$`));
  });
});
