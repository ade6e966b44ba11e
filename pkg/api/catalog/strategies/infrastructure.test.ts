import { describe, expect, it } from 'vitest';
import type { Strategy } from '../../resource-def';
import type { KubeObject } from '../../types';
import { bootstrapFlowSchemas, bootstrapPriorityLevels } from '../defaults/flowcontrol-bootstrap';
import { certificateSigningRequestApprovalStrategy, certificateSigningRequestStatusStrategy, certificateSigningRequestStrategy } from './certificate-signing-request';
import { flowSchemaStrategy, priorityLevelConfigurationStrategy } from './flow-control';
import { hpaV1ToV2, hpaV2ToV1 } from './hpa-v1-conversion';
import { ingressStrategy, ipAddressStrategy, networkPolicyStrategy, serviceCIDRStrategy } from './networking';
import { storageClassStrategy, volumeAttachmentStrategy } from './storage';

const obj = (o: Partial<KubeObject> & Record<string, unknown>): KubeObject => ({ apiVersion: 'x/v1', kind: 'X', ...o, metadata: { name: 'o', ...(o.metadata ?? {}) } }) as KubeObject;
const fields = (errs: { field: string; detail: string }[]) => errs.map((e) => `${e.field}: ${e.detail}`);
const create = (s: Strategy, o: KubeObject) => {
  s.defaults?.(o);
  s.prepareForCreate?.(o);
  return fields(s.validate?.(o) ?? []);
};

describe('storage strategies', () => {
  it('defaults a StorageClass and forbids changing its provisioner and parameters', () => {
    const sc = obj({ provisioner: 'rancher.io/local-path' });
    expect(create(storageClassStrategy, sc)).toEqual([]);
    expect(sc).toMatchObject({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
    const changed = { ...sc, provisioner: 'other.io/x', parameters: { a: 'b' } };
    expect(fields(storageClassStrategy.validateUpdate!(changed, sc))).toEqual(['parameters: Forbidden: updates to parameters are forbidden.', 'provisioner: Forbidden: updates to provisioner are forbidden.']);
    expect(create(storageClassStrategy, obj({ reclaimPolicy: 'Recycle', provisioner: 'a.io/b' }))).toEqual(['reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"']);
  });

  it('needs exactly one VolumeAttachment source and keeps the spec', () => {
    const va = obj({ spec: { attacher: 'csi.io', nodeName: 'n1', source: {} } });
    expect(create(volumeAttachmentStrategy, va)).toEqual(['spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName']);
    const ok = obj({ spec: { attacher: 'csi.io', nodeName: 'n1', source: { persistentVolumeName: 'pv' } } });
    expect(fields(volumeAttachmentStrategy.validateUpdate!({ ...ok, spec: { ...(ok.spec as object), nodeName: 'n2' } }, ok))[0]).toContain('spec: Invalid value');
  });
});

describe('networking strategies', () => {
  it('validates ingress rules and backends', () => {
    const bad = obj({ metadata: { name: 'i', namespace: 'd' }, spec: { rules: [{ host: '10.0.0.1', http: { paths: [{ path: 'x', pathType: 'Prefix', backend: { service: { name: 's', port: {} } } }] } }] } });
    expect(create(ingressStrategy, bad)).toEqual([
      'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address',
      'spec.rules[0].http.paths[0].path: Invalid value: "x": must be an absolute path',
      'spec.rules[0].http.paths[0].backend.service.port: Invalid value: {}: port name or number is required',
    ]);
    expect(create(ingressStrategy, obj({ metadata: { name: 'i', namespace: 'd' }, spec: {} }))).toEqual(['spec: Invalid value: {}: either `defaultBackend` or `rules` must be specified']);
  });

  it('defaults network policy types and port protocols', () => {
    const np = obj({ metadata: { name: 'n', namespace: 'd' }, spec: { egress: [{ ports: [{ port: 53, protocol: 'UDP' }, { port: 'dns' }] }] } });
    expect(create(networkPolicyStrategy, np)).toEqual([]);
    expect(np.spec).toEqual({ podSelector: {}, egress: [{ ports: [{ port: 53, protocol: 'UDP' }, { port: 'dns', protocol: 'TCP' }] }], policyTypes: ['Ingress', 'Egress'] });
  });

  it('names IP addresses canonically and lets a ServiceCIDR gain its second family only', () => {
    const spec = { parentRef: { resource: 'services', name: 's' } };
    expect(create(ipAddressStrategy, obj({ metadata: { name: '2001:DB8::1' }, spec }))).toEqual(['metadata.name: Invalid value: "2001:DB8::1": must be in canonical form ("2001:db8::1")']);
    expect(create(ipAddressStrategy, obj({ metadata: { name: '2001:db8::1' }, spec }))).toEqual([]);
    const one = obj({ spec: { cidrs: ['10.0.0.0/24'] } });
    expect(create(serviceCIDRStrategy, one)).toEqual([]);
    expect(serviceCIDRStrategy.validateUpdate!(obj({ spec: { cidrs: ['10.0.0.0/24', 'fd00::/64'] } }), one)).toEqual([]);
    expect(fields(serviceCIDRStrategy.validateUpdate!(obj({ spec: { cidrs: ['10.1.0.0/24'] } }), one))[0]).toContain('field is immutable');
    expect(fields(serviceCIDRStrategy.validate!(obj({ spec: { cidrs: ['10.0.0.0/24', '10.1.0.0/24'] } })))[0]).toContain('no more than one IP for each IP family');
  });
});

describe('autoscaling v1 ⇄ v2', () => {
  it('round-trips a v2 object through v1 without losing what v1 cannot say', () => {
    const v2 = obj({
      apiVersion: 'autoscaling/v2',
      metadata: { name: 'h', namespace: 'd' },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'w' },
        minReplicas: 1,
        maxReplicas: 3,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
          { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
      },
      status: { currentReplicas: 2, desiredReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 30 } } }], conditions: [{ type: 'AbleToScale', status: 'True' }] },
    });
    const v1 = hpaV2ToV1(v2);
    expect(v1.spec).toEqual({ scaleTargetRef: { kind: 'Deployment', name: 'w' }, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 60 });
    expect(v1.status).toEqual({ currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 30 });
    expect(Object.keys(v1.metadata.annotations ?? {}).sort()).toEqual(['autoscaling.alpha.kubernetes.io/behavior', 'autoscaling.alpha.kubernetes.io/conditions', 'autoscaling.alpha.kubernetes.io/metrics']);
    const back = hpaV1ToV2(v1);
    expect(back.spec).toEqual(v2.spec);
    expect(back.status).toEqual(v2.status);
    expect(back.metadata.annotations).toBeUndefined();
  });
});

describe('certificate signing requests', () => {
  const request = Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n').toString('base64');
  const base = () => obj({ spec: { request, signerName: 'example.com/s', usages: ['client auth'] } });

  it('validates the request, signer name and usages', () => {
    expect(create(certificateSigningRequestStrategy, base())).toEqual([]);
    expect(create(certificateSigningRequestStrategy, obj({ spec: { request: 'eA==', signerName: 'nodomain', usages: ['bogus', 'bogus'] } }))).toEqual([
      'spec.request: Invalid value: "<value omitted>": PEM block type must be CERTIFICATE REQUEST',
      "spec.signerName: Invalid value: \"nodomain\": must be a fully qualified domain and path of the form 'example.com/signer-name'",
      expect.stringContaining('spec.usages[0]: Unsupported value: "bogus"'),
      'spec.usages[1]: Duplicate value: "bogus"',
      expect.stringContaining('spec.usages[1]: Unsupported value: "bogus"'),
    ]);
  });

  it('refuses the legacy-unknown signer in v1', () => {
    const legacy = base();
    (legacy.spec as Record<string, unknown>).signerName = 'kubernetes.io/legacy-unknown';
    expect(create(certificateSigningRequestStrategy, legacy)).toEqual(['spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version']);
  });

  it('writes approval only through /approval and the certificate only after approval', () => {
    const old = base();
    const approve = { ...old, status: { conditions: [{ type: 'Approved', reason: 'r' }] } };
    const viaStatus = structuredClone(approve);
    certificateSigningRequestStatusStrategy.prepareForUpdate!(viaStatus, old);
    expect(viaStatus.status).toEqual({});
    const viaApproval = structuredClone(approve);
    certificateSigningRequestApprovalStrategy.defaults!(viaApproval);
    certificateSigningRequestApprovalStrategy.prepareForUpdate!(viaApproval, old);
    expect(viaApproval.status).toEqual({ conditions: [{ type: 'Approved', reason: 'r', status: 'True' }] });
    const early = { ...old, status: { certificate: 'Y2VydA==' } };
    expect(fields(certificateSigningRequestStatusStrategy.validateUpdate!(early, old))).toEqual(['status.certificate: Forbidden: certificate may only be set on approved requests']);
    expect(certificateSigningRequestStatusStrategy.validateUpdate!({ ...viaApproval, status: { ...(viaApproval.status as object), certificate: 'Y2VydA==' } }, viaApproval)).toEqual([]);
    const both = { ...viaApproval, status: { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'True' }] } };
    expect(fields(certificateSigningRequestApprovalStrategy.validateUpdate!(both, viaApproval))[0]).toContain('mutually exclusive');
  });
});

describe('flow control', () => {
  it('the bootstrap objects are valid and keep their values through defaulting', () => {
    for (const o of bootstrapPriorityLevels()) expect(create(priorityLevelConfigurationStrategy, structuredClone(o)), o.metadata.name).toEqual([]);
    for (const o of bootstrapFlowSchemas()) expect(create(flowSchemaStrategy, structuredClone(o)), o.metadata.name).toEqual([]);
    const queued = structuredClone(bootstrapPriorityLevels().find((o) => o.metadata.name === 'workload-low')!);
    priorityLevelConfigurationStrategy.defaults!(queued);
    expect(queued.spec).toEqual({ type: 'Limited', limited: { nominalConcurrencyShares: 100, lendablePercent: 90, limitResponse: { type: 'Queue', queuing: { queues: 128, handSize: 6, queueLengthLimit: 50 } } } });
  });
});
