import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types';
import { BACKEND_DATA, BACKEND_TYPE, PUBLIC_IP, SUBNET_MANAGER, annotationPatch, isLease, leaseOf, ownAnnotations } from './annotations';
import { pickExternalInterface } from './external-interface';
import { parseBackend } from './flannel';
import { leaseFields } from './node-source';
import { masqueradeCleanup, masqueradeRules } from './masquerade';
import { desiredHostGw, desiredVxlan, peerLeases, planHostGw, planVxlan, type VxlanState } from './route-plan';
import { parseSubnetEnv, renderSubnetEnv, subnetFileFor } from './subnet-env';

const node = (name: string, podCIDR: string | undefined, annotations: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, annotations }, spec: podCIDR ? { podCIDR } : {} });
const vx = (ip: string, mac: string) => ownAnnotations('vxlan', ip, { vni: 1, mac });

describe('annotations', () => {
  it('announces vxlan backend data as flannel does', () => {
    expect(vx('10.0.0.2', 'aa:bb:cc:dd:ee:ff')).toEqual({
      [BACKEND_DATA]: '{"VNI":1,"VtepMAC":"aa:bb:cc:dd:ee:ff"}',
      [BACKEND_TYPE]: 'vxlan',
      [SUBNET_MANAGER]: 'true',
      [PUBLIC_IP]: '10.0.0.2',
    });
    expect(ownAnnotations('host-gw', '10.0.0.2')[BACKEND_DATA]).toBe('null');
  });

  it('patches only annotations that differ', () => {
    const want = vx('10.0.0.2', 'aa:bb:cc:dd:ee:ff');
    expect(annotationPatch(node('a', '10.42.0.0/24', want), want)).toBeUndefined();
    expect(annotationPatch(node('a', '10.42.0.0/24', { ...want, [PUBLIC_IP]: '10.0.0.9' }), want)).toEqual({ [PUBLIC_IP]: '10.0.0.2' });
  });

  it('reads leases and says why a node has none', () => {
    expect(leaseOf(node('b', '10.42.1.0/24', vx('10.0.0.3', 'AA:BB:CC:DD:EE:01')))).toEqual({ node: 'b', podCidr: '10.42.1.0/24', publicIp: '10.0.0.3', backendType: 'vxlan', vtepMac: 'aa:bb:cc:dd:ee:01', vni: 1 });
    expect(leaseOf(node('b', '10.42.1.0/24', ownAnnotations('host-gw', '10.0.0.3')))).toEqual({ node: 'b', podCidr: '10.42.1.0/24', publicIp: '10.0.0.3', backendType: 'host-gw' });
    expect(leaseOf(node('b', undefined, vx('10.0.0.3', 'aa:bb:cc:dd:ee:01')))).toEqual({ skip: 'no spec.podCIDR yet' });
    expect(leaseOf(node('b', '10.42.1.0/24'))).toEqual({ skip: 'no flannel annotations yet' });
    expect(leaseOf(node('b', '10.42.1.0/24', { ...vx('10.0.0.3', 'x'), [BACKEND_DATA]: '{"VNI":1}' }))).toEqual({ skip: `${BACKEND_DATA} has no VtepMAC` });
    expect(leaseOf(node('b', '10.42.1.0/24', { ...vx('10.0.0.3', 'x'), [BACKEND_DATA]: '{' }))).toEqual({ skip: `${BACKEND_DATA} is not JSON` });
    expect(leaseOf(node('b', '10.42.1.0/24', { ...vx('10.0.0.3', 'x'), [BACKEND_TYPE]: 'wireguard' }))).toEqual({ skip: 'backend type "wireguard" is not supported' });
    expect(leaseOf(node('b', 'nope', vx('10.0.0.3', 'aa:bb:cc:dd:ee:01')))).toEqual({ skip: 'spec.podCIDR "nope" is not an IPv4 CIDR' });
  });
});

describe('route plans', () => {
  const leases = [
    node('a', '10.42.0.0/24', vx('10.0.0.2', 'aa:aa:aa:aa:aa:aa')),
    node('b', '10.42.1.0/24', vx('10.0.0.3', 'bb:bb:bb:bb:bb:bb')),
    node('c', '10.42.2.0/24', vx('10.0.0.4', 'cc:cc:cc:cc:cc:cc')),
    node('d', '10.42.3.0/24', ownAnnotations('host-gw', '10.0.0.5')),
  ]
    .map(leaseOf)
    .filter(isLease);
  const self = { node: 'a', podCidr: '10.42.0.0/24' };

  it('routes, neighbours and FDB entries for every other vxlan node', () => {
    const peers = peerLeases(leases, self, 'vxlan');
    expect(peers.map((p) => p.node)).toEqual(['b', 'c']);
    const want = desiredVxlan(peers);
    expect(planVxlan({ routes: [], neighbors: [], fdb: [] }, want, 'flannel.1')).toEqual({
      ip: [
        'neigh replace 10.42.1.0 lladdr bb:bb:bb:bb:bb:bb dev flannel.1 nud permanent',
        'neigh replace 10.42.2.0 lladdr cc:cc:cc:cc:cc:cc dev flannel.1 nud permanent',
        'route replace 10.42.1.0/24 via 10.42.1.0 dev flannel.1 onlink',
        'route replace 10.42.2.0/24 via 10.42.2.0 dev flannel.1 onlink',
      ],
      bridge: ['fdb replace bb:bb:bb:bb:bb:bb dev flannel.1 dst 10.0.0.3 self permanent', 'fdb replace cc:cc:cc:cc:cc:cc dev flannel.1 dst 10.0.0.4 self permanent'],
    });
    // Already programmed: nothing to do.
    expect(planVxlan(want, want, 'flannel.1')).toEqual({ ip: [], bridge: [] });
  });

  it('removes a deleted node and replaces a changed one', () => {
    const before: VxlanState = desiredVxlan(peerLeases(leases, self, 'vxlan'));
    // c is deleted; b re-created its VTEP (new MAC) and moved to another IP.
    const b2 = leaseOf(node('b', '10.42.1.0/24', vx('10.0.0.13', 'b2:b2:b2:b2:b2:b2')));
    const after = desiredVxlan(peerLeases([leases[0]!, b2].filter(isLease), self, 'vxlan'));
    expect(planVxlan(before, after, 'flannel.1')).toEqual({
      ip: ['route del 10.42.2.0/24 dev flannel.1', 'neigh del 10.42.2.0 dev flannel.1', 'neigh replace 10.42.1.0 lladdr b2:b2:b2:b2:b2:b2 dev flannel.1 nud permanent'],
      bridge: [
        'fdb del bb:bb:bb:bb:bb:bb dev flannel.1 dst 10.0.0.3 self',
        'fdb del cc:cc:cc:cc:cc:cc dev flannel.1 dst 10.0.0.4 self',
        'fdb replace b2:b2:b2:b2:b2:b2 dev flannel.1 dst 10.0.0.13 self permanent',
      ],
    });
  });

  it('host-gw routes via node IPs, removing stale ones', () => {
    const hg = leases.map((l) => ({ ...l, backendType: 'host-gw' as const }));
    const want = desiredHostGw(peerLeases(hg, self, 'host-gw'));
    expect(want).toEqual([
      { dst: '10.42.1.0/24', gateway: '10.0.0.3' },
      { dst: '10.42.2.0/24', gateway: '10.0.0.4' },
      { dst: '10.42.3.0/24', gateway: '10.0.0.5' },
    ]);
    expect(planHostGw([{ dst: '10.42.9.0/24', gateway: '10.0.0.9' }, want[0]!], want.slice(0, 2), 'eth0')).toEqual({
      ip: ['route del 10.42.9.0/24 via 10.0.0.9', 'route replace 10.42.2.0/24 via 10.0.0.4 dev eth0'],
      bridge: [],
    });
    // Switching to vxlan removes every host-gw route.
    expect(planHostGw(want, [], 'eth0').ip).toHaveLength(3);
  });
});

describe('subnet.env', () => {
  it('renders what flannel writes', () => {
    const text = renderSubnetEnv({ network: '10.42.0.0/16', podCidr: '10.42.3.0/24', mtu: 1450, ipMasq: true });
    expect(text).toBe('FLANNEL_NETWORK=10.42.0.0/16\nFLANNEL_SUBNET=10.42.3.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n');
    expect(parseSubnetEnv(text)).toEqual({ FLANNEL_NETWORK: '10.42.0.0/16', FLANNEL_SUBNET: '10.42.3.1/24', FLANNEL_MTU: '1450', FLANNEL_IPMASQ: 'true' });
  });

  it('lives under the agent run dir for non-default data dirs', () => {
    expect(subnetFileFor('/run/k3ts')).toBe('/run/flannel/subnet.env');
    expect(subnetFileFor('/run/k3ts-1234abcd')).toBe('/run/k3ts-1234abcd/flannel/subnet.env');
  });
});

describe('masquerade rules', () => {
  it('SNATs traffic leaving the cluster CIDR and accepts forwarding', () => {
    const r = masqueradeRules('10.42.0.0/16', '10.42.1.0/24', true);
    expect(r).toContain('-A FLANNEL-POSTRTG -s 10.42.1.0/24 -d 10.42.0.0/16 -m comment --comment "flanneld masq" -j RETURN');
    expect(r).toContain('-A FLANNEL-POSTRTG -s 10.42.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully');
    expect(r).toContain('-A FLANNEL-FWD -s 10.42.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT');
    expect(masqueradeRules('10.42.0.0/16', '10.42.1.0/24', false)).not.toContain('MASQUERADE');
  });

  it('cleans chains and jumps from a save, leaving others alone', () => {
    const save = [
      '*nat',
      ':POSTROUTING ACCEPT [0:0]',
      ':FLANNEL-POSTRTG - [0:0]',
      ':K3TS-POSTROUTING - [0:0]',
      '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
      '-A POSTROUTING -j K3TS-POSTROUTING',
      '-A FLANNEL-POSTRTG -s 10.42.0.0/16 -j MASQUERADE',
      'COMMIT',
      '*filter',
      ':FORWARD ACCEPT [0:0]',
      ':FLANNEL-FWD - [0:0]',
      '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
      'COMMIT',
      '',
    ].join('\n');
    expect(masqueradeCleanup(save)).toBe(
      [
        '*nat',
        '-D POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
        '-F FLANNEL-POSTRTG',
        '-X FLANNEL-POSTRTG',
        'COMMIT',
        '*filter',
        '-D FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
        '-F FLANNEL-FWD',
        '-X FLANNEL-FWD',
        'COMMIT',
        '',
      ].join('\n'),
    );
    expect(masqueradeCleanup('*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n')).toBeUndefined();
  });
});

describe('external interface and backend', () => {
  const links = [
    { ifname: 'lo', mtu: 65536, addr_info: [{ family: 'inet', local: '127.0.0.1', scope: 'host' }] },
    { ifname: 'eth0', mtu: 1500, addr_info: [{ family: 'inet', local: '10.0.0.2', scope: 'global' }] },
    { ifname: 'eth1', mtu: 9000, addr_info: [{ family: 'inet', local: '192.168.5.2', scope: 'global' }, { family: 'inet', local: '192.168.6.2', scope: 'global' }] },
  ];

  it('picks by --flannel-iface, --node-ip, then the default route', () => {
    expect(pickExternalInterface(links, { iface: 'eth1' })).toEqual({ name: 'eth1', address: '192.168.5.2', mtu: 9000 });
    expect(pickExternalInterface(links, { iface: 'eth1', nodeIp: '192.168.6.2' }).address).toBe('192.168.6.2');
    expect(pickExternalInterface(links, { nodeIp: '192.168.6.2' })).toEqual({ name: 'eth1', address: '192.168.6.2', mtu: 9000 });
    expect(pickExternalInterface(links, { defaultDev: 'eth0' })).toEqual({ name: 'eth0', address: '10.0.0.2', mtu: 1500 });
    expect(() => pickExternalInterface(links, { iface: 'wlan0' })).toThrow(/--flannel-iface wlan0: no such interface/);
    expect(() => pickExternalInterface(links, { nodeIp: '10.9.9.9' })).toThrow(/not an address of any interface/);
    expect(() => pickExternalInterface(links, {})).toThrow(/no default route/);
  });

  it('accepts the three backends only', () => {
    expect(parseBackend(undefined)).toBe('vxlan');
    expect(parseBackend('host-gw')).toBe('host-gw');
    expect(() => parseBackend('wireguard-native')).toThrow(/expected one of vxlan, host-gw, none/);
  });
});

describe('node changes that matter', () => {
  it('ignores status heartbeats and other annotations, not pod range or lease changes', () => {
    const a = node('b', '10.42.1.0/24', { ...vx('10.0.0.3', 'aa:bb:cc:dd:ee:01'), other: 'x' });
    expect(leaseFields({ ...a, status: { conditions: [] }, metadata: { ...a.metadata, resourceVersion: '9', annotations: { ...a.metadata.annotations, other: 'y' } } })).toBe(leaseFields(a));
    expect(leaseFields(node('b', '10.42.2.0/24', a.metadata.annotations))).not.toBe(leaseFields(a));
    expect(leaseFields(node('b', '10.42.1.0/24', { ...a.metadata.annotations, [PUBLIC_IP]: '10.0.0.4' }))).not.toBe(leaseFields(a));
  });
});
