// Secrets encryption at rest for one server (`--secrets-encryption`): loads or creates the
// encryption config, decorates the storage backend, reports status and rotates keys.
//
// rotate-keys (K3s 1.28+ semantics): a new key of the active key's type is put in front of the
// existing ones (new writes use it, old values stay readable), every secret not yet under the new
// key is rewritten, and only when none is left are the old keys dropped from the config. The
// rewrite happens here in the storage layer, compare-and-swap on each key's revision: an unchanged
// PUT through the API is a no-op in k3ts's store, so it could not force the new encryption (upstream
// relies on its transformer reporting "stale" for the same effect). Each rewrite is an ordinary
// update: the secret's resourceVersion moves and watchers see MODIFIED.
import type { Backend, KeyValue } from '../../storage/backend';
import { isStorageError } from '../../storage/errors';
import type { Logger } from '../../log/logger';
import {
  defaultEncryptionConfig,
  newKey,
  readEncryptionConfig,
  secretProviders,
  withSecretProviders,
  writeEncryptionConfig,
  type EncryptionConfiguration,
  type KeyType,
  type ProviderInfo,
} from './encryption-config';
import { EncryptingBackend } from './encrypting-backend';
import { EncryptionError } from './errors';
import { createValueTransformer, type ValueTransformer } from './value-transformer';

export const SECRETS_PREFIX = '/registry/secrets/';
const PAGE = 500;
const MAX_ATTEMPTS = 8;

/** K3s's stage names; k3ts runs a rotation start to finish in one call. */
export type EncryptionStage = 'start' | 'reencrypt_active' | 'reencrypt_finished';

export interface EncryptionStatus {
  readonly enabled: boolean;
  readonly stage: EncryptionStage;
  readonly configFile: string;
  readonly keys: readonly { readonly type: KeyType; readonly name: string; readonly active: boolean }[];
  /** Secrets in the datastore, and how many are not under the active key (plaintext or an old key). */
  readonly secrets: { readonly total: number; readonly stale: number };
}

export interface RotationResult {
  readonly activeKey: string;
  readonly removedKeys: readonly string[];
  readonly rewritten: number;
  readonly total: number;
}

export interface SecretsEncryptionConfig {
  readonly configFile: string;
  /** Key type of a newly created config (K3s default aescbc). */
  readonly keyType?: KeyType;
  readonly now?: () => Date;
}

function keyName(type: KeyType, now: Date): string {
  // K3s names rotated keys aescbckey-<time>; k3ts leaves the colons out of the time.
  return `${type}key-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}`;
}

export class SecretsEncryption {
  private transformer: ValueTransformer;
  private stage: EncryptionStage = 'start';
  private rotating = false;
  /** The backend the API server should use: values under /registry/secrets/ are encrypted. */
  readonly backend: Backend;

  private constructor(
    private readonly cfg: SecretsEncryptionConfig,
    private config: EncryptionConfiguration,
    private readonly inner: Backend,
    private readonly log: Logger,
  ) {
    this.transformer = SecretsEncryption.transformerFor(config, cfg.configFile);
    this.backend = new EncryptingBackend(inner, () => this.transformer, [SECRETS_PREFIX]);
  }

  private static transformerFor(config: EncryptionConfiguration, file: string): ValueTransformer {
    const providers = secretProviders(config);
    if (!providers) throw new EncryptionError('invalid-config', `${file} has no entry for secrets (expected resources: ["secrets"])`);
    return createValueTransformer(providers);
  }

  /** Reads the config file, creating it (0600, one random key + identity) on the first start. */
  static async open(cfg: SecretsEncryptionConfig, inner: Backend, log: Logger): Promise<SecretsEncryption> {
    let config = await readEncryptionConfig(cfg.configFile);
    if (!config) {
      config = defaultEncryptionConfig(cfg.keyType ?? 'aescbc');
      await writeEncryptionConfig(cfg.configFile, config);
      log.info('created encryption config', { file: cfg.configFile });
    }
    const enc = new SecretsEncryption(cfg, config, inner, log);
    log.info('secrets encryption enabled', { writeKey: `${enc.transformer.writeKey.type}:${enc.transformer.writeKey.name ?? ''}` });
    return enc;
  }

  private providers(): readonly ProviderInfo[] {
    return secretProviders(this.config)!;
  }

  private async install(config: EncryptionConfiguration): Promise<void> {
    const transformer = SecretsEncryption.transformerFor(config, this.cfg.configFile);
    await writeEncryptionConfig(this.cfg.configFile, config);
    this.config = config;
    this.transformer = transformer;
  }

  /** Pages through every raw secret value (as stored). */
  private async eachSecret(fn: (kv: KeyValue) => Promise<void>): Promise<void> {
    let continueFrom: string | undefined;
    for (;;) {
      const page = await this.inner.list(SECRETS_PREFIX, { limit: PAGE, ...(continueFrom ? { continueFrom } : {}) });
      for (const kv of page.kvs) await fn(kv);
      if (!page.more || page.kvs.length === 0) return;
      continueFrom = page.kvs[page.kvs.length - 1]!.key;
    }
  }

  async status(): Promise<EncryptionStatus> {
    let total = 0;
    let stale = 0;
    await this.eachSecret(async (kv) => {
      total++;
      try {
        if (this.transformer.fromStorage(kv.value, kv.key).stale) stale++;
      } catch {
        stale++;
      }
    });
    const w = this.transformer.writeKey;
    const keys = this.providers().flatMap((p) => (p.type === 'identity' ? [] : p.keys.map((k) => ({ type: p.type as KeyType, name: k.name, active: w.type === p.type && w.name === k.name }))));
    return { enabled: true, stage: this.stage, configFile: this.cfg.configFile, keys, secrets: { total, stale } };
  }

  /** Rewrites one stored value under the current write key if it is not already; true if rewritten. */
  private async reencrypt(kv: KeyValue): Promise<boolean> {
    let current: KeyValue | undefined = kv;
    for (let attempt = 0; current && attempt < MAX_ATTEMPTS; attempt++) {
      const read = this.transformer.fromStorage(current.value, current.key);
      if (!read.stale) return false;
      try {
        await this.inner.update(current.key, this.transformer.toStorage(read.value, current.key), { expectedModRevision: current.modRevision, ...(current.lease ? { lease: current.lease } : {}) });
        return true;
      } catch (e) {
        if (isStorageError(e, 'not-found')) return false;
        if (!isStorageError(e, 'conflict')) throw e;
        current = (await this.inner.get(current.key)).kv;
      }
    }
    if (current) throw new EncryptionError('incomplete', `${kv.key} kept changing while it was being re-encrypted`);
    return false;
  }

  async rotateKeys(): Promise<RotationResult> {
    if (this.rotating) throw new EncryptionError('busy', 'a key rotation is already running on this server');
    this.rotating = true;
    try {
      const now = this.cfg.now?.() ?? new Date();
      const providers = this.providers();
      const head = providers[0]!;
      const type: KeyType = head.type === 'identity' ? (this.cfg.keyType ?? 'aescbc') : head.type;
      const fresh = newKey(keyName(type, now));
      const old = providers.flatMap((p) => p.keys.map((k) => k.name));
      // 1. New key first; every old key still there for reads.
      const staged: ProviderInfo[] = head.type === type ? [{ type, keys: [fresh, ...head.keys] }, ...providers.slice(1)] : [{ type, keys: [fresh] }, ...providers];
      await this.install(withSecretProviders(this.config, staged));
      this.stage = 'reencrypt_active';
      this.log.info('encryption key added; re-encrypting secrets', { key: fresh.name });
      // 2. Rewrite everything not under the new key (twice if writes raced the first pass).
      let rewritten = 0;
      let total = 0;
      await this.eachSecret(async (kv) => {
        total++;
        if (await this.reencrypt(kv)) rewritten++;
      });
      const left = (await this.status()).secrets.stale;
      if (left > 0) throw new EncryptionError('incomplete', `${left} secrets are still not under key ${fresh.name}; old keys were kept (run rotate-keys again)`);
      // 3. Nothing needs the old keys any more.
      await this.install(withSecretProviders(this.config, [{ type, keys: [fresh] }, { type: 'identity', keys: [] }]));
      this.stage = 'reencrypt_finished';
      this.log.info('secrets re-encrypted; old keys removed', { key: fresh.name, rewritten, total, removed: old.join(',') || 'none' });
      return { activeKey: fresh.name, removedKeys: old, rewritten, total };
    } finally {
      this.rotating = false;
    }
  }
}
