import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../types';
import { applyStrategicMergePatch } from './strategic-merge-patch';
import { isPatchError } from './errors';
import { fakeDeploymentSchema, fakePatchSchema, fakePodSchema } from './fake-patch-schema';

const deploySchema = fakeDeploymentSchema();
const podSchema = fakePodSchema();

function deployment(containers: JsonObject[], extra: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers, restartPolicy: 'Always' } },
      ...extra,
    },
  };
}

const containersOf = (o: JsonObject): unknown => (o as { spec: { template: { spec: { containers: unknown } } } }).spec.template.spec.containers;
const names = (o: JsonObject): string[] => (containersOf(o) as { name: string }[]).map((c) => c.name);

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isPatchError(e) ? e.code : `other: ${String(e)}`;
  }
  return undefined;
}

describe('strategic merge patch: what kubectl sends', () => {
  it('kubectl apply: image change merged by container name, with $setElementOrder', () => {
    const live = deployment([
      { name: 'nginx', image: 'nginx:1.25', imagePullPolicy: 'IfNotPresent' },
      { name: 'sidecar', image: 'busybox' },
    ]);
    const patch = {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"x":1}\n' } },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }],
            containers: [{ image: 'nginx:1.26', name: 'nginx' }],
          },
        },
      },
    };
    const out = applyStrategicMergePatch(live, patch, deploySchema);
    expect(containersOf(out)).toEqual([
      { name: 'nginx', image: 'nginx:1.26', imagePullPolicy: 'IfNotPresent' },
      { name: 'sidecar', image: 'busybox' },
    ]);
    expect((out.metadata as JsonObject).annotations).toEqual({ 'kubectl.kubernetes.io/last-applied-configuration': '{"x":1}\n' });
    expect(containersOf(live)).toHaveLength(2);
    expect((containersOf(live) as JsonObject[])[0]?.image).toBe('nginx:1.25');
  });

  it('kubectl apply: a container removed from the file is deleted with $patch: delete', () => {
    const live = deployment([{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }, { name: 'c', image: 'z' }]);
    const patch = {
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'c' }], containers: [{ $patch: 'delete', name: 'b' }] } } },
    };
    expect(names(applyStrategicMergePatch(live, patch, deploySchema))).toEqual(['a', 'c']);
  });

  it('kubectl apply: an env var removed inside a container', () => {
    const live = deployment([{ name: 'app', image: 'x', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'C', value: '3' }] }]);
    const patch = {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'app' }],
            containers: [{ '$setElementOrder/env': [{ name: 'A' }, { name: 'C' }], env: [{ $patch: 'delete', name: 'B' }, { name: 'C', value: '33' }], name: 'app' }],
          },
        },
      },
    };
    expect(containersOf(applyStrategicMergePatch(live, patch, deploySchema))).toEqual([
      { name: 'app', image: 'x', env: [{ name: 'A', value: '1' }, { name: 'C', value: '33' }] },
    ]);
  });

  it('$setElementOrder places new and reordered items, server-only items keep their place', () => {
    const live = deployment([{ name: 'a' }, { name: 'b' }, { name: 'injected' }]);
    const patch = {
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'new' }, { name: 'a' }], containers: [{ name: 'new', image: 'n' }] } } },
    };
    expect(names(applyStrategicMergePatch(live, patch, deploySchema))).toEqual(['b', 'new', 'a', 'injected']);
  });

  it('rejects a patch list whose order contradicts $setElementOrder', () => {
    const live = deployment([{ name: 'a' }, { name: 'b' }]);
    const patch = {
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }], containers: [{ name: 'b', image: '1' }, { name: 'a', image: '2' }] } } },
    };
    expect(errorCode(() => applyStrategicMergePatch(live, patch, deploySchema))).toBe('malformed');
  });

  it('kubectl set image: one container patched by name, others untouched', () => {
    const live = deployment([{ name: 'nginx', image: 'nginx:1.25' }, { name: 'log', image: 'fluentd' }]);
    const out = applyStrategicMergePatch(live, { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } } }, deploySchema);
    expect(containersOf(out)).toEqual([{ name: 'nginx', image: 'nginx:1.27' }, { name: 'log', image: 'fluentd' }]);
  });

  it('kubectl rollout restart: adds a template annotation', () => {
    const live = deployment([{ name: 'nginx', image: 'nginx' }]);
    const out = applyStrategicMergePatch(
      live,
      { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } } } } },
      deploySchema,
    );
    expect((out as { spec: { template: { metadata: JsonObject } } }).spec.template.metadata).toEqual({
      labels: { app: 'web' },
      annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' },
    });
  });

  it('kubectl edit: scalar change, label removal by null', () => {
    const live = deployment([{ name: 'nginx', image: 'nginx' }]);
    const out = applyStrategicMergePatch(live, { metadata: { labels: { app: null, team: 'a' } }, spec: { replicas: 3 } }, deploySchema);
    expect(out.metadata).toEqual({ name: 'web', namespace: 'default', labels: { team: 'a' } });
    expect((out.spec as JsonObject).replicas).toBe(3);
  });

  it('a patched container without $setElementOrder goes before server-only items (upstream order rule)', () => {
    const live = deployment([{ name: 'a' }, { name: 'b' }]);
    expect(names(applyStrategicMergePatch(live, { spec: { template: { spec: { containers: [{ name: 'c' }] } } } }, deploySchema))).toEqual(['c', 'a', 'b']);
    const live3 = deployment([{ name: '1' }, { name: '2', value: 'b' }, { name: '3' }]);
    const out = applyStrategicMergePatch(live3, { spec: { template: { spec: { containers: [{ name: '3', value: 'c' }, { name: '1', value: 'a' }] } } } }, deploySchema);
    expect(containersOf(out)).toEqual([{ name: '2', value: 'b' }, { name: '3', value: 'c' }, { name: '1', value: 'a' }]);
  });

  it('lists without a merge strategy are replaced (args, tolerations)', () => {
    const live = deployment([{ name: 'c', args: ['a', 'b'] }]);
    const out = applyStrategicMergePatch(live, { spec: { template: { spec: { containers: [{ name: 'c', args: ['z'] }] } } } }, deploySchema);
    expect(containersOf(out)).toEqual([{ name: 'c', args: ['z'] }]);
  });

  it('ports merge by containerPort', () => {
    const live = deployment([{ name: 'c', ports: [{ containerPort: 80, protocol: 'TCP' }] }]);
    const out = applyStrategicMergePatch(live, { spec: { template: { spec: { containers: [{ name: 'c', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }] } } } }, deploySchema);
    expect((containersOf(out) as JsonObject[])[0]?.ports).toEqual([{ containerPort: 80, name: 'http', protocol: 'TCP' }, { containerPort: 443 }]);
  });

  it('$patch: replace on a list item replaces the whole list; on an object replaces the object', () => {
    const live = deployment([{ name: 'a' }, { name: 'b' }]);
    const out = applyStrategicMergePatch(live, { spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'z', image: 'i' }] } } } }, deploySchema);
    expect(containersOf(out)).toEqual([{ name: 'z', image: 'i' }]);
    const out2 = applyStrategicMergePatch(live, { metadata: { labels: { $patch: 'replace', only: 'this' } } }, deploySchema);
    expect((out2.metadata as JsonObject).labels).toEqual({ only: 'this' });
    const out3 = applyStrategicMergePatch(live, { metadata: { labels: { $patch: 'delete' } } }, deploySchema);
    expect((out3.metadata as JsonObject).labels).toEqual({});
  });

  it('$retainKeys clears fields not listed (strategy Recreate, volume source switch)', () => {
    const live = deployment([{ name: 'c' }]);
    const out = applyStrategicMergePatch(live, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } }, deploySchema);
    expect((out.spec as JsonObject).strategy).toEqual({ type: 'Recreate' });

    const pod: JsonObject = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }], volumes: [{ name: 'v', emptyDir: {} }, { name: 'w', emptyDir: {} }] } };
    const out2 = applyStrategicMergePatch(
      pod,
      { spec: { '$setElementOrder/volumes': [{ name: 'v' }, { name: 'w' }], volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'cm' }, name: 'v' }] } },
      podSchema,
    );
    expect((out2.spec as JsonObject).volumes).toEqual([{ name: 'v', configMap: { name: 'cm' } }, { name: 'w', emptyDir: {} }]);
    expect(errorCode(() => applyStrategicMergePatch(pod, { spec: { strategy: { $retainKeys: ['type'], other: 1 } } }, podSchema))).toBe('malformed');
  });

  it('primitive merge lists: union, $deleteFromPrimitiveList, $setElementOrder (finalizers)', () => {
    const pod: JsonObject = { metadata: { name: 'p', finalizers: ['a', 'b'] } };
    expect((applyStrategicMergePatch(pod, { metadata: { finalizers: ['b', 'c'] } }, podSchema).metadata as JsonObject).finalizers).toEqual(['a', 'b', 'c']);
    const out = applyStrategicMergePatch(pod, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'], '$setElementOrder/finalizers': ['b', 'c'], finalizers: ['c'] } }, podSchema);
    expect((out.metadata as JsonObject).finalizers).toEqual(['b', 'c']);
  });

  it('values new to the original are taken with their directives resolved', () => {
    const pod: JsonObject = { metadata: { name: 'p' }, spec: {} };
    const out = applyStrategicMergePatch(
      pod,
      { spec: { '$setElementOrder/containers': [{ name: 'c' }], containers: [{ name: 'c', env: [{ name: 'gone', $patch: 'delete' }, { name: 'X', value: '1' }] }] } },
      podSchema,
    );
    expect(out.spec).toEqual({ containers: [{ name: 'c', env: [{ name: 'X', value: '1' }] }] });
  });

  it('without a schema (custom resources) it is refused as unsupported media type', () => {
    expect(errorCode(() => applyStrategicMergePatch({ metadata: {} }, { spec: {} }, undefined))).toBe('unsupported-media-type');
  });

  it('reports bad bodies and directives', () => {
    const live = deployment([{ name: 'a' }]);
    expect(errorCode(() => applyStrategicMergePatch(live, [1], deploySchema))).toBe('malformed');
    expect(errorCode(() => applyStrategicMergePatch(live, { spec: { $patch: 'explode' } }, deploySchema))).toBe('malformed');
    expect(errorCode(() => applyStrategicMergePatch(live, { spec: { template: { spec: { containers: [{ image: 'no-name' }] } } } }, deploySchema))).toBe('unprocessable');
    expect(errorCode(() => applyStrategicMergePatch(live, { spec: { template: { spec: { containers: [{ $patch: 'delete' }] } } } }, deploySchema))).toBe('unprocessable');
    const listsOfLists = fakePatchSchema({ fields: { x: { list: { list: {} }, patchStrategy: 'merge' } } });
    expect(errorCode(() => applyStrategicMergePatch({ x: [[1]] }, { x: [[2]] }, listsOfLists))).toBe('unprocessable');
  });

  it('unknown fields merge as plain objects and replace lists', () => {
    const out = applyStrategicMergePatch({ extra: { a: 1, l: [1, 2] } }, { extra: { b: 2, l: [3] } }, podSchema);
    expect(out).toEqual({ extra: { a: 1, b: 2, l: [3] } });
  });
});

describe('patchObject / patchTypeOf', () => {
  it('dispatches by content type', async () => {
    const { patchObject, patchTypeOf } = await import('./patch-object');
    expect(patchTypeOf('application/strategic-merge-patch+json; charset=utf-8')).toBe('strategic');
    expect(patchTypeOf('application/apply-patch+yaml')).toBe('apply');
    expect(patchTypeOf('application/json')).toBeUndefined();
    const pod: JsonObject = { metadata: { name: 'p' } };
    expect(patchObject('json', pod, [{ op: 'add', path: '/metadata/labels', value: { a: 'b' } }], undefined)).toEqual({ metadata: { name: 'p', labels: { a: 'b' } } });
    expect(errorCode(() => patchObject('json', pod, [{ op: 'replace', path: '', value: 1 }], undefined))).toBe('unprocessable');
    expect(patchObject('merge', pod, { metadata: { name: null } }, undefined)).toEqual({ metadata: {} });
  });
});
