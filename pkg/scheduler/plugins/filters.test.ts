// NodeName, NodeUnschedulable, TaintToleration, NodeAffinity, NodePorts and ImageLocality with
// fixture pods and nodes.
import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework/cycle-state';
import { PreFilterResult } from '../framework/interfaces';
import { Code, Status } from '../framework/status';
import { fakeHandle, node, pod, snapshotOf } from '../testing/fixtures';
import { ImageLocality, imageLocalityScore } from './imagelocality/image-locality';
import { NodeAffinity } from './nodeaffinity/node-affinity';
import { NodeName } from './nodename/node-name';
import { NodePorts } from './nodeports/node-ports';
import { NodeUnschedulable } from './nodeunschedulable/node-unschedulable';
import { TaintToleration } from './tainttoleration/taint-toleration';

const state = () => new CycleState();

describe('NodeName', () => {
  it('fits only the named node', () => {
    expect(new NodeName().preFilter(state(), pod())).toBe(Status.SKIP);
    const p = pod({ nodeName: 'a' });
    expect(new NodeName().filter(state(), p, node({ name: 'a' })).code).toBe(Code.Success);
    const s = new NodeName().filter(state(), p, node({ name: 'b' }));
    expect([s.code, s.message()]).toEqual([Code.UnschedulableAndUnresolvable, "node(s) didn't match the requested node name"]);
  });
});

describe('NodeUnschedulable', () => {
  it('keeps pods off cordoned nodes unless they tolerate node.kubernetes.io/unschedulable', () => {
    const cordoned = node({ name: 'c', unschedulable: true });
    const plugin = new NodeUnschedulable(fakeHandle(snapshotOf([cordoned])));
    expect(plugin.preFilter().code).toBe(Code.Success);
    expect(plugin.filter(state(), pod(), cordoned).message()).toBe('node(s) were unschedulable');
    const tolerant = pod({ tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] });
    expect(plugin.filter(state(), tolerant, cordoned).code).toBe(Code.Success);
    expect(new NodeUnschedulable(fakeHandle(snapshotOf([node({ name: 'ok' })]))).preFilter()).toBe(Status.SKIP);
  });
});

describe('TaintToleration', () => {
  const tainted = node({ name: 't', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
  const tt = () => new TaintToleration(fakeHandle(snapshotOf([tainted, node({ name: 'soft', taints: [{ key: 'a', effect: 'PreferNoSchedule' }] })])));

  it('skips filtering and scoring while no node has taints of the kind', () => {
    const plain = new TaintToleration(fakeHandle(snapshotOf([node({ name: 'plain' })])));
    expect(plain.preFilter()).toBe(Status.SKIP);
    expect(plain.preScore(state(), pod(), [])).toBe(Status.SKIP);
    expect(tt().preFilter().code).toBe(Code.Success);
  });

  it('requires NoSchedule/NoExecute taints to be tolerated', () => {
    const s = tt().filter(state(), pod(), tainted);
    expect([s.code, s.message()]).toEqual([Code.UnschedulableAndUnresolvable, 'node(s) had untolerated taint(s)']);
    for (const t of [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, { key: 'dedicated', operator: 'Exists' }, { operator: 'Exists' }]) {
      expect(tt().filter(state(), pod({ tolerations: [t] }), tainted).code).toBe(Code.Success);
    }
    expect(tt().filter(state(), pod({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'cpu' }] }), tainted).code).toBe(Code.UnschedulableAndUnresolvable);
  });

  it('scores nodes with fewer untolerated PreferNoSchedule taints higher', () => {
    const nodes = [node({ name: 'clean' }), node({ name: 'one', taints: [{ key: 'a', effect: 'PreferNoSchedule' }] }), node({ name: 'two', taints: [{ key: 'a', effect: 'PreferNoSchedule' }, { key: 'b', effect: 'PreferNoSchedule' }] })];
    const t = tt();
    const s = state();
    const p = pod();
    t.preScore(s, p, nodes);
    const scores = nodes.map((n) => t.score(s, p, n));
    expect(scores).toEqual([0, 1, 2]);
    t.normalizeScore(s, p, nodes, scores);
    expect(scores).toEqual([100, 50, 0]);
  });
});

describe('NodeAffinity', () => {
  const na = new NodeAffinity();
  const zoneA = node({ name: 'a', labels: { zone: 'a', gen: '5' } });
  const zoneB = node({ name: 'b', labels: { zone: 'b', gen: '3' } });
  const required = (expr: Record<string, unknown>[], fields: Record<string, unknown>[] = []) => ({
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: expr, matchFields: fields }] } },
  });

  it('skips pods without nodeSelector or required affinity', () => {
    expect(na.preFilter(state(), pod())).toBe(Status.SKIP);
  });

  it('matches nodeSelector and required terms', () => {
    const p = pod({ nodeSelector: { zone: 'a' } });
    expect(na.filter(state(), p, zoneA).code).toBe(Code.Success);
    const s = na.filter(state(), p, zoneB);
    expect([s.code, s.message()]).toEqual([Code.UnschedulableAndUnresolvable, "node(s) didn't match Pod's node affinity/selector"]);
    const gt = pod({ affinity: required([{ key: 'gen', operator: 'Gt', values: ['4'] }]) });
    expect([na.filter(state(), gt, zoneA).code, na.filter(state(), gt, zoneB).code]).toEqual([Code.Success, Code.UnschedulableAndUnresolvable]);
    const notIn = pod({ affinity: required([{ key: 'zone', operator: 'NotIn', values: ['a'] }, { key: 'gen', operator: 'Exists' }]) });
    expect([na.filter(state(), notIn, zoneA).code, na.filter(state(), notIn, zoneB).code]).toEqual([Code.UnschedulableAndUnresolvable, Code.Success]);
  });

  it('narrows the nodes to metadata.name In terms at PreFilter', () => {
    const r = na.preFilter(state(), pod({ affinity: required([], [{ key: 'metadata.name', operator: 'In', values: ['b', 'c'] }]) }));
    expect(r).toBeInstanceOf(PreFilterResult);
    expect([...(r as PreFilterResult).nodeNames]).toEqual(['b', 'c']);
  });

  it('scores preferred terms by weight', () => {
    const p = pod({ affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] } }] } } });
    expect(na.preScore(state(), p).code).toBe(Code.Success);
    const scores = [na.score(state(), p, zoneA), na.score(state(), p, zoneB)];
    na.normalizeScore(state(), p, [zoneA, zoneB], scores);
    expect(scores).toEqual([0, 100]);
  });
});

describe('NodePorts', () => {
  it('rejects nodes where the host port is taken', () => {
    const busy = node({ name: 'n' }, [{ hostPorts: [8080] }]);
    const np = new NodePorts();
    expect(np.preFilter(state(), pod())).toBe(Status.SKIP);
    const s = np.filter(state(), pod({ hostPorts: [8080] }), busy);
    expect([s.code, s.message()]).toEqual([Code.Unschedulable, "node(s) didn't have free ports for the requested pod ports"]);
    expect(np.filter(state(), pod({ hostPorts: [8081] }), busy).code).toBe(Code.Success);
  });

  it('lets different addresses share a port unless one binds 0.0.0.0', () => {
    const n = node({ name: 'n' });
    n.usedPorts.add({ ip: '10.0.0.1', protocol: 'TCP', port: 80 });
    expect(n.usedPorts.conflicts({ ip: '10.0.0.2', protocol: 'TCP', port: 80 })).toBe(false);
    expect(n.usedPorts.conflicts({ ip: '10.0.0.1', protocol: 'UDP', port: 80 })).toBe(false);
    expect(n.usedPorts.conflicts({ ip: '0.0.0.0', protocol: 'TCP', port: 80 })).toBe(true);
    expect(n.usedPorts.conflicts({ ip: '10.0.0.1', protocol: 'TCP', port: 80 })).toBe(true);
  });
});

describe('ImageLocality', () => {
  it('scores by the size of images present, scaled by how many nodes have them', () => {
    const mb = 1024 * 1024;
    const withImage = node({ name: 'a', images: [{ names: ['example.com/big:1'], sizeBytes: 500 * mb }] });
    const without = node({ name: 'b' });
    const il = new ImageLocality(fakeHandle(snapshotOf([withImage, without])));
    const p = pod({ image: 'example.com/big:1' });
    expect(il.preScore(state(), p).code).toBe(Code.Success);
    expect(il.preScore(state(), pod({ image: 'nowhere:1' }))).toBe(Status.SKIP);
    expect(il.score(state(), p, without)).toBe(0);
    expect(il.score(state(), p, withImage)).toBe(imageLocalityScore(250 * mb, 1));
    expect(imageLocalityScore(250 * mb, 1)).toBe(23);
    expect(imageLocalityScore(5000 * mb, 1)).toBe(100);
  });
});
