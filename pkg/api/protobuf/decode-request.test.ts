import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSchemaRegistry } from '../schema/schema-registry';
import { decodeProtobufRequest, hasProtobufMagic, splitApiVersion } from './decode-request';
import { ProtobufDecodeError } from './errors';

const registry = createSchemaRegistry();

interface Sample {
  readonly method: string;
  readonly path: string;
  readonly bodyB64: string;
  readonly command?: string;
  readonly expected?: unknown;
}

function loadSamples(name: string): Sample[] {
  return JSON.parse(readFileSync(join(__dirname, 'testdata', name), 'utf8')) as Sample[];
}

// What each captured body must decode to: the JSON kubectl 1.32.4 prints for the same command with
// `--dry-run=client -o json` (namespace … serviceaccount), else what Go's encoding/json writes for
// the object kubectl builds (token, can-i, whoami).
const SHARED_EXPECTED: Record<string, unknown> = {
  '/api/v1/namespaces': { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'x', creationTimestamp: null }, spec: {}, status: {} },
  '/apis/apps/v1/namespaces/default/deployments': {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { name: 'nginx', creationTimestamp: null, labels: { app: 'nginx' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'nginx' } },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'nginx' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }], resources: {} }] },
      },
      strategy: {},
    },
    status: {},
  },
  '/api/v1/namespaces/default/configmaps': { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c1', creationTimestamp: null }, data: { a: 'b' } },
  '/api/v1/namespaces/default/secrets': { kind: 'Secret', apiVersion: 'v1', metadata: { name: 's1', creationTimestamp: null }, data: { a: 'Yg==' } },
  '/api/v1/namespaces/default/services': {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: { name: 'svc1', creationTimestamp: null, labels: { app: 'svc1' } },
    spec: { ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'svc1' }, type: 'ClusterIP' },
    status: { loadBalancer: {} },
  },
  '/apis/batch/v1/namespaces/default/jobs': {
    kind: 'Job',
    apiVersion: 'batch/v1',
    metadata: { name: 'j1', creationTimestamp: null },
    spec: {
      template: {
        metadata: { creationTimestamp: null },
        spec: { containers: [{ name: 'j1', image: 'busybox', command: ['echo', 'hi'], resources: {} }], restartPolicy: 'Never' },
      },
    },
    status: {},
  },
  '/api/v1/namespaces/default/serviceaccounts': { kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name: 'sa1', creationTimestamp: null } },
  '/api/v1/namespaces/default/serviceaccounts/default/token': {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { audiences: null, expirationSeconds: null, boundObjectRef: null },
    status: { token: '', expirationTimestamp: null },
  },
  '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews': {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods' } },
    status: { allowed: false },
  },
  '/apis/authentication.k8s.io/v1/selfsubjectreviews': {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    status: { userInfo: {} },
  },
};

describe('decodeProtobufRequest on bodies kubectl 1.32 sent', () => {
  const shared = loadSamples('protobuf-request-samples.json');
  it('covers every shared fixture', () => {
    expect(shared.map((s) => s.path).sort()).toEqual(Object.keys(SHARED_EXPECTED).sort());
  });
  for (const sample of shared) {
    it(`decodes ${sample.method} ${sample.path}`, () => {
      const decoded = decodeProtobufRequest(registry, Buffer.from(sample.bodyB64, 'base64'));
      expect(decoded.object).toEqual(SHARED_EXPECTED[sample.path]);
      // Same key order as Go writes (kind, apiVersion, then struct order).
      expect(JSON.stringify(decoded.object)).toBe(JSON.stringify(SHARED_EXPECTED[sample.path]));
    });
  }

  for (const sample of loadSamples('kubectl-create-samples.json')) {
    it(`decodes ${sample.command}`, () => {
      const decoded = decodeProtobufRequest(registry, Buffer.from(sample.bodyB64, 'base64'));
      expect(JSON.stringify(decoded.object)).toBe(JSON.stringify(sample.expected));
    });
  }

  it('keeps an explicit replicas: 0 (a pointer field that was set)', () => {
    const zero = loadSamples('kubectl-create-samples.json').find((s) => s.command?.includes('--replicas=0'))!;
    const obj = decodeProtobufRequest(registry, Buffer.from(zero.bodyB64, 'base64')).object as { spec: { replicas?: number } };
    expect(obj.spec.replicas).toBe(0);
  });

  it('reports the message used', () => {
    const ns = shared.find((s) => s.path === '/api/v1/namespaces')!;
    const decoded = decodeProtobufRequest(registry, Buffer.from(ns.bodyB64, 'base64'));
    expect(decoded.message.id).toBe('core/v1.Namespace');
    expect([decoded.apiVersion, decoded.kind]).toEqual(['v1', 'Namespace']);
  });
});

// ---- a minimal writer to build bodies the fixtures do not cover ----
function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}
const vint = (field: number, n: number | bigint): number[] => [...varint(field * 8), ...varint(n)];
const bytes = (field: number, data: number[] | string): number[] => {
  const b = typeof data === 'string' ? [...Buffer.from(data, 'utf8')] : data;
  return [...varint(field * 8 + 2), ...varint(b.length), ...b];
};
function envelope(apiVersion: string, kind: string, raw: number[], extra: number[] = []): Uint8Array {
  return Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...bytes(1, [...bytes(1, apiVersion), ...bytes(2, kind)]), ...bytes(2, raw), ...extra]);
}

describe('decodeProtobufRequest on well-known types', () => {
  it('decodes Time, MicroTime, managedFields (FieldsV1) and owner references', () => {
    const meta = [
      ...bytes(1, 'ev'),
      ...bytes(8, vint(1, 1700000000)), // creationTimestamp
      ...bytes(17, [...bytes(1, 'kubectl'), ...bytes(2, 'Apply'), ...bytes(6, 'FieldsV1'), ...bytes(7, bytes(1, '{"f:data":{}}'))]),
    ];
    // events.k8s.io/v1 Event: metadata=1, eventTime=2 (MicroTime)
    const event = [...bytes(1, meta), ...bytes(2, [...vint(1, 1700000000), ...vint(2, 123456789)])];
    const obj = decodeProtobufRequest(registry, envelope('events.k8s.io/v1', 'Event', event)).object as Record<string, any>;
    expect(obj.metadata.creationTimestamp).toBe('2023-11-14T22:13:20Z');
    expect(obj.metadata.managedFields).toEqual([{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }]);
    expect(obj.eventTime).toBe('2023-11-14T22:13:20.123456Z');
  });

  it('decodes IntOrString both ways and Quantity maps', () => {
    // core/v1 Service: spec=2; ServiceSpec.ports=1; ServicePort: name=1, port=3, targetPort=4
    const port = (name: string, target: number[]) => bytes(1, [...bytes(1, name), ...vint(3, 80), ...bytes(4, target)]);
    const svc = [...bytes(2, [...port('a', [...vint(1, 0), ...vint(2, 8080)]), ...port('b', [...vint(1, 1), ...bytes(3, 'http')])])];
    const obj = decodeProtobufRequest(registry, envelope('v1', 'Service', svc)).object as Record<string, any>;
    expect(obj.spec.ports.map((p: { targetPort: unknown }) => p.targetPort)).toEqual([8080, 'http']);

    // core/v1 ResourceQuota: spec=2; ResourceQuotaSpec.hard=1 map<string, Quantity{string=1}>
    const entry = (k: string, q: string) => bytes(1, [...bytes(1, k), ...bytes(2, bytes(1, q))]);
    const rq = [...bytes(2, [...entry('cpu', '500m'), ...entry('memory', '1Gi')])];
    const quota = decodeProtobufRequest(registry, envelope('v1', 'ResourceQuota', rq)).object as Record<string, any>;
    expect(quota.spec.hard).toEqual({ cpu: '500m', memory: '1Gi' });
  });

  it('decodes negative numbers sent as 10-byte varints', () => {
    // core/v1 Pod: spec=2; PodSpec.terminationGracePeriodSeconds=4 (*int64), priority=25 (*int32)
    const pod = [...bytes(2, [...vint(4, -1n), ...vint(25, -5n)])];
    const obj = decodeProtobufRequest(registry, envelope('v1', 'Pod', pod)).object as Record<string, any>;
    expect(obj.spec.terminationGracePeriodSeconds).toBe(-1);
    expect(obj.spec.priority).toBe(-5);
    expect(obj.spec.containers).toBeNull(); // a nil slice without omitempty, as Go writes it
  });

  it('decodes RawExtension holding JSON and holding a nested protobuf object', () => {
    // apps/v1 ControllerRevision: metadata=1, data=2 (RawExtension raw=1), revision=3
    const asJson = [...bytes(2, bytes(1, '{"a":1}')), ...vint(3, 7)];
    expect(decodeProtobufRequest(registry, envelope('apps/v1', 'ControllerRevision', asJson)).object).toMatchObject({ data: { a: 1 }, revision: 7 });
    const nested = [...envelope('v1', 'ConfigMap', [...bytes(1, bytes(1, 'inner'))])];
    const asProto = [...bytes(2, bytes(1, nested))];
    const obj = decodeProtobufRequest(registry, envelope('apps/v1', 'ControllerRevision', asProto)).object as Record<string, any>;
    expect(obj.data).toEqual({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'inner', creationTimestamp: null } });
    expect(obj.revision).toBe(0);
  });
});

describe('decodeProtobufRequest errors', () => {
  const code = (body: Uint8Array): string | undefined => {
    try {
      decodeProtobufRequest(registry, body);
      return undefined;
    } catch (err) {
      expect(err).toBeInstanceOf(ProtobufDecodeError);
      return (err as ProtobufDecodeError).code;
    }
  };
  it('rejects a body without the magic', () => {
    expect(code(Uint8Array.from(Buffer.from('{"kind":"Pod"}')))).toBe('bad-magic');
    expect(code(new Uint8Array(0))).toBe('bad-magic');
  });
  it('rejects unknown kinds and missing type meta', () => {
    expect(code(envelope('v1', 'Nope', []))).toBe('unknown-kind');
    expect(code(envelope('', '', []))).toBe('no-kind');
  });
  it('rejects truncated bodies and wrong wire types', () => {
    const ns = envelope('v1', 'Namespace', bytes(1, bytes(1, 'x')));
    expect(code(ns.subarray(0, ns.length - 2))).toBe('truncated');
    expect(code(envelope('v1', 'Namespace', vint(1, 5)))).toBe('bad-wire-type');
  });
  it('rejects compressed envelopes', () => {
    expect(code(envelope('v1', 'Namespace', [], bytes(3, 'gzip')))).toBe('unsupported-encoding');
  });
  it('rejects RawExtension bytes that are not JSON', () => {
    expect(code(envelope('apps/v1', 'ControllerRevision', bytes(2, bytes(1, 'not json'))))).toBe('bad-raw');
  });
  it('never throws anything but ProtobufDecodeError on random input', () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const base = Buffer.from(loadSamples('protobuf-request-samples.json')[1]!.bodyB64, 'base64');
    for (let i = 0; i < 2000; i++) {
      const body = Uint8Array.from(base);
      for (let j = 0; j < 1 + (i % 4); j++) body[4 + (rand() % (body.length - 4))] = rand() & 0xff;
      try {
        decodeProtobufRequest(registry, body);
      } catch (err) {
        expect(err).toBeInstanceOf(ProtobufDecodeError);
      }
    }
  });
});

describe('helpers', () => {
  it('splits apiVersion', () => {
    expect(splitApiVersion('v1')).toEqual({ group: '', version: 'v1' });
    expect(splitApiVersion('apps/v1')).toEqual({ group: 'apps', version: 'v1' });
  });
  it('recognizes the magic', () => {
    expect(hasProtobufMagic(Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 1]))).toBe(true);
    expect(hasProtobufMagic(Uint8Array.from([0x6b, 0x38, 0x73]))).toBe(false);
  });
});
