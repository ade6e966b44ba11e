// Which API servers are alive, for the `kubernetes` Service's endpoints: each server keeps a key
// with a time to live in the datastore (upstream's "lease" endpoint reconciler, its masterleases)
// and renews it well within that time; a server that stops renewing drops out when the key expires.
import type { Backend } from '../../storage/backend';
import { isStorageError } from '../../storage/errors';

export const APISERVER_LEASES_PREFIX = '/registry/masterleases/';

export interface ApiServerEndpoint {
  readonly ip: string;
  readonly port: number;
}

/** The seam the reconciler needs; DatastoreApiServerRegistry implements it over the datastore. */
export interface ApiServerRegistry {
  renew(self: ApiServerEndpoint, ttlSeconds: number): Promise<void>;
  remove(self: ApiServerEndpoint): Promise<void>;
  list(): Promise<ApiServerEndpoint[]>;
}

export class DatastoreApiServerRegistry implements ApiServerRegistry {
  constructor(private readonly backend: Backend) {}

  async renew(self: ApiServerEndpoint, ttlSeconds: number): Promise<void> {
    const key = APISERVER_LEASES_PREFIX + self.ip;
    const value = Buffer.from(JSON.stringify(self));
    const { kv } = await this.backend.get(key);
    try {
      if (kv) await this.backend.update(key, value, { expectedModRevision: kv.modRevision, lease: ttlSeconds });
      else await this.backend.create(key, value, { lease: ttlSeconds });
    } catch (e) {
      // Another server with the same address renewed it at the same moment: it is fresh either way.
      if (!isStorageError(e, 'conflict') && !isStorageError(e, 'exists') && !isStorageError(e, 'not-found')) throw e;
    }
  }

  async remove(self: ApiServerEndpoint): Promise<void> {
    try {
      await this.backend.delete(APISERVER_LEASES_PREFIX + self.ip);
    } catch (e) {
      if (!isStorageError(e, 'not-found')) throw e;
    }
  }

  async list(): Promise<ApiServerEndpoint[]> {
    const out: ApiServerEndpoint[] = [];
    const { kvs } = await this.backend.list(APISERVER_LEASES_PREFIX);
    for (const kv of kvs) {
      try {
        const v = JSON.parse(Buffer.from(kv.value).toString('utf8')) as { ip?: unknown; port?: unknown };
        if (typeof v.ip === 'string' && typeof v.port === 'number') out.push({ ip: v.ip, port: v.port });
      } catch {
        // not one of ours
      }
    }
    return out;
  }
}
