// Job facts without an API server: completion index intervals, the failure backoff, pod failure
// policy matching and the names of indexed pods.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { indexedGenerateName } from './job-pods';
import { backoffRemainingMs, formatIntervals, intervalsTotal, nextBackoffRecord, parseIndexes, withIndexes } from './job-util';
import { matchPodFailurePolicy } from './pod-failure-policy';

const pod = (finishedAt: string, exitCode = 1, name = 'p'): KubeObject => ({
  metadata: { name, namespace: 'ns' },
  status: { phase: 'Failed', containerStatuses: [{ name: 'main', state: { terminated: { exitCode, finishedAt } } }] },
});

describe('completion indexes', () => {
  it('parses, merges and prints intervals as upstream spells them', () => {
    const a = parseIndexes('0,2-4,9', 8);
    expect(formatIntervals(a)).toBe('0,2-4');
    expect(intervalsTotal(a)).toBe(4);
    expect(formatIntervals(withIndexes(a, [1, 5, 7]))).toBe('0-5,7');
    expect(formatIntervals(withIndexes([], [3, 4]))).toBe('3-4');
  });
  it('names indexed pods <job>-<index>- within the generated-name limit', () => {
    expect(indexedGenerateName('work', 12)).toBe('work-12-');
    const long = indexedGenerateName('x'.repeat(70), 3);
    expect(long).toHaveLength(58);
    expect(long.endsWith('-3-')).toBe(true);
  });
});

describe('pod failure backoff', () => {
  it('doubles per consecutive failure from the last one, capped, and resets after a success', () => {
    const t0 = Date.parse('2025-01-01T00:00:00Z');
    const one = nextBackoffRecord(undefined, [], [pod('2025-01-01T00:00:00Z')]);
    expect(one).toEqual({ failuresAfterLastSuccess: 1, lastFailureAt: t0 });
    expect(backoffRemainingMs(one, t0 + 4_000, 10_000, 360_000)).toBe(6_000);
    const three = nextBackoffRecord(one, [], [pod('2025-01-01T00:00:10Z'), pod('2025-01-01T00:00:20Z')]);
    expect(three.failuresAfterLastSuccess).toBe(3);
    expect(backoffRemainingMs(three, t0 + 20_000, 10_000, 360_000)).toBe(40_000);
    const many = { failuresAfterLastSuccess: 30, lastFailureAt: t0 };
    expect(backoffRemainingMs(many, t0, 10_000, 360_000)).toBe(360_000);
    const success: KubeObject = { metadata: {}, status: { phase: 'Succeeded', containerStatuses: [{ state: { terminated: { exitCode: 0, finishedAt: '2025-01-01T00:00:30Z' } } }] } };
    expect(nextBackoffRecord(three, [success], [])).toEqual({ failuresAfterLastSuccess: 0 });
    expect(nextBackoffRecord(three, [success], [pod('2025-01-01T00:00:40Z')]).failuresAfterLastSuccess).toBe(1);
  });
});

describe('pod failure policy', () => {
  const job = (rules: unknown[]): KubeObject => ({ metadata: { name: 'j' }, spec: { podFailurePolicy: { rules } } });
  it('applies the first matching rule; exit code 0 never matches NotIn', () => {
    const j = job([
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'FailJob', onExitCodes: { operator: 'NotIn', values: [1, 2] } },
      { action: 'Count', onExitCodes: { operator: 'In', values: [1] } },
    ]);
    expect(matchPodFailurePolicy(j, pod('2025-01-01T00:00:00Z', 1))).toEqual({ countFailed: true, action: 'Count' });
    expect(matchPodFailurePolicy(j, pod('2025-01-01T00:00:00Z', 7, 'x'))).toMatchObject({ action: 'FailJob', failJobMessage: 'Container main for pod ns/x failed with exit code 7 matching FailJob rule at index 1' });
    expect(matchPodFailurePolicy(j, pod('2025-01-01T00:00:00Z', 0))).toEqual({ countFailed: true });
    const evicted: KubeObject = { metadata: { name: 'e', namespace: 'ns' }, status: { phase: 'Failed', conditions: [{ type: 'DisruptionTarget', status: 'True' }] } };
    expect(matchPodFailurePolicy(j, evicted)).toEqual({ countFailed: false, action: 'Ignore' });
  });
});
