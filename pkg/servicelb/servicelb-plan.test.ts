// ServiceLB's decisions: eligible nodes (enablelb label, Ready, ExternalIP before InternalIP), the
// oldest holder of a port keeping it, loadBalancerClass Services ignored, and the addon flags.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types';
import { networkAddonsFromFlags } from './network-addons';
import { eligibleNodeIPs, isServiceLbService, nodeLbFingerprint, planLoadBalancers } from './servicelb-plan';

const node = (name: string, ips: { internal: string; external?: string }, opts: { labels?: Record<string, string>; ready?: boolean } = {}): KubeObject =>
  ({
    metadata: { name, labels: opts.labels ?? {} },
    status: {
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
      addresses: [{ type: 'InternalIP', address: ips.internal }, ...(ips.external ? [{ type: 'ExternalIP', address: ips.external }] : [])],
    },
  }) as KubeObject;

const lb = (name: string, created: string, ports: number[], cls?: string): KubeObject =>
  ({ metadata: { name, namespace: 'default', creationTimestamp: created }, spec: { type: 'LoadBalancer', ...(cls ? { loadBalancerClass: cls } : {}), ports: ports.map((port) => ({ port, protocol: 'TCP' })) } }) as KubeObject;

describe('ServiceLB plan', () => {
  const nodes = [node('a', { internal: '10.0.0.1' }), node('b', { internal: '10.0.0.2', external: '203.0.113.2' }), node('c', { internal: '10.0.0.3' }, { ready: false })];

  it('serves on every Ready node, preferring ExternalIP', () => {
    expect(eligibleNodeIPs(nodes)).toEqual(['10.0.0.1', '203.0.113.2']);
  });

  it('only on labelled nodes once any node has the enablelb label', () => {
    const labelled = [...nodes, node('d', { internal: '10.0.0.4' }, { labels: { 'svccontroller.k3s.cattle.io/enablelb': 'true' } })];
    expect(eligibleNodeIPs(labelled)).toEqual(['10.0.0.4']);
  });

  it('fingerprints only what decides eligibility (heartbeats and pod CIDRs do not count)', () => {
    const a = node('a', { internal: '10.0.0.1' });
    const beat = { ...a, spec: { podCIDR: '10.42.0.0/24' }, status: { ...(a.status as object), conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:10Z' }] } } as KubeObject;
    expect(nodeLbFingerprint(beat)).toBe(nodeLbFingerprint(a));
    expect(nodeLbFingerprint(node('a', { internal: '10.0.0.1' }, { ready: false }))).not.toBe(nodeLbFingerprint(a));
    expect(nodeLbFingerprint(node('a', { internal: '10.0.0.9' }))).not.toBe(nodeLbFingerprint(a));
    expect(nodeLbFingerprint(node('a', { internal: '10.0.0.1' }, { labels: { 'svccontroller.k3ts.io/enablelb': 'true' } }))).not.toBe(nodeLbFingerprint(a));
    expect(nodeLbFingerprint({ ...a, spec: { unschedulable: true } } as KubeObject)).not.toBe(nodeLbFingerprint(a));
  });

  it('keeps a port for its oldest holder and leaves the later Service pending', () => {
    const plan = planLoadBalancers([lb('second', '2026-01-02T00:00:00Z', [80]), lb('first', '2026-01-01T00:00:00Z', [80, 443]), lb('other', '2026-01-03T00:00:00Z', [8080])], nodes);
    expect(plan.get('default/first')).toEqual({ ips: ['10.0.0.1', '203.0.113.2'] });
    expect(plan.get('default/second')).toEqual({ ips: [], conflict: { port: '80/TCP', holder: 'default/first' } });
    expect(plan.get('default/other')!.ips).toHaveLength(2);
  });

  it('ignores Services with a loadBalancerClass and non-LoadBalancer Services', () => {
    const classed = lb('classed', '2026-01-01T00:00:00Z', [80], 'example.com/lb');
    expect(isServiceLbService(classed)).toBe(false);
    expect(planLoadBalancers([classed], nodes).size).toBe(0);
    expect(isServiceLbService({ metadata: { name: 'x' }, spec: { type: 'NodePort' } } as KubeObject)).toBe(false);
  });

  it('reads --cluster-dns-provider and --disable', () => {
    expect(networkAddonsFromFlags({ clusterDns: '10.43.0.10', disable: [] })).toEqual({ clusterDnsIP: '10.43.0.10', serviceLb: true });
    expect(networkAddonsFromFlags({ clusterDns: '10.43.0.10', clusterDnsProvider: 'coredns', disable: ['servicelb'] })).toEqual({ clusterDnsIP: undefined, serviceLb: false });
    expect(networkAddonsFromFlags({ clusterDns: '10.43.0.10', disable: ['traefik,coredns'] }).clusterDnsIP).toBeUndefined();
  });
});
