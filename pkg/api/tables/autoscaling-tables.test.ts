import { describe, expect, it } from 'vitest';
import { formatHpaTargets, horizontalPodAutoscalerTable } from './autoscaling-tables';

const meta = { name: 'web', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' };
const now = new Date('2026-01-02T00:00:00Z');

describe('horizontalpodautoscalers table', () => {
  it('prints the v2 metrics as name: current/target, at most two', () => {
    const cpu = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } };
    const mem = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } };
    const pods = { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } };
    expect(formatHpaTargets({ metadata: meta, spec: { metrics: [cpu] } })).toBe('cpu: <unknown>/80%');
    expect(formatHpaTargets({ metadata: meta, spec: { metrics: [cpu, mem] }, status: { currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12 } } }] } })).toBe('cpu: 12%/80%, memory: <unknown>/100Mi');
    expect(formatHpaTargets({ metadata: meta, spec: { metrics: [cpu, mem, pods] } })).toBe('cpu: <unknown>/80%, memory: <unknown>/100Mi + 1 more...');
    expect(formatHpaTargets({ metadata: meta, spec: {} })).toBe('<none>');
  });

  it('prints the v1 CPU target', () => {
    expect(formatHpaTargets({ metadata: meta, spec: { targetCPUUtilizationPercentage: 50 }, status: { currentCPUUtilizationPercentage: 7 } })).toBe('cpu: 7%/50%');
  });

  it('fills every column', () => {
    const row = horizontalPodAutoscalerTable.row({ metadata: meta, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, metrics: [] }, status: { currentReplicas: 2 } }, now);
    expect(row).toEqual(['web', 'Deployment/web', '<none>', '1', 5, 2, '24h']);
  });
});
