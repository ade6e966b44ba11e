import { describe, expect, it } from 'vitest';
import { validatePodSpec, validatePodTemplateSpec } from './pod-spec';

const lines = (errs: { field: string; detail: string }[]) => errs.map((e) => `${e.field}: ${e.detail}`);
const base = { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' };
const ctr = (extra: Record<string, unknown> = {}) => ({ name: 'app', image: 'nginx', imagePullPolicy: 'IfNotPresent', terminationMessagePolicy: 'File', ...extra });

describe('validatePodSpec', () => {
  it('requires containers, names and images', () => {
    expect(lines(validatePodSpec({ ...base }, 'spec'))).toEqual(['spec.containers: Required value']);
    const errs = validatePodSpec({ ...base, containers: [ctr({ name: '', image: '' })] }, 'spec');
    expect(errs.map((e) => e.field)).toEqual(['spec.containers[0].name', 'spec.containers[0].image']);
  });

  it('reports duplicate container names across regular and init containers', () => {
    const errs = validatePodSpec({ ...base, containers: [ctr(), ctr()], initContainers: [ctr()] }, 'spec');
    expect(lines(errs)).toEqual(['spec.containers[1].name: Duplicate value: "app"', 'spec.initContainers[0].name: Duplicate value: "app"']);
  });

  it('checks ports, protocols and port names', () => {
    const errs = validatePodSpec(
      {
        ...base,
        containers: [
          ctr({
            ports: [
              { containerPort: 70000, protocol: 'TCP' },
              { containerPort: 80, protocol: 'HTTP', name: 'http' },
              { protocol: 'TCP', name: 'http' },
            ],
          }),
        ],
      },
      'spec',
    );
    expect(lines(errs)).toEqual([
      'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[0].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      'spec.containers[0].ports[2].name: Duplicate value: "http"',
      'spec.containers[0].ports[2].containerPort: Required value',
    ]);
  });

  it('checks volumes, mounts and env', () => {
    const errs = validatePodSpec(
      {
        ...base,
        volumes: [{ name: 'data', emptyDir: {} }, { name: 'data', configMap: { name: 'cm' }, secret: { secretName: 's' } }],
        containers: [
          ctr({
            volumeMounts: [{ name: 'missing', mountPath: '/x' }, { name: 'data', mountPath: '' }],
            env: [{ name: '' }, { name: 'A', valueFrom: {} }],
          }),
        ],
      },
      'spec',
    );
    expect(lines(errs)).toEqual([
      'spec.volumes[1].name: Duplicate value: "data"',
      'spec.volumes[1].configMap: Forbidden: may not specify more than 1 volume type',
      'spec.containers[0].env[0].name: Required value',
      'spec.containers[0].env[1].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
      'spec.containers[0].volumeMounts[0].name: Not found: "missing"',
      'spec.containers[0].volumeMounts[1].mountPath: Required value',
    ]);
  });

  it('checks policies, tolerations and probes', () => {
    const errs = validatePodSpec(
      {
        restartPolicy: 'Sometimes',
        dnsPolicy: 'None',
        containers: [ctr({ livenessProbe: { successThreshold: 2, httpGet: { port: 0 } } })],
        tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }],
      },
      'spec',
    );
    expect(lines(errs)).toEqual([
      'spec.containers[0].livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      'spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None',
      `spec.tolerations[0].operator: Invalid value: {"key":"k","operator":"Exists","value":"v"}: value must be empty when \`operator\` is 'Exists'`,
    ]);
  });

  it('validates template metadata and forbids ephemeral containers in templates', () => {
    const errs = validatePodTemplateSpec(
      { metadata: { labels: { 'a b': 'c' } }, spec: { ...base, containers: [ctr()], ephemeralContainers: [{ name: 'dbg', image: 'busybox', imagePullPolicy: 'Always', terminationMessagePolicy: 'File' }] } },
      'spec.template',
    );
    expect(errs.map((e) => e.field)).toEqual(['spec.template.metadata.labels', 'spec.template.spec.ephemeralContainers']);
  });
});
