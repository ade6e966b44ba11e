// Element order of merged lists in a strategic merge patch. Upstream's rule (design proposal
// "preserve order in strategic merge patch"): items named by the patch (or by its
// `$setElementOrder/<field>` list) keep the patch's relative order, items only on the server keep
// their relative order, and the two runs are interleaved by the server's order where both are known.
import type { Json } from '../types';
import { canonicalJson, hasMember, isJsonObject } from './json-value';
import { UnprocessablePatchError } from './errors';

/** Identity of a list item: its merge key value for lists of objects, the item itself for scalars. */
export type ItemIdentity = (item: Json) => string;

export function identityFor(mergeKey: string | undefined): ItemIdentity {
  if (!mergeKey) return (item) => canonicalJson(item);
  return (item) => {
    if (!isJsonObject(item) || !hasMember(item, mergeKey)) {
      throw new UnprocessablePatchError(`map: ${canonicalJson(item)} does not contain declared merge key: ${mergeKey}`);
    }
    return canonicalJson(item[mergeKey] as Json);
  };
}

function indexMap(list: readonly Json[], id: ItemIdentity): Map<string, number> {
  const m = new Map<string, number>();
  list.forEach((item, i) => {
    const k = id(item);
    if (!m.has(k)) m.set(k, i);
  });
  return m;
}

/** Stable sort of `items` by the position of their identity in `order` (unknown ones last). */
function sortByOrder(items: Json[], order: readonly Json[], id: ItemIdentity): Json[] {
  const pos = indexMap(order, id);
  return items
    .map((item, i) => ({ item, i, p: pos.get(id(item)) ?? Number.MAX_SAFE_INTEGER }))
    .sort((a, b) => a.p - b.p || a.i - b.i)
    .map((x) => x.item);
}

/**
 * Reorder `merged`: items whose identity appears in `patchOrder` follow that order, the others
 * keep their order in `serverOrder`, and a server-only item goes before a patch item when the
 * server list has both and the server-only one comes first.
 */
export function normalizeListOrder(
  merged: readonly Json[],
  patchOrder: readonly Json[],
  serverOrder: readonly Json[],
  id: ItemIdentity,
): Json[] {
  const inPatch = indexMap(patchOrder, id);
  const patchItems = sortByOrder(merged.filter((x) => inPatch.has(id(x))), patchOrder, id);
  const serverOnly = sortByOrder(merged.filter((x) => !inPatch.has(id(x))), serverOrder, id);
  const serverPos = indexMap(serverOrder, id);
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patchItems.length) {
    if (i >= serverOnly.length) {
      out.push(patchItems[j++] as Json);
      continue;
    }
    if (j >= patchItems.length) {
      out.push(serverOnly[i++] as Json);
      continue;
    }
    const l = serverPos.get(id(serverOnly[i] as Json));
    const r = serverPos.get(id(patchItems[j] as Json));
    if (l !== undefined && r !== undefined && l < r) out.push(serverOnly[i++] as Json);
    else out.push(patchItems[j++] as Json);
  }
  return out;
}

/**
 * Check that the items of a patch list appear in `$setElementOrder` in the same relative order
 * (deletions and other directive items excepted).
 */
export function patchListFollowsOrder(patchList: readonly Json[], order: readonly Json[], id: ItemIdentity): boolean {
  const items = patchList.filter((x) => !(isJsonObject(x) && hasMember(x, '$patch')));
  let p = 0;
  for (const o of order) {
    if (p >= items.length) break;
    if (id(items[p] as Json) === id(o)) p++;
  }
  return p >= items.length;
}
