import { describe, expect, it } from 'vitest';
import { createSchemaRegistry } from './schema-registry';
import { fieldValidationWarnings, findStrictFieldProblems, findUnknownFields, strictDecodingMessage } from './unknown-fields';

const registry = createSchemaRegistry();
const deployment = registry.messageFor('apps', 'v1', 'Deployment')!;

const body = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', labels: { anything: 'goes' }, annotations: {} },
  spec: {
    replicas: 1,
    foo: true,
    selector: { matchLabels: { a: 'b' } },
    template: {
      metadata: { labels: { a: 'b' } },
      spec: {
        containers: [
          { name: 'c', image: 'nginx', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } } },
          { name: 'd', imagee: 'nginx', env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'x' }, bogus: 1 } }] },
        ],
        volumes: [{ name: 'v', configMap: { name: 'cm' }, hostPathh: {} }],
      },
    },
  },
};

describe('findUnknownFields', () => {
  it('lists unknown field paths with list indexes', () => {
    expect(findUnknownFields(registry, deployment, body)).toEqual([
      'spec.foo',
      'spec.template.spec.containers[1].imagee',
      'spec.template.spec.containers[1].env[0].valueFrom.bogus',
      'spec.template.spec.volumes[0].hostPathh',
    ]);
  });
  it('accepts apiVersion/kind only where TypeMeta is embedded', () => {
    expect(findUnknownFields(registry, deployment, { apiVersion: 'apps/v1', kind: 'Deployment', spec: { kind: 'x' } })).toEqual(['spec.kind']);
  });
  it('does not look inside free-form values', () => {
    const rev = registry.messageFor('apps', 'v1', 'ControllerRevision')!;
    expect(findUnknownFields(registry, rev, { data: { whatever: { deep: 1 } }, revision: 1 })).toEqual([]);
    const meta = { metadata: { managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': {} }, nope: 1 }] } };
    expect(findUnknownFields(registry, deployment, meta)).toEqual(['metadata.managedFields[0].nope']);
  });
  it('ignores values of the wrong JSON type (a type error, reported elsewhere)', () => {
    expect(findUnknownFields(registry, deployment, { spec: 'x', metadata: [] })).toEqual([]);
  });
  it('stops at the limit', () => {
    const many = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`f${i}`, i]));
    expect(findUnknownFields(registry, deployment, { spec: many })).toHaveLength(100);
  });
});

describe('findStrictFieldProblems', () => {
  it('finds the same unknown fields in the text, plus duplicates, in document order', () => {
    const text = '{"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":1,"replicas":2,"foo":1,' +
      '"template":{"spec":{"containers":[{"name":"c","image":"x","imagee":"y"}]}}},' +
      '"metadata":{"labels":{"a":"1","a":"2"},"name":"x"}}';
    const problems = findStrictFieldProblems(registry, deployment, text);
    expect(problems).toEqual([
      { kind: 'duplicate', path: 'spec.replicas' },
      { kind: 'unknown', path: 'spec.foo' },
      { kind: 'unknown', path: 'spec.template.spec.containers[0].imagee' },
      { kind: 'duplicate', path: 'metadata.labels.a' },
    ]);
    expect(strictDecodingMessage(problems)).toBe(
      'strict decoding error: duplicate field "spec.replicas", unknown field "spec.foo", unknown field "spec.template.spec.containers[0].imagee", duplicate field "metadata.labels.a"',
    );
    expect(fieldValidationWarnings(problems)[1]).toBe('unknown field "spec.foo"');
  });
  it('agrees with findUnknownFields on a larger body', () => {
    const unknown = findStrictFieldProblems(registry, deployment, JSON.stringify(body, null, 2)).map((p) => p.path);
    expect(unknown).toEqual(findUnknownFields(registry, deployment, body));
  });
  it('handles escapes and skips free-form values without recursing', () => {
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    const text = `{"data":${deep},"revision":1,"m\\u0065tadata":{"name":"x"},"x\\"y":1}`;
    const rev = registry.messageFor('apps', 'v1', 'ControllerRevision')!;
    expect(findStrictFieldProblems(registry, rev, text)).toEqual([{ kind: 'unknown', path: 'x"y' }]);
  });
});
