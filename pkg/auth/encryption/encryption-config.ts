// The encryption config file, server/cred/encryption-config.json (0600), in upstream's
// EncryptionConfiguration shape as K3s writes it:
//   {"kind":"EncryptionConfiguration","apiVersion":"apiserver.config.k8s.io/v1",
//    "resources":[{"resources":["secrets"],"providers":[{"aescbc":{"keys":[{"name":"aescbckey",
//    "secret":"<base64 of 32 random bytes>"}]}},{"identity":{}}]}]}
// Providers are tried in order on read; the first one encrypts every write. k3ts understands
// aescbc, aesgcm and identity (not secretbox or kms).
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { writePrivateFile } from '../tokens/private-file';
import { EncryptionError } from './errors';

export const CONFIG_KIND = 'EncryptionConfiguration';
export const CONFIG_API_VERSION = 'apiserver.config.k8s.io/v1';
export type KeyType = 'aescbc' | 'aesgcm';
export const KEY_TYPES: readonly KeyType[] = ['aescbc', 'aesgcm'];

export interface EncryptionKey {
  readonly name: string;
  /** base64 of 16, 24 or 32 bytes. */
  readonly secret: string;
}

export type ProviderConfig = { readonly aescbc: { readonly keys: readonly EncryptionKey[] } } | { readonly aesgcm: { readonly keys: readonly EncryptionKey[] } } | { readonly identity: Record<string, never> };

export interface ResourceConfig {
  readonly resources: readonly string[];
  readonly providers: readonly ProviderConfig[];
}

export interface EncryptionConfiguration {
  readonly kind: typeof CONFIG_KIND;
  readonly apiVersion: typeof CONFIG_API_VERSION;
  readonly resources: readonly ResourceConfig[];
}

/** One provider, flattened: its type and (for encrypting ones) its keys. */
export interface ProviderInfo {
  readonly type: KeyType | 'identity';
  readonly keys: readonly EncryptionKey[];
}

const KEY_NAME = /^[A-Za-z0-9._:-]{1,100}$/;

function bad(file: string, what: string): EncryptionError {
  return new EncryptionError('invalid-config', `${file}: ${what}`);
}

export function providerInfo(p: ProviderConfig): ProviderInfo {
  if ('aescbc' in p) return { type: 'aescbc', keys: p.aescbc.keys };
  if ('aesgcm' in p) return { type: 'aesgcm', keys: p.aesgcm.keys };
  return { type: 'identity', keys: [] };
}

export function providerConfig(info: ProviderInfo): ProviderConfig {
  if (info.type === 'identity') return { identity: {} };
  return info.type === 'aescbc' ? { aescbc: { keys: [...info.keys] } } : { aesgcm: { keys: [...info.keys] } };
}

function parseKeys(file: string, where: string, v: unknown): EncryptionKey[] {
  const keys = (v as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw bad(file, `${where}.keys must be a non-empty list`);
  const names = new Set<string>();
  return keys.map((k: unknown, i) => {
    const { name, secret } = (k ?? {}) as { name?: unknown; secret?: unknown };
    if (typeof name !== 'string' || !KEY_NAME.test(name)) throw bad(file, `${where}.keys[${i}].name must match ${KEY_NAME.source}`);
    if (names.has(name)) throw bad(file, `${where}.keys[${i}].name ${JSON.stringify(name)} is used twice`);
    names.add(name);
    if (typeof secret !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(secret)) throw bad(file, `${where}.keys[${i}].secret must be base64`);
    const n = Buffer.from(secret, 'base64').length;
    if (n !== 16 && n !== 24 && n !== 32) throw bad(file, `${where}.keys[${i}].secret must be 16, 24 or 32 bytes, got ${n}`);
    return { name, secret };
  });
}

function parseProvider(file: string, where: string, v: unknown): ProviderConfig {
  if (v === null || typeof v !== 'object') throw bad(file, `${where} must be an object`);
  const names = Object.keys(v);
  if (names.length !== 1) throw bad(file, `${where} must name exactly one provider (aescbc, aesgcm or identity), got ${names.join(', ') || 'none'}`);
  const type = names[0]!;
  const body = (v as Record<string, unknown>)[type];
  if (type === 'identity') return { identity: {} };
  if (type === 'aescbc') return { aescbc: { keys: parseKeys(file, `${where}.aescbc`, body) } };
  if (type === 'aesgcm') return { aesgcm: { keys: parseKeys(file, `${where}.aesgcm`, body) } };
  throw bad(file, `${where}: provider ${JSON.stringify(type)} is not supported by k3ts (expected aescbc, aesgcm or identity)`);
}

export function parseEncryptionConfig(text: string, file = 'encryption config'): EncryptionConfiguration {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw bad(file, `not JSON or YAML: ${(e as Error).message}`);
  }
  const d = (doc ?? {}) as Record<string, unknown>;
  if (d.kind !== CONFIG_KIND) throw bad(file, `kind must be ${CONFIG_KIND}, got ${JSON.stringify(d.kind)}`);
  if (d.apiVersion !== CONFIG_API_VERSION) throw bad(file, `apiVersion must be ${CONFIG_API_VERSION}, got ${JSON.stringify(d.apiVersion)}`);
  if (!Array.isArray(d.resources) || d.resources.length === 0) throw bad(file, 'resources must be a non-empty list');
  const resources = d.resources.map((r: unknown, i): ResourceConfig => {
    const rr = (r ?? {}) as Record<string, unknown>;
    if (!Array.isArray(rr.resources) || rr.resources.some((x) => typeof x !== 'string')) throw bad(file, `resources[${i}].resources must be a list of resource names`);
    if (!Array.isArray(rr.providers) || rr.providers.length === 0) throw bad(file, `resources[${i}].providers must be a non-empty list`);
    return { resources: rr.resources as string[], providers: rr.providers.map((p, j) => parseProvider(file, `resources[${i}].providers[${j}]`, p)) };
  });
  return { kind: CONFIG_KIND, apiVersion: CONFIG_API_VERSION, resources };
}

export function renderEncryptionConfig(cfg: EncryptionConfiguration): string {
  return `${JSON.stringify(cfg)}\n`;
}

/** The providers that apply to secrets (`secrets`, `*.` or `*.*`), or undefined when none does. */
export function secretProviders(cfg: EncryptionConfiguration): readonly ProviderInfo[] | undefined {
  const r = cfg.resources.find((x) => x.resources.some((n) => n === 'secrets' || n === '*.' || n === '*.*'));
  return r?.providers.map(providerInfo);
}

export function withSecretProviders(cfg: EncryptionConfiguration, providers: readonly ProviderInfo[]): EncryptionConfiguration {
  const entry: ResourceConfig = { resources: ['secrets'], providers: providers.map(providerConfig) };
  const others = cfg.resources.filter((x) => !x.resources.some((n) => n === 'secrets' || n === '*.' || n === '*.*'));
  return { ...cfg, resources: [entry, ...others] };
}

export function newKey(name: string, bytes = 32, random: (n: number) => Buffer = randomBytes): EncryptionKey {
  return { name, secret: random(bytes).toString('base64') };
}

/** The configuration K3s writes on the first start with --secrets-encryption. */
export function defaultEncryptionConfig(type: KeyType = 'aescbc', random?: (n: number) => Buffer): EncryptionConfiguration {
  return withSecretProviders({ kind: CONFIG_KIND, apiVersion: CONFIG_API_VERSION, resources: [] }, [
    { type, keys: [newKey(`${type}key`, 32, random)] },
    { type: 'identity', keys: [] },
  ]);
}

export async function readEncryptionConfig(file: string): Promise<EncryptionConfiguration | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EncryptionError('io', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  return parseEncryptionConfig(text, file);
}

export async function writeEncryptionConfig(file: string, cfg: EncryptionConfiguration): Promise<void> {
  await writePrivateFile(file, renderEncryptionConfig(cfg));
}
