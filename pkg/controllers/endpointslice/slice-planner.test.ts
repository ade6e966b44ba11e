import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { planSlices } from './slice-planner';

const svc: KubeObject = { metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } };
const pod = (i: number, ready = true): KubeObject => ({
  metadata: { name: `p${i}`, namespace: 'ns', uid: `uid-${i}`, labels: { app: 'web' } },
  spec: { containers: [{ name: 'c' }] },
  status: { phase: 'Running', podIP: `10.42.${Math.floor(i / 250)}.${(i % 250) + 1}`, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
/** The plan applied as the server would (names for creates). */
function apply(existing: KubeObject[], plan: ReturnType<typeof planSlices>): KubeObject[] {
  const gone = new Set(plan.delete.map((s) => s.metadata.name));
  const updated = new Map(plan.update.map((s) => [s.metadata.name, s]));
  let n = existing.length;
  return [...existing.filter((s) => !gone.has(s.metadata.name)).map((s) => updated.get(s.metadata.name) ?? s), ...plan.create.map((s) => ({ ...s, metadata: { ...s.metadata, name: `web-${n++}` } }))];
}

describe('planSlices', () => {
  it('fills slices up to the limit and keeps endpoints where they are', () => {
    const pods = Array.from({ length: 250 }, (_, i) => pod(i));
    const first = planSlices(svc, pods, []);
    expect(first.create.map((s) => (s.endpoints as unknown[]).length)).toEqual([100, 100, 50]);
    const slices = apply([], first);
    expect(planSlices(svc, pods, slices)).toEqual({ create: [], update: [], delete: [] });
    // One pod turns not ready: exactly one slice changes.
    const changed = pods.map((p, i) => (i === 120 ? pod(120, false) : p));
    const plan = planSlices(svc, changed, slices);
    expect(plan.create).toEqual([]);
    expect(plan.delete).toEqual([]);
    expect(plan.update).toHaveLength(1);
    // 50 pods go and 30 come: the new ones fill the room left in existing slices.
    const next = [...pods.slice(50), ...Array.from({ length: 30 }, (_, i) => pod(300 + i))];
    const after = apply(slices, planSlices(svc, next, slices));
    expect(after.flatMap((s) => s.endpoints as unknown[])).toHaveLength(230);
    expect(after.every((s) => (s.endpoints as unknown[]).length <= 100)).toBe(true);
    expect(after).toHaveLength(3);
  });

  it('keeps one empty placeholder slice when no pod is selected', () => {
    const plan = planSlices(svc, [], []);
    expect(plan.create).toHaveLength(1);
    expect(plan.create[0]).toMatchObject({ endpoints: [], ports: [], metadata: { labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } } });
    const slices = apply([], plan);
    expect(planSlices(svc, [], slices)).toEqual({ create: [], update: [], delete: [] });
    const filled = planSlices(svc, [pod(1)], slices);
    expect(filled.create).toHaveLength(1);
    expect(filled.delete).toEqual(slices);
  });
});
