// LIST with selectors, pagination (limit/continue) and resourceVersion semantics.
import type { KubeObject } from '../../api/types';
import { isStorageError } from '../../storage/errors';
import { ApiError, errors, toApiError } from '../errors';
import { rawObjectJson } from './codec';
import type { Store } from './store';

/** Items in a List carry no kind/apiVersion, as upstream encodes them. */
export function listItem(obj: KubeObject): KubeObject {
  const { kind: _k, apiVersion: _a, ...rest } = obj;
  return rest as KubeObject;
}

export type ObjectFilter = (obj: KubeObject) => boolean;

export interface ListQuery {
  readonly namespace?: string;
  readonly filter?: ObjectFilter;
  readonly limit?: number;
  readonly continueToken?: string;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: string;
  /** Return items as JSON text (rawItems) instead of objects, parsing only what a filter needs. */
  readonly raw?: boolean;
}

export interface ListPage {
  readonly items: KubeObject[];
  /** With `raw`: each item's JSON text, without kind/apiVersion (as upstream encodes list items). */
  readonly rawItems?: string[];
  readonly resourceVersion: string;
  readonly continueToken?: string;
  readonly remainingItemCount?: number;
}

interface ContinueState {
  readonly rv: number;
  readonly start: string;
}

export function encodeContinue(state: ContinueState): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: state.rv, start: state.start })).toString('base64url');
}

export function decodeContinue(token: string): ContinueState {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: string; rv?: unknown; start?: unknown };
    if (v.v === 'meta.k8s.io/v1' && typeof v.rv === 'number' && Number.isSafeInteger(v.rv) && v.rv > 0 && typeof v.start === 'string') return { rv: v.rv, start: v.start };
  } catch {
    // fall through
  }
  throw errors.badRequest('continue key is not valid: expected a token returned by a previous list');
}

export function parseRv(rv: string, what: string): number {
  if (!/^\d+$/.test(rv) || !Number.isSafeInteger(Number(rv))) throw errors.badRequest(`invalid ${what} "${rv}": expected a non-negative integer`);
  return Number(rv);
}

export async function listObjects(store: Store, q: ListQuery): Promise<ListPage> {
  const limit = q.limit && q.limit > 0 ? q.limit : 0;
  let revision = 0;
  let start: string | undefined;
  if (q.continueToken) {
    if (q.resourceVersion && q.resourceVersion !== '0') throw errors.badRequest('specifying resource version is not allowed when using continue');
    const c = decodeContinue(q.continueToken);
    revision = c.rv;
    start = c.start;
  } else if (q.resourceVersion && q.resourceVersion !== '0') {
    const rv = parseRv(q.resourceVersion, 'resourceVersion');
    if (q.resourceVersionMatch === 'Exact') revision = rv;
    else if (q.resourceVersionMatch && q.resourceVersionMatch !== 'NotOlderThan') {
      throw errors.badRequest(`resourceVersionMatch: Unsupported value: "${q.resourceVersionMatch}": supported values: "Exact", "NotOlderThan"`);
    }
  } else if (q.resourceVersionMatch) {
    if (q.resourceVersionMatch === 'Exact') throw errors.badRequest('resourceVersionMatch "Exact" is forbidden for resourceVersion "" or "0"');
  }
  const prefix = store.prefix(q.namespace);
  const items: KubeObject[] = [];
  const rawItems: string[] = [];
  let count = 0;
  let readAt = revision;
  let more = false;
  try {
    for (;;) {
      // Without a filter one page of `limit` suffices; with one, read ahead in bigger pages.
      const pageSize = limit ? (q.filter ? Math.max(limit * 2, 100) : limit) : 0;
      const page = await store.backendList(prefix, { revision: readAt || undefined, limit: pageSize || undefined, continueFrom: start });
      readAt = page.revision;
      let stoppedEarly = false;
      for (const kv of page.kvs) {
        start = kv.key;
        if (q.raw && !q.filter) {
          rawItems.push(rawObjectJson(kv, store.def, false) ?? JSON.stringify(listItem(store.decode(kv))));
        } else {
          const obj = store.decode(kv);
          if (q.filter && !q.filter(obj)) continue;
          if (q.raw) rawItems.push(JSON.stringify(listItem(obj)));
          else items.push(obj);
        }
        count++;
        if (limit && count === limit) {
          stoppedEarly = kv !== page.kvs[page.kvs.length - 1] || page.more;
          break;
        }
      }
      if (limit && count === limit) {
        more = stoppedEarly;
        break;
      }
      if (!page.more) break;
    }
  } catch (e) {
    if (isStorageError(e, 'compacted')) {
      if (q.continueToken) throw new ApiError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
      throw errors.gone(`too old resource version: ${revision}`);
    }
    throw toApiError(e, { group: store.group, resource: store.def.resource });
  }
  const rv = String(readAt);
  return { items, ...(q.raw ? { rawItems } : {}), resourceVersion: rv, ...(more && start !== undefined ? { continueToken: encodeContinue({ rv: readAt, start }) } : {}) };
}
