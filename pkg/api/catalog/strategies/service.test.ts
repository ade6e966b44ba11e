import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../types';
import { createBuiltinCatalog } from '../catalog';
import { describeErrors, runCreate, runUpdate } from '../strategy-runner';

const services = createBuiltinCatalog().resource('', 'v1', 'services')!;
const svc = (spec: Record<string, unknown>, name = 'web'): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });

describe('service strategy', () => {
  it('applies v1 defaults', () => {
    const { object, errors } = runCreate(services, svc({ selector: { app: 'web' }, ports: [{ port: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns', name: 'dns' }].slice(0, 1) }));
    expect(errors).toEqual([]);
    expect(object.spec).toEqual({
      selector: { app: 'web' },
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
      type: 'ClusterIP',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ipFamilyPolicy: 'SingleStack',
      ipFamilies: ['IPv4'],
    });
    expect(object.status).toEqual({ loadBalancer: {} });
  });

  it('defaults NodePort and LoadBalancer traffic fields', () => {
    const lb = runCreate(services, svc({ type: 'LoadBalancer', ports: [{ port: 443 }], sessionAffinity: 'ClientIP' })).object.spec as any;
    expect(lb).toMatchObject({ externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: true, sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } });
    const headless = runCreate(services, svc({ clusterIP: 'None' })).object.spec as any;
    expect(headless).toMatchObject({ clusterIPs: ['None'], ipFamilyPolicy: 'RequireDualStack' });
  });

  it('validates names, ports and types', () => {
    const { errors } = runCreate(services, svc({ ports: [{ port: 0 }, { port: 80, nodePort: 30080 }] }, '1web'));
    expect(describeErrors(errors)).toEqual([
      expect.stringMatching(/^metadata\.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character/),
      'spec.ports[0].name: Required value',
      'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ports[1].name: Required value',
      "spec.ports[1].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    ]);
    expect(describeErrors(runCreate(services, svc({})).errors)).toEqual(['spec.ports: Required value']);
    expect(describeErrors(runCreate(services, svc({ type: 'ExternalName' })).errors)).toEqual(['spec.externalName: Required value']);
    expect(runCreate(services, svc({ type: 'ExternalName', externalName: 'db.example.com' })).errors).toEqual([]);
    expect(describeErrors(runCreate(services, svc({ type: 'Magic', ports: [{ port: 1 }] })).errors)).toEqual([
      'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    ]);
  });

  it('keeps allocated cluster IPs and node ports when an update omits them, and refuses changes', () => {
    const created = runCreate(services, svc({ type: 'NodePort', ports: [{ name: 'http', port: 80 }] })).object;
    const spec = created.spec as any;
    spec.clusterIP = '10.43.0.10';
    spec.clusterIPs = ['10.43.0.10'];
    spec.ports[0].nodePort = 30080;
    const resent = svc({ type: 'NodePort', ports: [{ name: 'http', port: 80 }] });
    const { object, errors } = runUpdate(services, resent, created);
    expect(errors).toEqual([]);
    expect(object.spec).toMatchObject({ clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'], ports: [{ nodePort: 30080 }] });

    const moved = svc({ type: 'NodePort', clusterIP: '10.43.0.11', ports: [{ name: 'http', port: 80 }] });
    expect(describeErrors(runUpdate(services, moved, created).errors)).toEqual(['spec.clusterIPs[0]: Invalid value: ["10.43.0.11"]: may not change once set']);

    const toExternal = svc({ type: 'ExternalName', externalName: 'x.example.com', ports: [{ name: 'http', port: 80 }] });
    const ext = runUpdate(services, toExternal, created);
    expect(ext.errors).toEqual([]);
    expect((ext.object.spec as any).clusterIP).toBeUndefined();
    expect((ext.object.spec as any).ports[0].nodePort).toBeUndefined();
  });
});
