import { describe, expect, it } from 'vitest';
import { servicePorts } from './proxy-model';
import { buildRuleSet, buildRules, chainsOf, cleanupRules, sepChain, svcChain, svlChain, xlbChain } from './proxy-rules';

const svc = (name: string, spec: Record<string, unknown>) => ({ metadata: { namespace: 'default', name }, spec });
const slice = (svcName: string, endpoints: { ip: string; ready?: boolean }[], port = 80) => ({
  metadata: { namespace: 'default', name: `${svcName}-abc`, labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4',
  ports: [{ name: '', port, protocol: 'TCP' }],
  endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: e.ready === undefined ? {} : { ready: e.ready } })),
});

describe('servicePorts', () => {
  it('keeps only ready endpoints (unset counts as ready) and reads nodePort and affinity', () => {
    const ports = servicePorts(
      svc('web', { type: 'NodePort', clusterIP: '10.43.0.10', ports: [{ port: 8080, targetPort: 80, nodePort: 30080 }], sessionAffinity: 'ClientIP' }),
      [slice('web', [{ ip: '10.42.0.5' }, { ip: '10.42.0.6', ready: false }, { ip: '10.42.0.4', ready: true }])],
    );
    expect(ports).toEqual([{ id: 'default/web:', clusterIPs: ['10.43.0.10'], protocol: 'tcp', port: 8080, nodePort: 30080, externalIPs: [], affinitySeconds: 10800, endpoints: [{ ip: '10.42.0.4', port: 80 }, { ip: '10.42.0.5', port: 80 }] }]);
  });
  it('skips headless and ExternalName services', () => {
    expect(servicePorts(svc('h', { clusterIP: 'None', ports: [{ port: 80 }] }), [])).toEqual([]);
    expect(servicePorts(svc('x', { type: 'ExternalName', externalName: 'a.b' }), [])).toEqual([]);
  });
});

describe('buildRules', () => {
  it('serves externalIPs and LoadBalancer ingress IPs like the ClusterIP, always masqueraded', () => {
    const lb = { ...svc('lb', { type: 'LoadBalancer', clusterIP: '10.43.0.11', externalIPs: ['198.51.100.7'], ports: [{ port: 80 }] }), status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } };
    const ports = servicePorts(lb, [slice('lb', [{ ip: '10.42.0.9' }])]);
    expect(ports[0]!.externalIPs).toEqual(['192.0.2.10', '198.51.100.7']);
    const text = buildRules({ ports, clusterCidr: '10.42.0.0/16', existing: { nat: [], filter: [] } });
    for (const ip of ['192.0.2.10', '198.51.100.7']) {
      expect(text).toContain(`-A K3TS-SERVICES -d ${ip}/32 -p tcp -m tcp --dport 80 -m comment --comment "default/lb: external IP" -j K3TS-MARK-MASQ`);
      expect(text).toContain(`-A K3TS-SERVICES -d ${ip}/32 -p tcp -m tcp --dport 80 -m comment --comment "default/lb: external IP" -j ${svcChain('default/lb:', 'tcp')}`);
    }
  });

  const ports = servicePorts(svc('web', { clusterIP: '10.43.0.10', ports: [{ port: 8080, nodePort: 30080 }] }), [slice('web', [{ ip: '10.42.0.4' }, { ip: '10.42.0.5' }])]);
  it('spreads a ClusterIP over its endpoints, masquerades off-pod-network and hairpin traffic', () => {
    const text = buildRules({ ports, clusterCidr: '10.42.0.0/16', existing: { nat: [], filter: [] } });
    const s = svcChain('default/web:', 'tcp');
    const a = sepChain('default/web:', 'tcp', '10.42.0.4', 80);
    const b = sepChain('default/web:', 'tcp', '10.42.0.5', 80);
    expect(s.length).toBeLessThanOrEqual(28);
    expect(text).toContain(`-A K3TS-SERVICES -d 10.43.0.10/32 -p tcp -m tcp --dport 8080 ! -s 10.42.0.0/16 -m comment --comment "default/web:" -j K3TS-MARK-MASQ`);
    expect(text).toContain(`-A ${s} -m statistic --mode random --probability 0.5000000000 -j ${a}`);
    expect(text).toContain(`-A ${s} -j ${b}`);
    expect(text).toContain(`-A ${a} -s 10.42.0.4/32 -j K3TS-MARK-MASQ`);
    expect(text).toContain(`-A ${a} -p tcp -m tcp -j DNAT --to-destination 10.42.0.4:80`);
    expect(text).toContain('-A K3TS-NODEPORTS -p tcp -m tcp --dport 30080 -m comment --comment "default/web:" -j ' + s);
    expect(text).not.toContain('REJECT');
  });
  it('leaves unchanged SVC/SEP chains out of the next sync, rewriting the changed ones', () => {
    const first = buildRuleSet({ ports, clusterCidr: '10.42.0.0/16', existing: { nat: [], filter: [] } });
    expect(first.unchanged).toBe(0);
    const existing = { nat: ['K3TS-SERVICES', ...first.chainRules.keys()], filter: [] };
    const same = buildRuleSet({ ports, clusterCidr: '10.42.0.0/16', existing, previous: first.chainRules });
    expect(same.unchanged).toBe(3);
    expect(same.text).not.toMatch(/K3TS-S(VC|EP)-\S+ - \[0:0\]/);
    expect(same.text).toContain(`-j ${svcChain('default/web:', 'tcp')}`);
    const moved = servicePorts(svc('web', { clusterIP: '10.43.0.10', ports: [{ port: 8080, nodePort: 30080 }] }), [slice('web', [{ ip: '10.42.0.4' }, { ip: '10.42.0.6' }])]);
    const next = buildRuleSet({ ports: moved, clusterCidr: '10.42.0.0/16', existing, previous: first.chainRules });
    // The SVC chain and the new SEP chain are written, 10.42.0.4's kept, 10.42.0.5's deleted.
    expect(next.unchanged).toBe(1);
    expect(next.text).toContain(`:${sepChain('default/web:', 'tcp', '10.42.0.6', 80)} - [0:0]`);
    expect(next.text).not.toContain(`:${sepChain('default/web:', 'tcp', '10.42.0.4', 80)} - [0:0]`);
    expect(next.text).toContain(`-X ${sepChain('default/web:', 'tcp', '10.42.0.5', 80)}`);
  });
  it('rejects services without ready endpoints and deletes stale chains', () => {
    const empty = servicePorts(svc('web', { clusterIP: '10.43.0.10', ports: [{ port: 8080 }] }), [slice('web', [{ ip: '10.42.0.4', ready: false }])]);
    const old = svcChain('default/web:', 'tcp');
    const text = buildRules({ ports: empty, clusterCidr: '10.42.0.0/16', existing: { nat: ['PREROUTING', 'K3TS-SERVICES', old], filter: [] } });
    expect(text).toContain('-A K3TS-SERVICES -d 10.43.0.10/32 -p tcp -m tcp --dport 8080 -m comment --comment "default/web: has no endpoints" -j REJECT');
    expect(text).toContain(`:${old} - [0:0]`);
    expect(text).toContain(`-X ${old}`);
    expect(text).not.toContain('-X K3TS-SERVICES');
  });
});

describe('chainsOf / cleanupRules', () => {
  const save = [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':K3TS-SERVICES - [0:0]',
    ':K3TS-SVC-AAAA - [0:0]',
    '-A PREROUTING -m comment --comment "k3ts service portals" -j K3TS-SERVICES',
    '-A PREROUTING -j CNI-HOSTPORT-DNAT',
    '-A K3TS-SERVICES -j K3TS-SVC-AAAA',
    'COMMIT',
    '*filter',
    ':INPUT ACCEPT [0:0]',
    'COMMIT',
    '',
  ].join('\n');
  it('lists chains per table', () => {
    expect(chainsOf(save, 'nat')).toEqual(['PREROUTING', 'K3TS-SERVICES', 'K3TS-SVC-AAAA']);
    expect(chainsOf(save, 'filter')).toEqual(['INPUT']);
  });
  it('removes our jumps and chains only', () => {
    expect(cleanupRules(save)).toBe(['*nat', '-D PREROUTING -m comment --comment "k3ts service portals" -j K3TS-SERVICES', '-F K3TS-SERVICES', '-F K3TS-SVC-AAAA', '-X K3TS-SERVICES', '-X K3TS-SVC-AAAA', 'COMMIT', ''].join('\n'));
    expect(cleanupRules('*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n')).toBeUndefined();
  });
});

describe('traffic policies', () => {
  const nodeSlice = (svcName: string, eps: { ip: string; node: string }[]) => ({
    metadata: { namespace: 'default', name: `${svcName}-n`, labels: { 'kubernetes.io/service-name': svcName } },
    addressType: 'IPv4',
    ports: [{ name: '', port: 80, protocol: 'TCP' }],
    endpoints: eps.map((e) => ({ addresses: [e.ip], nodeName: e.node, conditions: { ready: true } })),
  });
  const eps = [{ ip: '10.42.0.4', node: 'me' }, { ip: '10.42.1.4', node: 'other' }];

  it('internalTrafficPolicy Local sends ClusterIP traffic to local endpoints only, drops without one', () => {
    const ports = servicePorts(svc('dns', { clusterIP: '10.43.0.10', internalTrafficPolicy: 'Local', ports: [{ port: 53 }] }), [nodeSlice('dns', eps)], 'me');
    expect(ports[0]!.endpoints).toEqual([{ ip: '10.42.0.4', port: 80, local: true }, { ip: '10.42.1.4', port: 80 }]);
    const text = buildRules({ ports, clusterCidr: '10.42.0.0/16', existing: { nat: [], filter: [] } });
    const svl = svlChain('default/dns:', 'tcp');
    expect(text).toContain(`-A K3TS-SERVICES -d 10.43.0.10/32 -p tcp -m tcp --dport 53 -m comment --comment "default/dns:" -j ${svl}`);
    expect(text).toContain(`-A ${svl} -j ${sepChain('default/dns:', 'tcp', '10.42.0.4', 80)}`);
    expect(text).not.toMatch(new RegExp(`-A ${svl} .*10\\.42\\.1\\.4`));
    const elsewhere = servicePorts(svc('dns', { clusterIP: '10.43.0.10', internalTrafficPolicy: 'Local', ports: [{ port: 53 }] }), [nodeSlice('dns', eps)], 'third');
    const none = buildRules({ ports: elsewhere, clusterCidr: '10.42.0.0/16', existing: { nat: [], filter: [] } });
    expect(none).toContain('-A K3TS-SERVICES -d 10.43.0.10/32 -p tcp -m tcp --dport 53 -m comment --comment "default/dns: has no local endpoints (internalTrafficPolicy Local)" -j DROP');
    expect(none).not.toContain(`-d 10.43.0.10/32 -p tcp -m tcp --dport 53 -m comment --comment "default/dns:" -j`);
  });

  it('externalTrafficPolicy Local: NodePort and LB IPs to local endpoints unmasqueraded, pods and the node cluster-wide', () => {
    const spec = { type: 'LoadBalancer', clusterIP: '10.43.0.12', externalTrafficPolicy: 'Local', healthCheckNodePort: 32000, ports: [{ port: 80, nodePort: 30081 }] };
    const lbSvc = { ...svc('lb', spec), status: { loadBalancer: { ingress: [{ ip: '192.0.2.2' }] } } };
    const ports = servicePorts(lbSvc, [nodeSlice('lb', eps)], 'me');
    expect(ports[0]).toMatchObject({ externalLocal: true, healthCheckNodePort: 32000 });
    const text = buildRules({ ports, clusterCidr: '10.42.0.0/16', existing: { nat: [], filter: [] } });
    const xlb = xlbChain('default/lb:', 'tcp');
    const s = svcChain('default/lb:', 'tcp');
    const svl = svlChain('default/lb:', 'tcp');
    expect(text).toContain(`-A K3TS-SERVICES -d 192.0.2.2/32 -p tcp -m tcp --dport 80 -m comment --comment "default/lb: external IP" -j ${xlb}`);
    expect(text).not.toContain('-d 192.0.2.2/32 -p tcp -m tcp --dport 80 -m comment --comment "default/lb: external IP" -j K3TS-MARK-MASQ');
    expect(text).toContain(`-A K3TS-NODEPORTS -p tcp -m tcp --dport 30081 -m comment --comment "default/lb:" -j ${xlb}`);
    expect(text).toContain(`-A ${xlb} -s 10.42.0.0/16 -m comment --comment "pod traffic for external destinations" -j ${s}`);
    expect(text).toContain(`-A ${xlb} -m addrtype --src-type LOCAL -m comment --comment "masquerade local traffic" -j K3TS-MARK-MASQ`);
    expect(text).toContain(`-A ${xlb} -j ${svl}`);
    // The ClusterIP keeps the cluster-wide chain (both endpoints).
    expect(text).toContain(`-A ${s} -m statistic --mode random --probability 0.5000000000 -j ${sepChain('default/lb:', 'tcp', '10.42.0.4', 80)}`);
    // No local endpoint: external traffic is dropped in filter, the XLB chain only short-circuits pods and the node.
    const remote = buildRules({ ports: servicePorts(lbSvc, [nodeSlice('lb', eps)], 'third'), clusterCidr: '10.42.0.0/16', existing: { nat: [], filter: [] } });
    expect(remote).toContain('-A K3TS-SERVICES -d 192.0.2.2/32 -p tcp -m tcp --dport 80 -m comment --comment "default/lb: has no local endpoints (externalTrafficPolicy Local)" -j DROP');
    expect(remote).toContain('-A K3TS-SERVICES -m addrtype --dst-type LOCAL -p tcp -m tcp --dport 30081 -m comment --comment "default/lb: has no local endpoints (externalTrafficPolicy Local)" -j DROP');
    expect(remote).not.toContain(svl);
  });

  it('cleanupRules removes SVL and XLB chains too', () => {
    const save = ['*nat', ':K3TS-XLB-AAAA - [0:0]', ':K3TS-SVL-BBBB - [0:0]', '-A K3TS-XLB-AAAA -j K3TS-SVL-BBBB', 'COMMIT', ''].join('\n');
    expect(cleanupRules(save)).toContain('-X K3TS-XLB-AAAA');
    expect(cleanupRules(save)).toContain('-X K3TS-SVL-BBBB');
  });
});
