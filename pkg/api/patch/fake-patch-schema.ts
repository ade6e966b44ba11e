// A PatchSchema built from a plain description, for tests and for callers that need patch metadata
// without the generated catalog. Includes hand-written Pod and Deployment shapes (the fields kubectl
// patches touch), with the markers upstream's types carry.
import type { Json } from '../types';
import type { ListType, MapType, PatchSchema } from './patch-schema';

export interface FakeSchemaSpec {
  /** An object with named fields. */
  readonly fields?: Readonly<Record<string, FakeSchemaSpec>>;
  /** A map with arbitrary keys; the spec of its values. */
  readonly map?: FakeSchemaSpec;
  /** A list; the spec of its items. */
  readonly list?: FakeSchemaSpec;
  readonly patchStrategy?: string;
  readonly patchMergeKey?: string;
  readonly listType?: ListType;
  readonly listMapKeys?: readonly string[];
  readonly mapType?: MapType;
  readonly zero?: Json;
  readonly default?: Json;
}

export function fakePatchSchema(spec: FakeSchemaSpec): PatchSchema {
  const fields = new Map<string, PatchSchema>();
  for (const [name, s] of Object.entries(spec.fields ?? {})) fields.set(name, fakePatchSchema(s));
  const items = spec.map ? fakePatchSchema(spec.map) : spec.list ? fakePatchSchema(spec.list) : undefined;
  const node: PatchSchema = {
    field: (name) => fields.get(name),
    items: () => items,
    ...(spec.patchStrategy !== undefined ? { patchStrategy: spec.patchStrategy } : {}),
    ...(spec.patchMergeKey !== undefined ? { patchMergeKey: spec.patchMergeKey } : {}),
    ...(spec.listType !== undefined ? { listType: spec.listType } : {}),
    ...(spec.listMapKeys !== undefined ? { listMapKeys: spec.listMapKeys } : {}),
    ...(spec.map ? { isMap: true } : {}),
    ...(spec.mapType !== undefined ? { mapType: spec.mapType } : {}),
    ...(spec.zero !== undefined ? { zero: spec.zero } : {}),
    ...(spec.default !== undefined ? { default: spec.default } : {}),
  };
  return Object.freeze(node);
}

const scalar: FakeSchemaSpec = {};
const stringMap: FakeSchemaSpec = { map: scalar };
const atomicList: FakeSchemaSpec = { list: scalar, listType: 'atomic' };

const objectMeta: FakeSchemaSpec = {
  zero: {},
  fields: {
    name: scalar,
    generateName: scalar,
    namespace: scalar,
    uid: scalar,
    resourceVersion: scalar,
    generation: scalar,
    creationTimestamp: scalar,
    labels: stringMap,
    annotations: stringMap,
    finalizers: { list: scalar, patchStrategy: 'merge', listType: 'set' },
    ownerReferences: {
      list: { fields: { apiVersion: scalar, kind: scalar, name: scalar, uid: scalar, controller: scalar, blockOwnerDeletion: scalar } },
      patchStrategy: 'merge',
      patchMergeKey: 'uid',
      listType: 'map',
      listMapKeys: ['uid'],
    },
  },
};

const container: FakeSchemaSpec = {
  fields: {
    name: scalar,
    image: scalar,
    command: atomicList,
    args: atomicList,
    imagePullPolicy: scalar,
    ports: {
      list: { fields: { name: scalar, containerPort: scalar, hostPort: scalar, protocol: { default: 'TCP' } } },
      patchStrategy: 'merge',
      patchMergeKey: 'containerPort',
      listType: 'map',
      listMapKeys: ['containerPort', 'protocol'],
    },
    env: {
      list: { fields: { name: scalar, value: scalar, valueFrom: { fields: { fieldRef: { fields: { fieldPath: scalar } } } } } },
      patchStrategy: 'merge',
      patchMergeKey: 'name',
      listType: 'map',
      listMapKeys: ['name'],
    },
    resources: { zero: {}, fields: { limits: stringMap, requests: stringMap } },
    volumeMounts: {
      list: { fields: { name: scalar, mountPath: scalar, readOnly: scalar } },
      patchStrategy: 'merge',
      patchMergeKey: 'mountPath',
      listType: 'map',
      listMapKeys: ['mountPath'],
    },
    securityContext: { fields: { privileged: scalar, runAsUser: scalar } },
  },
};

const containers: FakeSchemaSpec = { list: container, patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'], zero: null };

const podSpec: FakeSchemaSpec = {
  zero: {},
  fields: {
    containers,
    initContainers: { ...containers, zero: undefined },
    volumes: {
      list: {
        fields: {
          name: scalar,
          configMap: { fields: { name: scalar, defaultMode: scalar } },
          emptyDir: { fields: { medium: scalar } },
          secret: { fields: { secretName: scalar } },
        },
      },
      patchStrategy: 'merge,retainKeys',
      patchMergeKey: 'name',
      listType: 'map',
      listMapKeys: ['name'],
    },
    nodeSelector: { map: scalar, mapType: 'atomic' },
    tolerations: { list: { fields: { key: scalar, operator: scalar, effect: scalar } }, listType: 'atomic' },
    imagePullSecrets: { list: { fields: { name: scalar } }, patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
    restartPolicy: scalar,
    dnsPolicy: scalar,
    terminationGracePeriodSeconds: scalar,
    serviceAccountName: scalar,
    nodeName: scalar,
  },
};

const podStatus: FakeSchemaSpec = {
  zero: {},
  fields: {
    phase: scalar,
    podIP: scalar,
    conditions: { list: { fields: { type: scalar, status: scalar } }, patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] },
  },
};

/** core/v1 Pod (a subset of its fields) with upstream's patch and list markers. */
export function fakePodSchema(): PatchSchema {
  return fakePatchSchema({ fields: { apiVersion: scalar, kind: scalar, metadata: objectMeta, spec: podSpec, status: podStatus } });
}

/** apps/v1 Deployment (a subset of its fields) with upstream's patch and list markers. */
export function fakeDeploymentSchema(): PatchSchema {
  return fakePatchSchema({
    fields: {
      apiVersion: scalar,
      kind: scalar,
      metadata: objectMeta,
      spec: {
        zero: {},
        fields: {
          replicas: scalar,
          selector: {
            mapType: 'atomic',
            fields: { matchLabels: stringMap, matchExpressions: { list: { fields: { key: scalar, operator: scalar, values: atomicList } }, listType: 'atomic' } },
          },
          template: { zero: {}, fields: { metadata: objectMeta, spec: podSpec } },
          strategy: {
            zero: {},
            patchStrategy: 'retainKeys',
            fields: { type: scalar, rollingUpdate: { fields: { maxSurge: scalar, maxUnavailable: scalar } } },
          },
          revisionHistoryLimit: scalar,
          progressDeadlineSeconds: scalar,
          paused: scalar,
        },
      },
      status: { zero: {}, fields: { replicas: scalar, readyReplicas: scalar, observedGeneration: scalar } },
    },
  });
}
