import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../types';
import { podTable } from './pod-table';

const now = new Date('2024-05-01T12:00:00Z');
const ago = (ms: number): string => new Date(now.getTime() - ms).toISOString();
const MIN = 60_000;

function pod(spec: Record<string, unknown>, status: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', creationTimestamp: ago(10 * MIN), ...meta },
    spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
    status,
  };
}

const running = { running: { startedAt: ago(MIN) } };
const ready = (name = 'c', extra: Record<string, unknown> = {}) => ({ name, ready: true, restartCount: 0, state: running, ...extra });

/** READY, STATUS, RESTARTS cells. */
function summary(p: KubeObject): [unknown, unknown, unknown] {
  const cells = podTable.row(p, now);
  return [cells[1], cells[2], cells[3]];
}

describe('pod table', () => {
  it('has upstream columns', () => {
    expect(podTable.columns.map((c) => [c.name, c.type, c.priority])).toEqual([
      ['Name', 'string', 0],
      ['Ready', 'string', 0],
      ['Status', 'string', 0],
      ['Restarts', 'string', 0],
      ['Age', 'string', 0],
      ['IP', 'string', 1],
      ['Node', 'string', 1],
      ['Nominated Node', 'string', 1],
      ['Readiness Gates', 'string', 1],
    ]);
    expect(podTable.columns[0].format).toBe('name');
  });

  it('running and ready', () => {
    expect(summary(pod({}, { phase: 'Running', containerStatuses: [ready()] }))).toEqual(['1/1', 'Running', '0']);
  });

  it('pending without statuses shows the phase', () => {
    expect(summary(pod({}, { phase: 'Pending' }))).toEqual(['0/1', 'Pending', '0']);
  });

  it('waiting reasons: ContainerCreating, CrashLoopBackOff with restarts "N (age ago)"', () => {
    const creating = pod({}, { phase: 'Pending', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] });
    expect(summary(creating)).toEqual(['0/1', 'ContainerCreating', '0']);
    const crashing = pod(
      {},
      {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'c',
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5 * MIN) } },
          },
        ],
      },
    );
    expect(summary(crashing)).toEqual(['0/1', 'CrashLoopBackOff', '3 (5m ago)']);
  });

  it('restarts add up across containers and show the most recent restart', () => {
    const p = pod(
      { containers: [{ name: 'a' }, { name: 'b' }] },
      {
        phase: 'Running',
        containerStatuses: [
          ready('a', { restartCount: 2, lastState: { terminated: { finishedAt: ago(90 * MIN) } } }),
          ready('b', { restartCount: 1, lastState: { terminated: { finishedAt: ago(30_000) } } }),
        ],
      },
    );
    expect(summary(p)).toEqual(['2/2', 'Running', '3 (30s ago)']);
  });

  it('init containers: Init:i/n, Init:<waiting reason>, Init:<terminated reason>, exit code, signal', () => {
    const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }] };
    const waitingInit = { name: 'i2', state: { waiting: { reason: 'PodInitializing' } } };
    expect(summary(pod(spec, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: running }, waitingInit] }))[1]).toBe('Init:0/2');
    expect(
      summary(pod(spec, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 0, reason: 'Completed' } } }, { name: 'i2', state: running }] }))[1],
    ).toBe('Init:1/2');
    expect(
      summary(pod(spec, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } }] })),
    ).toEqual(['0/1', 'Init:CrashLoopBackOff', '4']);
    expect(summary(pod(spec, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 1, reason: 'Error' } } }] }))[1]).toBe('Init:Error');
    expect(summary(pod(spec, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 2 } } }] }))[1]).toBe('Init:ExitCode:2');
    expect(summary(pod(spec, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 137, signal: 9 } } }] }))[1]).toBe(
      'Init:Signal:9',
    );
  });

  it('sidecars (restartable init containers) count as containers', () => {
    const p = pod(
      { initContainers: [{ name: 's', restartPolicy: 'Always' }] },
      {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [{ name: 's', started: true, ready: true, restartCount: 1, state: running }],
        containerStatuses: [ready()],
      },
    );
    expect(summary(p)).toEqual(['2/2', 'Running', '1']);
  });

  it('completed, failed, evicted and exit codes', () => {
    const done = { name: 'c', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } };
    expect(summary(pod({}, { phase: 'Succeeded', containerStatuses: [done] }))).toEqual(['0/1', 'Completed', '0']);
    const failed = { name: 'c', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } };
    expect(summary(pod({}, { phase: 'Failed', containerStatuses: [failed] }))[1]).toBe('Error');
    expect(summary(pod({}, { phase: 'Failed', reason: 'Evicted' }))[1]).toBe('Evicted');
    const bare = { name: 'c', state: { terminated: { exitCode: 3 } } };
    expect(summary(pod({}, { phase: 'Failed', containerStatuses: [bare] }))[1]).toBe('ExitCode:3');
    const killed = { name: 'c', state: { terminated: { exitCode: 143, signal: 15 } } };
    expect(summary(pod({}, { phase: 'Failed', containerStatuses: [killed] }))[1]).toBe('Signal:15');
  });

  it('a completed container next to a running one reads Running or NotReady', () => {
    const statuses = [ready('a'), { name: 'b', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }];
    const spec = { containers: [{ name: 'a' }, { name: 'b' }] };
    expect(summary(pod(spec, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: statuses }))).toEqual([
      '1/2',
      'Running',
      '0',
    ]);
    expect(summary(pod(spec, { phase: 'Running', containerStatuses: statuses }))[1]).toBe('NotReady');
  });

  it('the first container in spec order decides the reason', () => {
    const spec = { containers: [{ name: 'a' }, { name: 'b' }] };
    const statuses = [
      { name: 'a', state: { waiting: { reason: 'ImagePullBackOff' } } },
      { name: 'b', state: { waiting: { reason: 'ContainerCreating' } } },
    ];
    expect(summary(pod(spec, { phase: 'Pending', containerStatuses: statuses }))[1]).toBe('ImagePullBackOff');
  });

  it('Terminating while being deleted, unless terminal; Unknown when the node is lost', () => {
    const deleting = { deletionTimestamp: ago(MIN) };
    expect(summary(pod({}, { phase: 'Running', containerStatuses: [ready()] }, deleting))[1]).toBe('Terminating');
    const done = { name: 'c', state: { terminated: { exitCode: 0, reason: 'Completed' } } };
    expect(summary(pod({}, { phase: 'Succeeded', containerStatuses: [done] }, deleting))[1]).toBe('Completed');
    expect(summary(pod({}, { phase: 'Running', reason: 'NodeLost' }, deleting))[1]).toBe('Unknown');
  });

  it('SchedulingGated', () => {
    const p = pod({ schedulingGates: [{ name: 'g' }] }, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] });
    expect(summary(p)[1]).toBe('SchedulingGated');
  });

  it('wide cells: IP, node, nominated node, readiness gates', () => {
    const p = pod(
      { nodeName: 'node-1', readinessGates: [{ conditionType: 'g1' }, { conditionType: 'g2' }] },
      { phase: 'Running', podIP: '10.42.0.5', podIPs: [{ ip: '10.42.0.5' }], conditions: [{ type: 'g1', status: 'True' }], containerStatuses: [ready()] },
    );
    expect(podTable.row(p, now)).toEqual(['p', '1/1', 'Running', '0', '10m', '10.42.0.5', 'node-1', '<none>', '1/2']);
    expect(podTable.row(pod({}, {}), now).slice(5)).toEqual(['<none>', '<none>', '<none>', '<none>']);
  });
});
