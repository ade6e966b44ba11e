// Several servers on one external datastore share one cluster identity (K3s "bootstrap data"): the
// first server stores its CAs, service-account key and encryption config in the datastore,
// encrypted with a key derived from the join token; every later server started with the same token
// loads them before it issues its own leaf certificates. A different token fails at start.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseToken } from '../certs';
import type { Logger } from '../log/logger';
import type { Backend } from '../storage/backend';
import { isStorageError } from '../storage/errors';

export const BOOTSTRAP_PREFIX = '/bootstrap/';
const KDF_ITERATIONS = 100_000;

/** Files that make up the cluster identity, relative to the server dir. */
export const BOOTSTRAP_FILES: readonly string[] = [
  'tls/server-ca.crt',
  'tls/server-ca.key',
  'tls/client-ca.crt',
  'tls/client-ca.key',
  'tls/request-header-ca.crt',
  'tls/request-header-ca.key',
  'tls/service.key',
  'cred/encryption-config.json',
];

export class BootstrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BootstrapError';
  }
}

interface Sealed {
  readonly v: 1;
  readonly salt: string;
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
}

function keyName(password: string): string {
  return `${BOOTSTRAP_PREFIX}${crypto.createHash('sha256').update(password).digest('hex').slice(0, 12)}`;
}

function deriveKey(password: string, salt: Buffer): Buffer {
  return crypto.pbkdf2Sync(password, salt, KDF_ITERATIONS, 32, 'sha256');
}

export function sealBootstrap(files: Record<string, string>, password: string): Uint8Array {
  const salt = crypto.randomBytes(16);
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', deriveKey(password, salt), iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(files), 'utf8'), cipher.final()]);
  const sealed: Sealed = { v: 1, salt: salt.toString('base64'), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  return new TextEncoder().encode(JSON.stringify(sealed));
}

export function openBootstrap(value: Uint8Array, password: string): Record<string, string> {
  let sealed: Sealed;
  try {
    sealed = JSON.parse(new TextDecoder().decode(value)) as Sealed;
  } catch {
    throw new BootstrapError('the bootstrap data in the datastore is not readable');
  }
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', deriveKey(password, Buffer.from(sealed.salt, 'base64')), Buffer.from(sealed.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const text = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
    return JSON.parse(text) as Record<string, string>;
  } catch {
    throw new BootstrapError('bootstrap data already found in the datastore and encrypted with a different token: start this server with the token of the first server (its server/token file)');
  }
}

function readLocal(serverDir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const rel of BOOTSTRAP_FILES) {
    const file = path.join(serverDir, rel);
    if (fs.existsSync(file)) files[rel] = fs.readFileSync(file, 'utf8');
  }
  return files;
}

function writeLocal(serverDir: string, files: Record<string, string>): number {
  let changed = 0;
  for (const [rel, content] of Object.entries(files)) {
    if (!BOOTSTRAP_FILES.includes(rel)) continue;
    const file = path.join(serverDir, rel);
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === content) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, content, { mode: rel.endsWith('.crt') ? 0o644 : 0o600 });
    fs.renameSync(tmp, file);
    changed++;
  }
  return changed;
}

/** The join-token password for this start: --token / --token-file, else server/token, else a new one. */
export function bootstrapPassword(given: string | undefined, tokenFile: string): { password: string; generated: boolean } {
  const text = given ?? (fs.existsSync(tokenFile) ? fs.readFileSync(tokenFile, 'utf8').trim() : undefined);
  if (text) return { password: parseToken(text).password, generated: false };
  return { password: crypto.randomBytes(16).toString('hex'), generated: true };
}

export interface BootstrapSync {
  /** Run before certificates are ensured: brings the shared identity from the datastore, if any. */
  load(): Promise<'loaded' | 'none'>;
  /** Run after certificates exist: publishes this server's identity if none is stored yet. */
  publish(): Promise<'published' | 'exists'>;
}

export function bootstrapSync(backend: Backend, serverDir: string, password: string, log: Logger): BootstrapSync {
  const key = keyName(password);
  const load = async (): Promise<'loaded' | 'none'> => {
    const own = await backend.get(key);
    if (!own.kv) {
      const others = await backend.list(BOOTSTRAP_PREFIX, { limit: 1 });
      if (others.kvs.length > 0) openBootstrap(others.kvs[0]!.value, password); // throws the clear wrong-token error
      return 'none';
    }
    const changed = writeLocal(serverDir, openBootstrap(own.kv.value, password));
    log.info('loaded cluster bootstrap data from the datastore', { files: changed });
    return 'loaded';
  };
  return {
    load,
    async publish() {
      try {
        await backend.create(key, sealBootstrap(readLocal(serverDir), password));
        log.info('stored cluster bootstrap data in the datastore');
        return 'published';
      } catch (e) {
        if (!isStorageError(e, 'exists')) throw e;
        // Another server published first: its identity wins; reload it.
        await load();
        return 'exists';
      }
    },
  };
}
