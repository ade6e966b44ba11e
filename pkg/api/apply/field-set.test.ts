import { describe, expect, it } from 'vitest';
import { FieldSet } from './field-set';
import { fieldElement, keyElement, parseElement, pathToString, serializeElement, type PathElement } from './path-element';

const f = fieldElement;

describe('path elements', () => {
  it('serializes like upstream FieldsV1 keys, list-map keys sorted', () => {
    expect(serializeElement(f('image'))).toBe('f:image');
    expect(serializeElement(keyElement([['protocol', 'TCP'], ['containerPort', 80]]))).toBe('k:{"containerPort":80,"protocol":"TCP"}');
    expect(serializeElement({ kind: 'value', value: 'a<b' })).toBe('v:"a\\u003cb"');
    expect(serializeElement({ kind: 'index', index: 3 })).toBe('i:3');
    for (const key of ['f:a.b/c', 'k:{"name":"c"}', 'v:5', 'i:0']) expect(serializeElement(parseElement(key) as PathElement)).toBe(key);
    expect(parseElement('x:unknown')).toBeUndefined();
  });

  it('prints paths as conflict messages do', () => {
    expect(pathToString([f('spec'), f('template'), f('spec'), f('containers'), keyElement([['name', 'nginx']]), f('image')])).toBe(
      '.spec.template.spec.containers[name="nginx"].image',
    );
    expect(pathToString([f('metadata'), f('finalizers'), { kind: 'value', value: 'x' }])).toBe('.metadata.finalizers[="x"]');
  });
});

describe('FieldSet', () => {
  const fieldsV1 = {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:template': {
        'f:spec': {
          'f:containers': {
            'k:{"name":"nginx"}': {
              '.': {},
              'f:image': {},
              'f:name': {},
              'f:ports': { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
            },
          },
        },
      },
    },
  };

  it('round-trips FieldsV1 with "." first and keys in upstream order', () => {
    const set = FieldSet.fromFieldsV1(fieldsV1);
    expect(JSON.stringify(set.toFieldsV1())).toBe(JSON.stringify(fieldsV1));
    expect(set.has([f('metadata'), f('labels')])).toBe(true);
    expect(set.has([f('metadata')])).toBe(false);
    expect(set.has([f('spec'), f('replicas')])).toBe(true);
  });

  it('orders fields before keys before values before indices', () => {
    const set = FieldSet.of([[{ kind: 'index', index: 0 }], [{ kind: 'value', value: 1 }], [keyElement([['a', 1]])], [f('z')]]);
    expect(Object.keys(set.toFieldsV1())).toEqual(['f:z', 'k:{"a":1}', 'v:1', 'i:0']);
  });

  it('computes union, intersection, difference and recursive difference', () => {
    const a = FieldSet.of([[f('a'), f('x')], [f('a'), f('y')], [f('b')]]);
    const b = FieldSet.of([[f('a'), f('y')], [f('c')]]);
    expect(a.union(b).paths().map(pathToString)).toEqual(['.a.x', '.a.y', '.b', '.c']);
    expect(a.intersection(b).paths().map(pathToString)).toEqual(['.a.y']);
    expect(a.difference(b).paths().map(pathToString)).toEqual(['.a.x', '.b']);
    expect(a.recursiveDifference(FieldSet.of([[f('a')]])).paths().map(pathToString)).toEqual(['.b']);
    expect(a.difference(a).isEmpty()).toBe(true);
    expect(a.withNamedFieldsAsMembers().has([f('a')])).toBe(true);
  });

  it('rejects what is not FieldsV1', () => {
    expect(() => FieldSet.fromFieldsV1([])).toThrow(/JSON object/);
    expect(() => FieldSet.fromFieldsV1({ 'f:a': 1 })).toThrow(/JSON object/);
  });
});
