import { describe, expect, it } from 'vitest';
import { CycleState } from '../../framework/cycle-state';
import { Code } from '../../framework/status';
import { node, pod } from '../../testing/fixtures';
import { fitArgs } from './fit-args';
import { NodeResourcesFit } from './fit';
import { brokenLinear } from './resource-scorers';

describe('pod requests', () => {
  it('sum the containers, raised to the largest init container, plus overhead', () => {
    const p = pod({
      containers: [
        { name: 'a', resources: { requests: { cpu: '500m', memory: '1Gi' } } },
        { name: 'b', resources: { requests: { cpu: '250m' } } },
      ],
      initContainers: [
        { name: 'init1', resources: { requests: { cpu: '2', memory: '256Mi' } } },
        { name: 'init2', resources: { requests: { cpu: '100m', memory: '2Gi' } } },
      ],
      overhead: { cpu: '100m', memory: '64Mi' },
    });
    // cpu: max(750m, 2000m) + 100m; memory: max(1Gi, 2Gi) + 64Mi
    expect(p.requests.milliCPU).toBe(2100);
    expect(p.requests.memory).toBe(2 * 1024 ** 3 + 64 * 1024 ** 2);
  });

  it('count sidecars (restartable init containers) with the containers and before later init containers', () => {
    const p = pod({
      containers: [{ name: 'app', resources: { requests: { cpu: '1' } } }],
      initContainers: [
        { name: 'side', restartPolicy: 'Always', resources: { requests: { cpu: '500m' } } },
        { name: 'migrate', resources: { requests: { cpu: '1200m' } } },
      ],
    });
    // containers + sidecar = 1500m; init phase: migrate 1200m + sidecar 500m = 1700m.
    expect(p.requests.milliCPU).toBe(1700);
  });

  it('score containers without requests at the non-zero defaults (100m, 200Mi)', () => {
    const p = pod({ containers: [{ name: 'a' }, { name: 'b', resources: { requests: { cpu: '1' } } }] });
    expect(p.requests.milliCPU).toBe(1000);
    expect(p.nonZeroMilliCPU).toBe(1100);
    expect(p.nonZeroMemory).toBe(2 * 200 * 1024 * 1024);
  });
});

describe('NodeResourcesFit filter', () => {
  const fit = new NodeResourcesFit(undefined);
  const state = new CycleState();

  it('passes when the requests fit what is left', () => {
    const n = node({ name: 'n', cpu: '4', memory: '8Gi' }, [{ requests: { cpu: '3' } }]);
    expect(fit.filter(state, pod({ requests: { cpu: '1' } }), n).code).toBe(Code.Success);
  });

  it('names every missing resource, Unschedulable while preemption could help', () => {
    const n = node({ name: 'n', cpu: '4', memory: '8Gi' }, [{ requests: { cpu: '3', memory: '7Gi' } }]);
    const s = fit.filter(state, pod({ requests: { cpu: '2', memory: '2Gi' } }), n);
    expect(s.code).toBe(Code.Unschedulable);
    expect(s.reasons).toEqual(['Insufficient cpu', 'Insufficient memory']);
  });

  it('is UnschedulableAndUnresolvable when even an empty node is too small', () => {
    const s = fit.filter(state, pod({ requests: { cpu: '5' } }), node({ name: 'n', cpu: '4' }));
    expect(s.code).toBe(Code.UnschedulableAndUnresolvable);
    expect(s.reasons).toEqual(['Insufficient cpu']);
  });

  it('counts pods against allocatable pods and checks extended resources', () => {
    const full = node({ name: 'n', pods: '1' }, [{}]);
    expect(fit.filter(state, pod({}), full).reasons).toEqual(['Too many pods']);
    expect(fit.filter(state, pod({ requests: { 'example.com/gpu': '1' } }), node({ name: 'g' })).reasons).toEqual(['Insufficient example.com/gpu']);
    const ignoring = new NodeResourcesFit({ ignoredResourceGroups: ['example.com'] });
    expect(ignoring.filter(state, pod({ requests: { 'example.com/gpu': '1' } }), node({ name: 'g' })).code).toBe(Code.Success);
  });

  it('follows the room a node has left as pods come and go, in copies too', () => {
    const n = node({ name: 'n', cpu: '2', memory: '4Gi', pods: '2' });
    const big = pod({ name: 'big', requests: { cpu: '1500m', memory: '1Gi' } });
    const small = pod({ name: 'small', requests: { cpu: '500m', memory: '3Gi' } });
    n.addPod(big);
    expect(fit.filter(state, small, n).code).toBe(Code.Success);
    n.addPod(small);
    expect(fit.filter(state, pod({ requests: { cpu: '1m' } }), n).reasons).toEqual(['Too many pods', 'Insufficient cpu']);
    const copy = n.clone();
    copy.removePod(big.uid);
    expect(fit.filter(state, big, copy).code).toBe(Code.Success);
    expect(fit.filter(state, big, n).code).toBe(Code.Unschedulable);
    n.removePod(small.uid);
    expect(fit.filter(state, pod({ requests: { cpu: '600m' } }), n).reasons).toEqual(['Insufficient cpu']);
    expect(fit.filter(state, pod({ requests: { cpu: '500m', memory: '3Gi' } }), n).code).toBe(Code.Success);
  });
});

describe('NodeResourcesFit scoring strategies', () => {
  const scoreOf = (args: unknown, n: ReturnType<typeof node>, p = pod({ requests: { cpu: '1', memory: '1Gi' } })) => {
    const fit = new NodeResourcesFit(args);
    const state = new CycleState();
    fit.preScore(state, p);
    return fit.score(state, p, n);
  };
  const empty = () => node({ name: 'empty', cpu: '4', memory: '16Gi' });
  const half = () => node({ name: 'half', cpu: '4', memory: '16Gi' }, [{ requests: { cpu: '2', memory: '8Gi' } }]);

  it('LeastAllocated (default) prefers free room', () => {
    // cpu (4000-1000)/4000 = 75, memory (16-1)/16 = 93 → (75 + 93) / 2 = 84
    expect(scoreOf(undefined, empty())).toBe(84);
    expect(scoreOf(undefined, half())).toBe(Math.trunc((25 + 43) / 2));
  });

  it('MostAllocated prefers full nodes', () => {
    const args = { scoringStrategy: { type: 'MostAllocated' } };
    expect(scoreOf(args, empty())).toBe(Math.trunc((25 + 6) / 2));
    expect(scoreOf(args, half())).toBe(Math.trunc((75 + 56) / 2));
  });

  it('RequestedToCapacityRatio follows its shape', () => {
    const args = { scoringStrategy: { type: 'RequestedToCapacityRatio', resources: [{ name: 'cpu', weight: 1 }], requestedToCapacityRatio: { shape: [{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }] } } };
    expect(scoreOf(args, empty())).toBe(25);
    expect(scoreOf(args, half())).toBe(75);
    const f = brokenLinear([{ utilization: 0, score: 10 }, { utilization: 50, score: 0 }, { utilization: 100, score: 10 }]);
    expect([f(0), f(25), f(50), f(75), f(100)]).toEqual([100, 50, 0, 50, 100]);
  });

  it('validates its args', () => {
    expect(() => fitArgs({ scoringStrategy: { type: 'Random' } })).toThrow(/not supported; expected one of LeastAllocated, MostAllocated, RequestedToCapacityRatio/);
    expect(() => fitArgs({ scoringStrategy: { resources: [{ name: 'cpu', weight: 0 }] } })).toThrow(/must be an integer in the range \[1, 100\]/);
    expect(() => fitArgs({ scoringStrategy: { type: 'RequestedToCapacityRatio' } })).toThrow(/at least one point is required/);
  });

  it('scores a batch of nodes as it scores each one, for every strategy', () => {
    const nodes = [empty(), half(), node({ name: 'busy', cpu: '8', memory: '4Gi' }, [{ requests: { cpu: '7', memory: '1Gi' } }])];
    for (const args of [undefined, { scoringStrategy: { type: 'MostAllocated' } }, { scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: { shape: [{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }] } } }]) {
      const fit = new NodeResourcesFit(args);
      const p = pod({ requests: { cpu: '1', memory: '1Gi' } });
      const state = new CycleState();
      fit.preScore(state, p);
      const scores = new Array<number>(nodes.length).fill(-1);
      expect(fit.scoreAll(state, p, nodes, scores)).toBeUndefined();
      expect(scores).toEqual(nodes.map((n) => fit.score(state, p, n)));
      expect(new Set(scores).size).toBeGreaterThan(1);
    }
  });
});
