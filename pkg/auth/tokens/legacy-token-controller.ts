// Fills legacy service-account token secrets: a Secret of type kubernetes.io/service-account-token
// annotated kubernetes.io/service-account.name gets data.token (a non-expiring JWT naming the
// secret), data.ca.crt and data.namespace, as upstream's tokens controller does. A secret whose
// service account does not exist (or was recreated with another uid) is deleted, and deleting a
// service account deletes its token secrets. Level-triggered: events only enqueue namespace/name.
import type { KubeObject } from '../../api/types';
import { ApiError } from '../../apiserver/errors';
import type { Store } from '../../apiserver/registry/store';
import type { Logger } from '../../log/logger';
import { KeyQueue, abortableDelay, type Delay } from './key-queue';
import { signJwt } from './jwt';
import { legacyTokenClaims } from './service-account-claims';
import type { ServiceAccountKeys } from './service-account-keys';
import { SERVICE_ACCOUNT_TOKEN_TYPE } from './service-account-authenticator';

export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

type ControllerStore = Pick<Store, 'prefixRoot' | 'prefix' | 'get' | 'update' | 'delete' | 'backendList' | 'backendWatch' | 'decode'>;

export interface LegacyTokenControllerOptions {
  readonly secrets: ControllerStore;
  readonly serviceAccounts: ControllerStore;
  readonly keys: () => Promise<ServiceAccountKeys>;
  /** The CA bundle pods use to verify the API server (server-ca.crt). */
  readonly caPem: string;
  readonly log: Logger;
  readonly delay?: Delay;
}

export interface RunningController {
  /** True when every queued key has been reconciled (for tests). */
  idle(): boolean;
  /** Resolves when the loops have ended after the signal aborted. */
  readonly done: Promise<void>;
}

const PAGE = 500;

function annotations(obj: KubeObject): Record<string, string> {
  return (obj.metadata.annotations ?? {}) as Record<string, string>;
}

function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.code === 404;
}

async function getOrUndefined(store: ControllerStore, ns: string, name: string): Promise<KubeObject | undefined> {
  try {
    return await store.get(ns, name);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Lists then watches `store` forever (relisting after a watch error), handing each object to `onObject`. */
async function listWatch(store: ControllerStore, onObject: (obj: KubeObject, initial: boolean) => void, signal: AbortSignal, log: Logger, delay: Delay): Promise<void> {
  while (!signal.aborted) {
    try {
      let revision = 0;
      let continueFrom: string | undefined;
      for (;;) {
        const page = await store.backendList(store.prefixRoot, { limit: PAGE, ...(revision ? { revision } : {}), ...(continueFrom ? { continueFrom } : {}) });
        revision = page.revision;
        for (const kv of page.kvs) onObject(store.decode(kv), true);
        if (!page.more || page.kvs.length === 0) break;
        continueFrom = page.kvs[page.kvs.length - 1]!.key;
      }
      for await (const batch of store.backendWatch(store.prefixRoot, revision + 1, signal)) {
        for (const ev of batch) onObject(store.decode(ev.type === 'delete' && ev.prevKv ? ev.prevKv : ev.kv), false);
      }
    } catch (e) {
      if (signal.aborted) return;
      log.warn('watch ended; relisting', { prefix: store.prefixRoot, error: e instanceof Error ? e.message : String(e) });
      await delay(1000, signal);
    }
  }
}

export function startLegacyTokenController(opts: LegacyTokenControllerOptions, signal: AbortSignal): RunningController {
  const log = opts.log;
  const caB64 = Buffer.from(opts.caPem).toString('base64');
  const delay = opts.delay ?? abortableDelay;

  const reconcile = async (key: string): Promise<void> => {
    const [ns, name] = key.split('/') as [string, string];
    const secret = await getOrUndefined(opts.secrets, ns, name);
    if (!secret || secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE || secret.metadata.deletionTimestamp) return;
    const saName = annotations(secret)[SA_NAME_ANNOTATION];
    if (!saName) return;
    const sa = await getOrUndefined(opts.serviceAccounts, ns, saName);
    const wantUid = annotations(secret)[SA_UID_ANNOTATION];
    if (!sa || (wantUid && wantUid !== sa.metadata.uid)) {
      log.info('deleting token secret of a missing service account', { secret: key, serviceAccount: saName });
      try {
        await opts.secrets.delete(ns, name, { preconditions: { uid: String(secret.metadata.uid) } });
      } catch (e) {
        if (!isNotFound(e) && !(e instanceof ApiError && e.code === 409)) throw e;
      }
      return;
    }
    const saUid = String(sa.metadata.uid);
    const nsB64 = Buffer.from(ns).toString('base64');
    const needsWork = (s: KubeObject): boolean => {
      const data = (s.data ?? {}) as Record<string, unknown>;
      return !data.token || data['ca.crt'] !== caB64 || data.namespace !== nsB64 || annotations(s)[SA_UID_ANNOTATION] !== saUid;
    };
    if (!needsWork(secret)) return;
    const signing = (await opts.keys()).signing;
    await opts.secrets.update(ns, name, (current) => {
      if (!current) throw new ApiError(404, 'NotFound', `secret ${key} is gone`);
      if (current.metadata.uid !== secret.metadata.uid || !needsWork(current)) return current;
      const data = { ...((current.data ?? {}) as Record<string, unknown>) };
      if (!data.token) data.token = Buffer.from(signJwt(legacyTokenClaims({ namespace: ns, serviceAccount: { name: saName, uid: saUid }, secretName: name }), signing)).toString('base64');
      data['ca.crt'] = caB64;
      data.namespace = nsB64;
      return { ...current, data, metadata: { ...current.metadata, annotations: { ...annotations(current), [SA_UID_ANNOTATION]: saUid } } };
    });
    log.info('populated service-account token secret', { secret: key, serviceAccount: saName });
  };

  const queue = new KeyQueue(async (key) => {
    try {
      await reconcile(key);
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
  }, { log, delay });

  const onSecret = (obj: KubeObject) => {
    if (obj.type === SERVICE_ACCOUNT_TOKEN_TYPE) queue.add(`${obj.metadata.namespace}/${obj.metadata.name}`);
  };
  // A service account changed or went away: its token secrets need another look.
  const onServiceAccount = (sa: KubeObject, initial: boolean) => {
    if (initial) return;
    const ns = String(sa.metadata.namespace);
    void opts.secrets.backendList(opts.secrets.prefix(ns), {}).then(
      (page) => {
        for (const kv of page.kvs) {
          const s = opts.secrets.decode(kv);
          if (s.type === SERVICE_ACCOUNT_TOKEN_TYPE && annotations(s)[SA_NAME_ANNOTATION] === sa.metadata.name) onSecret(s);
        }
      },
      (e: unknown) => log.warn('cannot list token secrets of a service account', { serviceAccount: `${ns}/${String(sa.metadata.name)}`, error: e instanceof Error ? e.message : String(e) }),
    );
  };

  const done = Promise.all([
    queue.run(signal),
    listWatch(opts.secrets, onSecret, signal, log, delay),
    listWatch(opts.serviceAccounts, onServiceAccount, signal, log, delay),
  ]).then(() => undefined);
  return { idle: () => queue.idle(), done };
}
