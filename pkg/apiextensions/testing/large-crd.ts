// A CRD of the size and shape of a typical operator's (a database cluster with a pod template per
// component): hundreds of KB of structural schema with descriptions, list-map keys, int-or-string,
// preserve-unknown-fields, enums, defaults and CEL rules. Used by the CRD e2e test and bench/crd.ts.
import type { JSONSchemaProps } from '../types';

const LOREM = 'This field configures how the operator manages the component; when unset the operator applies a sensible default that suits most production clusters.';

function d(name: string): string {
  return `${name}: ${LOREM}`;
}

function str(name: string, extra: Partial<JSONSchemaProps> = {}): JSONSchemaProps {
  return { type: 'string', description: d(name), ...extra };
}

function int(name: string, extra: Partial<JSONSchemaProps> = {}): JSONSchemaProps {
  return { type: 'integer', format: 'int32', description: d(name), ...extra };
}

function quantityMap(name: string): JSONSchemaProps {
  return { type: 'object', description: d(name), additionalProperties: { 'x-kubernetes-int-or-string': true, pattern: '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$' } };
}

function probe(name: string): JSONSchemaProps {
  return {
    type: 'object',
    description: d(name),
    properties: {
      exec: { type: 'object', description: d('exec'), properties: { command: { type: 'array', description: d('command'), items: { type: 'string' }, 'x-kubernetes-list-type': 'atomic' } } },
      httpGet: {
        type: 'object',
        description: d('httpGet'),
        required: ['port'],
        properties: { path: str('path'), port: { 'x-kubernetes-int-or-string': true, description: d('port') }, host: str('host'), scheme: str('scheme', { enum: ['HTTP', 'HTTPS'] }), httpHeaders: { type: 'array', items: { type: 'object', required: ['name', 'value'], properties: { name: str('name'), value: str('value') } } } },
      },
      tcpSocket: { type: 'object', description: d('tcpSocket'), required: ['port'], properties: { host: str('host'), port: { 'x-kubernetes-int-or-string': true } } },
      initialDelaySeconds: int('initialDelaySeconds', { minimum: 0 }),
      periodSeconds: int('periodSeconds', { minimum: 1 }),
      timeoutSeconds: int('timeoutSeconds', { minimum: 1 }),
      successThreshold: int('successThreshold'),
      failureThreshold: int('failureThreshold'),
    },
  };
}

function container(name: string): JSONSchemaProps {
  return {
    type: 'object',
    description: d(name),
    required: ['name'],
    properties: {
      name: str('name', { maxLength: 63 }),
      image: str('image'),
      imagePullPolicy: str('imagePullPolicy', { enum: ['Always', 'Never', 'IfNotPresent'] }),
      command: { type: 'array', description: d('command'), items: { type: 'string' } },
      args: { type: 'array', description: d('args'), items: { type: 'string' } },
      workingDir: str('workingDir'),
      env: {
        type: 'array',
        description: d('env'),
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: {
          type: 'object',
          required: ['name'],
          properties: {
            name: str('name'),
            value: str('value'),
            valueFrom: {
              type: 'object',
              description: d('valueFrom'),
              properties: {
                configMapKeyRef: { type: 'object', required: ['key'], properties: { key: str('key'), name: str('name'), optional: { type: 'boolean' } }, 'x-kubernetes-map-type': 'atomic' },
                secretKeyRef: { type: 'object', required: ['key'], properties: { key: str('key'), name: str('name'), optional: { type: 'boolean' } }, 'x-kubernetes-map-type': 'atomic' },
                fieldRef: { type: 'object', required: ['fieldPath'], properties: { apiVersion: str('apiVersion'), fieldPath: str('fieldPath') } },
              },
            },
          },
        },
      },
      ports: {
        type: 'array',
        description: d('ports'),
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
        items: { type: 'object', required: ['containerPort'], properties: { name: str('name'), containerPort: int('containerPort', { minimum: 1, maximum: 65535 }), protocol: str('protocol', { default: 'TCP', enum: ['TCP', 'UDP', 'SCTP'] }), hostPort: int('hostPort') } },
      },
      resources: { type: 'object', description: d('resources'), properties: { limits: quantityMap('limits'), requests: quantityMap('requests') } },
      livenessProbe: probe('livenessProbe'),
      readinessProbe: probe('readinessProbe'),
      startupProbe: probe('startupProbe'),
      securityContext: {
        type: 'object',
        description: d('securityContext'),
        properties: {
          runAsUser: { type: 'integer', format: 'int64' },
          runAsGroup: { type: 'integer', format: 'int64' },
          runAsNonRoot: { type: 'boolean' },
          readOnlyRootFilesystem: { type: 'boolean' },
          allowPrivilegeEscalation: { type: 'boolean' },
          capabilities: { type: 'object', properties: { add: { type: 'array', items: { type: 'string' } }, drop: { type: 'array', items: { type: 'string' } } } },
        },
      },
      volumeMounts: {
        type: 'array',
        description: d('volumeMounts'),
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['mountPath'],
        items: { type: 'object', required: ['mountPath', 'name'], properties: { name: str('name'), mountPath: str('mountPath'), readOnly: { type: 'boolean' }, subPath: str('subPath') } },
      },
    },
  };
}

function component(name: string): JSONSchemaProps {
  return {
    type: 'object',
    description: d(name),
    properties: {
      replicas: int('replicas', { minimum: 0, default: 1 }),
      paused: { type: 'boolean', description: d('paused') },
      labels: { type: 'object', additionalProperties: { type: 'string' }, description: d('labels') },
      annotations: { type: 'object', additionalProperties: { type: 'string' }, description: d('annotations') },
      containers: { type: 'array', description: d('containers'), 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: container('container') },
      initContainers: { type: 'array', description: d('initContainers'), 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: container('initContainer') },
      nodeSelector: { type: 'object', additionalProperties: { type: 'string' } },
      tolerations: { type: 'array', items: { type: 'object', properties: { key: str('key'), operator: str('operator'), value: str('value'), effect: str('effect'), tolerationSeconds: { type: 'integer', format: 'int64' } } } },
      affinity: { type: 'object', description: d('affinity'), 'x-kubernetes-preserve-unknown-fields': true },
      storage: {
        type: 'object',
        description: d('storage'),
        properties: { size: { 'x-kubernetes-int-or-string': true, description: d('size') }, storageClassName: str('storageClassName'), accessModes: { type: 'array', items: { type: 'string', enum: ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'] } } },
      },
      podTemplate: { type: 'object', description: d('podTemplate'), 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
    },
    'x-kubernetes-validations': [{ rule: '!has(self.replicas) || self.replicas <= 100', message: `${name} replicas must be at most 100` }],
  };
}

/** The schema and CRD object; `components` scales the size (7 ≈ 310 KB of JSON). */
export function largeCrd(opts: { group?: string; components?: number } = {}): Record<string, unknown> {
  const group = opts.group ?? 'db.example.io';
  const n = opts.components ?? 7;
  const components: Record<string, JSONSchemaProps> = {};
  for (let i = 0; i < n; i++) components[`component${i}`] = component(`component${i}`);
  const schema: JSONSchemaProps = {
    type: 'object',
    description: 'DatabaseCluster is a replicated database managed by the example operator.',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        required: ['version'],
        properties: {
          version: str('version', { pattern: '^[0-9]+\\.[0-9]+(\\.[0-9]+)?$' }),
          tier: str('tier', { enum: ['dev', 'standard', 'premium'], default: 'standard' }),
          ...components,
        },
      },
      status: { type: 'object', properties: { phase: str('phase'), readyReplicas: int('readyReplicas'), conditions: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'], items: { type: 'object', required: ['type', 'status'], properties: { type: str('type'), status: str('status'), reason: str('reason'), message: str('message'), lastTransitionTime: { type: 'string', format: 'date-time' } } } } } },
    },
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `databaseclusters.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'databaseclusters', singular: 'databasecluster', kind: 'DatabaseCluster', shortNames: ['dbc'], categories: ['databases'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: schema },
          subresources: { status: {}, scale: { specReplicasPath: '.spec.component0.replicas', statusReplicasPath: '.status.readyReplicas' } },
          additionalPrinterColumns: [
            { name: 'Version', type: 'string', jsonPath: '.spec.version' },
            { name: 'Tier', type: 'string', jsonPath: '.spec.tier' },
            { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
        },
      ],
    },
  };
}
