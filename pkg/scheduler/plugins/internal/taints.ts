// Toleration matching (upstream's Toleration.ToleratesTaint): an empty effect matches every effect,
// an empty key with Exists matches every taint, Equal (or no operator) compares values.
import type { Taint } from '../../framework/node-info';
import type { Toleration } from '../../framework/pod-info';

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect !== '' && t.effect !== taint.effect) return false;
  if (t.key !== '' && t.key !== taint.key) return false;
  switch (t.operator) {
    case '':
    case 'Equal':
      return t.value === taint.value;
    case 'Exists':
      return true;
    default:
      return false;
  }
}

export function tolerated(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first taint passing `include` that no toleration tolerates. */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[], include: (t: Taint) => boolean): Taint | undefined {
  for (const taint of taints) if (include(taint) && !tolerated(tolerations, taint)) return taint;
  return undefined;
}
