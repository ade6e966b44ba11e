// Read-only API objects. Informer caches and the watch objects the API server shares between its
// in-process watchers are frozen, so code that changes one in place (instead of changing a copy)
// fails at once rather than silently changing what every other reader sees.

/**
 * Freezes `value` and everything reachable from it; returns it. An object that is already frozen
 * is taken to be frozen all the way down (this function freezes children before their parent).
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    for (const item of value) deepFreeze(item);
  } else {
    for (const key in value) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return Object.freeze(value);
}
