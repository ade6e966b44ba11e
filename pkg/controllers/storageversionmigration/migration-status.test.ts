import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { isFinished, markFinished, markRunning, setCondition } from './migration-status';

const t0 = new Date('2026-01-01T00:00:00.250Z');
const t1 = new Date('2026-01-01T00:05:00Z');

describe('migration status', () => {
  it('keeps lastTransitionTime while a condition keeps its status', () => {
    const first = setCondition([], { type: 'Running', status: 'True', reason: 'A' }, t0);
    expect(first).toEqual([{ type: 'Running', status: 'True', reason: 'A', lastTransitionTime: '2026-01-01T00:00:00Z' }]);
    expect(setCondition(first, { type: 'Running', status: 'True', reason: 'B' }, t1)[0]).toMatchObject({ reason: 'B', lastTransitionTime: '2026-01-01T00:00:00Z' });
    expect(setCondition(first, { type: 'Running', status: 'False', reason: 'C' }, t1)[0]).toMatchObject({ status: 'False', lastTransitionTime: '2026-01-01T00:05:00Z' });
  });

  it('goes Running → Succeeded with Running turned False, recording the starting resource version', () => {
    const svm: KubeObject = { metadata: { name: 'm', generation: 1 }, spec: {} };
    const running = markRunning(svm, '17', t0);
    expect(running.status).toMatchObject({ resourceVersion: '17', conditions: [{ type: 'Running', status: 'True', reason: 'MigrationRunning', observedGeneration: 1 }] });
    expect(isFinished(running)).toBe(false);
    const done = markFinished(running, 'Succeeded', '', t1);
    expect(done.status).toMatchObject({
      resourceVersion: '17',
      conditions: [
        { type: 'Running', status: 'False', reason: 'MigrationCompleted' },
        { type: 'Succeeded', status: 'True', reason: 'StorageVersionMigrationSucceeded' },
      ],
    });
    expect(isFinished(done)).toBe(true);
  });

  it('fails without ever running, with the reason as message', () => {
    const failed = markFinished({ metadata: { name: 'm' } }, 'Failed', 'resource does not exist in discovery', t0);
    expect(failed.status).toEqual({ conditions: [{ type: 'Failed', status: 'True', reason: 'StorageVersionMigrationFailed', message: 'resource does not exist in discovery', lastTransitionTime: '2026-01-01T00:00:00Z' }] });
  });
});
