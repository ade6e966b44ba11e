// Random, broken and hostile request bodies for the API fuzz suite: JSON values keyed by real field
// names, mutated valid objects, truncated and invalid JSON/YAML, protobuf (`k8s\0` envelopes with
// random or mutated kubectl payloads), deep nesting, and patches of every type.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { Rng } from './fuzz-rng';
import { apiVersionOf, baseObject, type Res } from './fuzz-resources';

interface ProtobufSample {
  readonly path: string;
  readonly bodyB64: string;
}

/** kubectl's captured protobuf request bodies (repo test data), as seeds for mutation. */
export function loadProtobufSamples(repo: string): Buffer[] {
  const dir = path.join(repo, 'pkg', 'api', 'protobuf', 'testdata');
  const out: Buffer[] = [];
  if (!fs.existsSync(dir)) return out;
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    try {
      const samples = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as ProtobufSample[];
      for (const s of samples) if (typeof s.bodyB64 === 'string') out.push(Buffer.from(s.bodyB64, 'base64'));
    } catch {
      // not a sample file
    }
  }
  return out;
}

// ---------- building blocks ----------

const FIELD_WORDS = [
  'metadata', 'name', 'namespace', 'labels', 'annotations', 'generateName', 'resourceVersion', 'uid', 'finalizers', 'ownerReferences', 'managedFields',
  'fieldsV1', 'manager', 'operation', 'deletionTimestamp', 'creationTimestamp', 'generation', 'spec', 'status', 'data', 'binaryData', 'stringData',
  'containers', 'initContainers', 'image', 'ports', 'containerPort', 'port', 'targetPort', 'protocol', 'env', 'value', 'valueFrom', 'replicas', 'selector',
  'matchLabels', 'matchExpressions', 'key', 'operator', 'values', 'template', 'nodeName', 'volumes', 'resources', 'limits', 'requests', 'cpu', 'memory',
  'type', 'clusterIP', 'clusterIPs', 'schedule', 'jobTemplate', 'conditions', 'phase', 'apiVersion', 'kind', 'items', 'strategy', 'rollingUpdate',
  'maxSurge', 'tolerations', 'affinity', 'holderIdentity', 'addressType', 'endpoints', 'addresses', 'immutable', 'x', '', ' ', 'über', '$patch',
  '$retainKeys', '$setElementOrder/containers', '$deleteFromPrimitiveList/finalizers', '$setElementOrder/env', 'k:{"name":"c"}', 'f:data', '.', '__proto__',
  'constructor', 'toString', 'hasOwnProperty',
];

const JUNK_STRINGS = [
  '', ' ', 'a', 'A', 'x'.repeat(300), '-', '..', '/', '%', '%zz', '\u0000', '\ud800', 'ünïcödé', '😀', '${x}', '{{x}}', '<script>', "'", '"', '\\', '\n', '\t',
  'true', 'null', '0', '-1', '1e309', 'NaN', '2006-01-02T15:04:05Z', 'not-a-date', '10.0.0.1', '::1', '*/5 * * * *', '1Gi', '100m', '-5Gi', '1e1000',
  'IfNotPresent', 'Always', 'TCP', 'SCTP', 'ClusterIP', 'NodePort', 'Opaque', 'RollingUpdate', 'busybox', 'kube-system', 'default', 'apps/v1', 'v1',
];

const NUMBERS = [0, -0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308, 0.5, 3.14159, 65536, 65535, 80, 1e-300];

export function randomString(rng: Rng): string {
  return rng.chance(0.6) ? rng.pick(JUNK_STRINGS) : rng.string(rng.int(0, 40), 'abcXYZ019-._/:= ,!()~"\\\u00e9\u4e2d');
}

function randomScalar(rng: Rng): unknown {
  return rng.weighted<() => unknown>([
    [3, () => randomString(rng)],
    [2, () => rng.pick(NUMBERS)],
    [1, () => rng.chance(0.5)],
    [1, () => null],
  ])();
}

/** Sets an own property, even `__proto__` (sent as a plain key, never touching a prototype here). */
function setOwn(o: object, key: string | number, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A random JSON value, objects keyed mostly by real Kubernetes field names. */
export function randomJson(rng: Rng, depth = 4): unknown {
  if (depth <= 0 || rng.chance(0.35)) return randomScalar(rng);
  if (rng.chance(0.35)) return Array.from({ length: rng.int(0, 4) }, () => randomJson(rng, depth - 1));
  const o: Record<string, unknown> = {};
  for (let i = rng.int(0, 5); i > 0; i--) setOwn(o, rng.chance(0.8) ? rng.pick(FIELD_WORDS) : randomString(rng), randomJson(rng, depth - 1));
  return o;
}

/**
 * Nesting deep enough to hurt any recursive walk that does not guard itself. Built as text (our own
 * JSON.stringify would overflow first): a placeholder string that jsonBody/yamlBody expand.
 */
function deepNesting(rng: Rng): unknown {
  // Around the server's limit (512 levels of the whole object) and far beyond it.
  return `${DEEP_MARK}${rng.weighted([[2, rng.int(400, 515)], [1, rng.int(516, 20_000)]])}:${rng.chance(0.5) ? 'a' : 'o'}`;
}

const DEEP_MARK = '\u0000deep:';
const DEEP_RE = /"\\u0000deep:(\d+):([ao])"/g;

function expandDeep(text: string): string {
  return text.replace(DEEP_RE, (_m, n: string, t: string) => (t === 'a' ? `${'['.repeat(Number(n))}1${']'.repeat(Number(n))}` : `${'{"a":'.repeat(Number(n))}1${'}'.repeat(Number(n))}`));
}

const JSON_POINTER_PARTS = ['metadata', 'labels', 'annotations', 'name', 'finalizers', 'spec', 'containers', '0', '1', '-', '99', 'image', 'env', 'data', 'a', 'replicas', 'status', 'ports', 'selector', 'matchLabels', 'template', '~0', '~1', '~2', '', 'x', 'ownerReferences', 'managedFields', 'uid', 'resourceVersion', 'apiVersion', 'kind'];

function randomPointer(rng: Rng): string {
  if (rng.chance(0.05)) return rng.pick(['', '/', 'metadata', '//', '/-', '~', '/a/~']);
  return Array.from({ length: rng.int(1, 5) }, () => `/${rng.pick(JSON_POINTER_PARTS)}`).join('');
}

/** Sets random paths of `obj` (a copy) to random values: mostly-valid objects that reach validation. */
function mutate(rng: Rng, obj: Record<string, unknown>, edits: number): Record<string, unknown> {
  const out = structuredClone(obj);
  for (let e = 0; e < edits; e++) {
    let cur: Record<string, unknown> | unknown[] = out;
    for (let d = rng.int(0, 4); ; d--) {
      const keys: Array<string | number> = Array.isArray(cur) ? cur.map((_, i) => i) : Object.keys(cur);
      const key: string | number = keys.length > 0 && rng.chance(0.8) ? rng.pick(keys) : Array.isArray(cur) ? cur.length : rng.pick(FIELD_WORDS);
      const child: unknown = Object.hasOwn(cur, key) ? (cur as Record<string | number, unknown>)[key] : undefined;
      if (d <= 0 || child === null || typeof child !== 'object') {
        if (rng.chance(0.15)) {
          if (Array.isArray(cur)) cur.splice(Number(key), 1);
          else delete cur[String(key)];
        } else setOwn(cur, key, rng.chance(0.03) ? deepNesting(rng) : randomJson(rng, 2));
        break;
      }
      cur = child as Record<string, unknown> | unknown[];
    }
  }
  return out;
}

// ---------- protobuf ----------

function varint(n: number | bigint): Buffer {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Buffer.from(out);
}

function pbField(field: number, wire: number, payload: Buffer): Buffer {
  const tag = varint(field * 8 + wire);
  return wire === 2 ? Buffer.concat([tag, varint(payload.length), payload]) : Buffer.concat([tag, payload]);
}

function pbString(field: number, s: string): Buffer {
  return pbField(field, 2, Buffer.from(s));
}

/** A random protobuf message: random field numbers, wire types (some invalid), lengths that lie. */
function randomProtobuf(rng: Rng, depth = 3): Buffer {
  const parts: Buffer[] = [];
  for (let i = rng.int(0, 8); i > 0; i--) {
    const field = rng.weighted([[8, rng.int(1, 20)], [1, rng.int(0, 2 ** 29)], [1, 0]]);
    const wire = rng.weighted([[4, 0], [5, 2], [1, 1], [1, 5], [1, 3], [1, 4], [1, 6], [1, 7]]);
    if (wire === 0) parts.push(pbField(field, 0, varint(rng.chance(0.2) ? -1n : BigInt(rng.int(0, 1_000_000)))));
    else if (wire === 1) parts.push(pbField(field, 1, rng.bytes(8)));
    else if (wire === 5) parts.push(pbField(field, 5, rng.bytes(4)));
    else if (wire === 2) {
      const payload = depth > 0 && rng.chance(0.5) ? randomProtobuf(rng, depth - 1) : rng.chance(0.5) ? Buffer.from(randomString(rng)) : rng.bytes(rng.int(0, 30));
      if (rng.chance(0.1)) parts.push(Buffer.concat([varint(field * 8 + 2), varint(payload.length + rng.int(1, 1_000_000)), payload]));
      else parts.push(pbField(field, 2, payload));
    } else parts.push(Buffer.concat([varint(field * 8 + wire), rng.bytes(rng.int(0, 6))]));
  }
  return Buffer.concat(parts);
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export function protobufBody(rng: Rng, r: Res, samples: readonly Buffer[]): Buffer {
  return rng.weighted<() => Buffer>([
    [3, () => Buffer.concat([MAGIC, rng.bytes(rng.int(0, 200))])],
    [3, () => Buffer.concat([MAGIC, pbField(1, 2, Buffer.concat([pbString(1, apiVersionOf(r)), pbString(2, r.kind)])), pbField(2, 2, randomProtobuf(rng)), ...(rng.chance(0.3) ? [pbString(3, randomString(rng)), pbString(4, randomString(rng))] : [])])],
    [3, () => {
      if (samples.length === 0) return Buffer.concat([MAGIC, randomProtobuf(rng)]);
      const b = Buffer.from(rng.pick(samples));
      const op = rng.int(0, 3);
      if (op === 0) return b.subarray(0, rng.int(0, b.length));
      if (op === 1) {
        for (let i = rng.int(1, 4); i > 0; i--) b[rng.int(0, b.length - 1)] ^= 1 << rng.int(0, 7);
        return b;
      }
      if (op === 2) {
        const at = rng.int(MAGIC.length, b.length);
        return Buffer.concat([b.subarray(0, at), randomProtobuf(rng, 1), b.subarray(at)]);
      }
      return b;
    }],
    [1, () => Buffer.concat([MAGIC, randomProtobuf(rng)])],
    [1, () => rng.pick([Buffer.alloc(0), MAGIC.subarray(0, 3), MAGIC, rng.bytes(rng.int(1, 100))])],
  ])();
}

// ---------- bodies by format ----------

function yamlBody(rng: Rng, value: unknown): Buffer {
  return rng.weighted<() => Buffer>([
    // Deeply nested values go as JSON (a YAML subset), which our own YAML writer could not nest.
    [5, () => Buffer.from((JSON.stringify(value) ?? '').includes('\\u0000deep:') ? expandDeep(JSON.stringify(value)) : toYaml(value))],
    [1, () => Buffer.from('a: &a [1, 2]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n')],
    [1, () => Buffer.from(rng.pick(['kind: [\n', ': :', '- a\nb: c', '{a: 1, a: 2}', '!!binary x', '%YAML 9.9\n---\na: 1', '---\na: 1\n---\nb: 2\n', '\t a: 1', '? [a]\n: b', 'a: !!js/function "x"', '&a [*a]', '*unknown']))],
    [1, () => {
      const t = toYaml(value);
      return Buffer.from(t.slice(0, rng.int(0, t.length)));
    }],
  ])();
}

export function jsonBody(rng: Rng, value: unknown): Buffer {
  const text = expandDeep(JSON.stringify(value) ?? 'null');
  return rng.weighted<() => Buffer>([
    [6, () => Buffer.from(text)],
    [1, () => Buffer.from(text.slice(0, rng.int(0, Math.max(0, text.length - 1))))],
    [1, () => Buffer.from(rng.pick(['', '{', '}', '[', 'nul', '{"a":1,}', "{'a':1}", '{"a":1}{"b":2}', '\ufeff{}', '{"a":"\\ud800"}', '{"a":1e99999}', '0', '"str"', '[]', '{"kind":1}']))],
    [1, () => Buffer.concat([Buffer.from(text.slice(0, 10)), Buffer.from([0xff, 0xfe, 0x00, 0xc3]), Buffer.from(text.slice(10))])],
  ])();
}

export function objectBody(rng: Rng, r: Res, name: string, samples: readonly Buffer[]): { body: Buffer; contentType: string } {
  const base = baseObject(r, name);
  const value = rng.weighted<() => unknown>([
    [5, () => mutate(rng, base, rng.int(0, 4))],
    [1, () => base],
    [1, () => ({ ...randomJson(rng, 3) as object, apiVersion: apiVersionOf(r), kind: r.kind })],
    [1, () => randomJson(rng, 4)],
    [1, () => ({ ...base, metadata: rng.pick([[], 'x', 5, null, { name: 7 }, { name, generateName: 'g-', labels: { 'bad key!': 'v' } }, { generateName: rng.pick(['g-', 'G_', '-', '']) }]) })],
  ])();
  return rng.weighted<() => { body: Buffer; contentType: string }>([
    [6, () => ({ body: jsonBody(rng, value), contentType: 'application/json' })],
    [2, () => ({ body: yamlBody(rng, value), contentType: 'application/yaml' })],
    [2, () => ({ body: protobufBody(rng, r, samples), contentType: 'application/vnd.kubernetes.protobuf' })],
  ])();
}

export const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'] as const;

export function patchBody(rng: Rng, r: Res, name: string, type: (typeof PATCH_TYPES)[number]): Buffer {
  switch (type) {
    case 'application/json-patch+json': {
      const op = () => {
        const o: Record<string, unknown> = { op: rng.weighted([[3, 'add'], [2, 'replace'], [2, 'remove'], [1, 'move'], [1, 'copy'], [1, 'test'], [1, randomString(rng)]]), path: randomPointer(rng) };
        if (rng.chance(0.8)) o.value = rng.chance(0.02) ? deepNesting(rng) : randomJson(rng, 2);
        if (rng.chance(0.3)) o.from = randomPointer(rng);
        if (rng.chance(0.05)) delete o.op;
        return o;
      };
      const n = rng.weighted([[20, rng.int(0, 6)], [1, rng.int(1000, 20_000)]]);
      const ops = rng.chance(0.9) ? Array.from({ length: n }, op) : randomJson(rng, 3);
      return jsonBody(rng, ops);
    }
    case 'application/merge-patch+json':
    case 'application/strategic-merge-patch+json': {
      const v = rng.weighted<() => unknown>([
        [4, () => mutate(rng, { metadata: { labels: { a: 'b' } }, ...(rng.chance(0.5) ? r.base(name) : {}) }, rng.int(1, 4))],
        [2, () => randomJson(rng, 4)],
        [1, () => ({ metadata: { finalizers: rng.pick([null, [], ['a/b'], 5]), ownerReferences: rng.pick([null, [{}], [{ apiVersion: 'v1', kind: 'X', name: 'y', uid: 'z' }]]) } })],
        [1, () => ({ spec: { template: { spec: { containers: [{ name: 'c', $patch: rng.pick(['delete', 'replace', 'merge', 'bogus']) }, { image: 'x' }], '$setElementOrder/containers': rng.pick([[{ name: 'c' }], [{}], 'x', [1]]) } } } })],
        [1, () => ({ metadata: { '$deleteFromPrimitiveList/finalizers': rng.pick([['a'], 'x', [{}]]), $retainKeys: rng.pick([['name'], 'x', [1]]), $patch: rng.pick(['replace', 'delete', 'x']) } })],
        [1, () => ({ spec: rng.chance(0.5) ? deepNesting(rng) : { $patch: 'replace' } })],
      ])();
      return jsonBody(rng, v);
    }
    case 'application/apply-patch+yaml': {
      const base = baseObject(r, rng.chance(0.9) ? name : randomString(rng));
      const v = rng.chance(0.8) ? mutate(rng, base, rng.int(0, 3)) : randomJson(rng, 4);
      return rng.chance(0.6) ? yamlBody(rng, v) : jsonBody(rng, v);
    }
  }
}

