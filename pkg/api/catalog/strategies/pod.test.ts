import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../types';
import { createBuiltinCatalog } from '../catalog';
import { describeErrors, runCreate, runUpdate } from '../strategy-runner';

const pods = createBuiltinCatalog().resource('', 'v1', 'pods')!;
const pod = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec });

describe('pod strategy', () => {
  it('applies v1 defaults and create-time fields', () => {
    const { object, errors } = runCreate(
      pods,
      pod({ containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }], livenessProbe: { httpGet: { port: 80 } }, resources: { limits: { cpu: '0.5', memory: '128Mi' } } }] }),
    );
    expect(errors).toEqual([]);
    const spec = object.spec as Record<string, any>;
    expect(spec).toMatchObject({
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
      securityContext: {},
      enableServiceLinks: true,
      serviceAccountName: 'default',
      serviceAccount: 'default',
      priority: 0,
      preemptionPolicy: 'PreemptLowerPriority',
    });
    expect(spec.containers[0]).toMatchObject({
      imagePullPolicy: 'Always',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      ports: [{ containerPort: 80, protocol: 'TCP' }],
      resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '500m', memory: '128Mi' } },
      livenessProbe: { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
    });
    expect(spec.tolerations.map((t: { key: string }) => t.key)).toEqual(['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']);
    expect(object.status).toEqual({ phase: 'Pending', qosClass: 'Guaranteed' });
  });

  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.27', 'IfNotPresent'],
    ['registry:5000/app', 'Always'],
    ['registry:5000/app:v1', 'IfNotPresent'],
    ['nginx@sha256:abcd', 'IfNotPresent'],
  ])('defaults imagePullPolicy of %s to %s', (image, policy) => {
    const { object } = runCreate(pods, pod({ containers: [{ name: 'c', image }] }));
    expect((object.spec as any).containers[0].imagePullPolicy).toBe(policy);
  });

  it('computes QoS classes', () => {
    const qos = (resources: unknown) => (runCreate(pods, pod({ containers: [{ name: 'c', image: 'x', resources }] })).object.status as any).qosClass;
    expect(qos(undefined)).toBe('BestEffort');
    expect(qos({ requests: { cpu: '100m' } })).toBe('Burstable');
    expect(qos({ limits: { cpu: '1', memory: '1Gi' } })).toBe('Guaranteed');
  });

  it('defaults volumes to emptyDir and file modes to 0644', () => {
    const { object } = runCreate(pods, pod({ containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'a' }, { name: 'b', secret: { secretName: 's' } }] }));
    expect((object.spec as any).volumes).toEqual([
      { name: 'a', emptyDir: {} },
      { name: 'b', secret: { secretName: 's', defaultMode: 420 } },
    ]);
  });

  it('rejects invalid pods with upstream field paths', () => {
    const { errors } = runCreate(pods, { metadata: { name: 'Bad_Name' }, spec: { containers: [{ name: 'c' }] } } as KubeObject);
    expect(describeErrors(errors)).toEqual([
      expect.stringMatching(/^metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/),
      'spec.containers[0].image: Required value',
    ]);
  });

  it('allows image updates but forbids other spec changes', () => {
    const created = runCreate(pods, pod({ containers: [{ name: 'c', image: 'nginx:1', ports: [{ containerPort: 80 }] }] })).object;
    const newImage = structuredClone(created);
    (newImage.spec as any).containers[0].image = 'nginx:2';
    expect(runUpdate(pods, newImage, created).errors).toEqual([]);

    const newPort = structuredClone(created);
    (newPort.spec as any).containers[0].ports[0].containerPort = 81;
    const errs = runUpdate(pods, newPort, created).errors;
    expect(errs).toHaveLength(1);
    expect(errs[0]!.field).toBe('spec');
    expect(errs[0]!.detail).toMatch(/^Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/);
    expect(errs[0]!.detail).toContain('spec.containers[0].ports[0].containerPort');
  });

  it('accepts a re-sent manifest without server defaults and keeps status', () => {
    const created = runCreate(pods, pod({ containers: [{ name: 'c', image: 'nginx:1' }] })).object;
    created.status = { phase: 'Running', qosClass: 'BestEffort' };
    const resent = { ...pod({ containers: [{ name: 'c', image: 'nginx:1' }], serviceAccountName: 'default', priority: 0, preemptionPolicy: 'PreemptLowerPriority', tolerations: (created.spec as any).tolerations }), status: { phase: 'Failed' } } as KubeObject;
    const { object, errors } = runUpdate(pods, resent, created);
    expect(errors).toEqual([]);
    expect(object.status).toEqual({ phase: 'Running', qosClass: 'BestEffort' });
  });

  it('only lets activeDeadlineSeconds shrink and tolerations grow', () => {
    const created = runCreate(pods, pod({ containers: [{ name: 'c', image: 'x' }], activeDeadlineSeconds: 100 })).object;
    const next = structuredClone(created);
    (next.spec as any).activeDeadlineSeconds = 200;
    (next.spec as any).tolerations = [];
    expect(describeErrors(runUpdate(pods, next, created).errors)).toEqual([
      'spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value',
      'spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds',
    ]);
  });

  it('deletes unscheduled pods at once and scheduled ones gracefully', () => {
    const grace = pods.strategy.defaultGracePeriodSeconds!;
    expect(grace(pod({ containers: [] }))).toBe(0);
    expect(grace(pod({ nodeName: 'n1', terminationGracePeriodSeconds: 30 }))).toBe(30);
    expect(pods.strategy.generationPaths).toEqual(['spec']);
  });

  it('status updates keep spec and QoS; ephemeral containers come through their subresource', () => {
    const created = runCreate(pods, pod({ containers: [{ name: 'c', image: 'x' }] })).object;
    const statusUpdate = { ...structuredClone(created), spec: { containers: [] }, status: { phase: 'Running', qosClass: 'Guaranteed', podIP: '10.42.0.5' } } as KubeObject;
    const st = runUpdate(pods, statusUpdate, created, 'status');
    expect(st.errors).toEqual([]);
    expect(st.object.spec).toEqual(created.spec);
    expect(st.object.status).toEqual({ phase: 'Running', qosClass: 'BestEffort', podIP: '10.42.0.5' });

    const withDebug = structuredClone(created);
    (withDebug.spec as any).ephemeralContainers = [{ name: 'debug', image: 'busybox', targetContainerName: 'c' }];
    const ec = runUpdate(pods, withDebug, created, 'ephemeralcontainers');
    expect(ec.errors).toEqual([]);
    expect((ec.object.spec as any).ephemeralContainers[0]).toMatchObject({ name: 'debug', imagePullPolicy: 'Always' });
    const removed = runUpdate(pods, created, ec.object, 'ephemeralcontainers');
    expect(describeErrors(removed.errors)).toEqual(['spec.ephemeralContainers: Forbidden: existing ephemeral containers "debug" may not be removed']);
  });
});
