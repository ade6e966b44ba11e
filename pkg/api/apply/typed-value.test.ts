import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../types';
import { fakeDeploymentSchema, fakePodSchema } from '../patch/fake-patch-schema';
import { isApplyError } from './errors';
import { mergeApplied, pruneUnowned } from './merge-applied';
import { fieldElement as f, keyElement, pathToString } from './path-element';
import { FieldSet } from './field-set';
import { compareValues, fieldSetOf } from './typed-value';

const pod = fakePodSchema();

describe('fieldSetOf', () => {
  it('owns scalars, list items by key (with key defaults), map entries, empty objects', () => {
    const set = fieldSetOf(
      {
        metadata: { labels: { app: 'web' }, finalizers: ['x'] },
        spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }], resources: {}, args: ['a'] }], nodeSelector: { disk: 'ssd' } },
      },
      pod,
    );
    expect(set.toFieldsV1()).toEqual({
      'f:metadata': { 'f:finalizers': { 'v:"x"': {} }, 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:containers': {
          'k:{"name":"c"}': {
            '.': {},
            'f:args': {},
            'f:image': {},
            'f:name': {},
            'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
            'f:resources': {},
          },
        },
        'f:nodeSelector': {},
      },
    });
  });

  it('owns every entry of an object without schema', () => {
    expect(fieldSetOf({ spec: { a: { b: 1 } } }, undefined).toFieldsV1()).toEqual({ 'f:spec': { '.': {}, 'f:a': { '.': {}, 'f:b': {} } } });
  });

  it('rejects duplicate keys and items without any key field in applied configurations', () => {
    const dup = { spec: { containers: [{ name: 'a' }, { name: 'a' }] } };
    expect(() => fieldSetOf(dup, pod, true)).toThrow(/duplicate/);
    expect(fieldSetOf(dup, pod).has([f('spec'), f('containers'), keyElement([['name', 'a']])])).toBe(true);
    try {
      fieldSetOf({ spec: { containers: [{ image: 'x' }] } }, pod);
      expect.unreachable();
    } catch (e) {
      expect(isApplyError(e, 'invalid')).toBe(true);
    }
  });
});

describe('compareValues', () => {
  it('reports leaves and whole new items; struct fields count as present when absent', () => {
    const cmp = compareValues(
      { spec: { replicas: 1, template: { spec: { containers: [{ name: 'a', image: 'x' }] } } } },
      { spec: { replicas: 2, template: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } } }, metadata: { labels: { l: 'v' } } },
      fakeDeploymentSchema(),
    );
    expect(cmp.modified.paths().map(pathToString)).toEqual(['.spec.replicas']);
    expect(cmp.added.paths().map(pathToString)).toEqual([
      '.metadata.labels',
      '.metadata.labels.l',
      '.spec.template.spec.containers[name="b"]',
      '.spec.template.spec.containers[name="b"].image',
      '.spec.template.spec.containers[name="b"].name',
    ]);
    expect(cmp.removed.isEmpty()).toBe(true);
  });
});

describe('mergeApplied', () => {
  it('merges map-lists by key keeping live-only items in place and the applied order', () => {
    const live: JsonObject = { spec: { containers: [{ name: 'a', image: '1', imagePullPolicy: 'Always' }, { name: 'b', image: '2' }] } };
    const out = mergeApplied(live, { spec: { containers: [{ name: 'c', image: '3' }, { name: 'a', image: '9' }] } }, pod);
    expect(out).toEqual({
      spec: { containers: [{ name: 'c', image: '3' }, { name: 'a', image: '9', imagePullPolicy: 'Always' }, { name: 'b', image: '2' }] },
    });
  });

  it('unions sets, replaces atomic lists and objects, drops nulls for scalars only', () => {
    const live = { metadata: { finalizers: ['x'], labels: { a: '1' } }, spec: { nodeSelector: { a: '1' }, containers: [{ name: 'c', args: ['1', '2'] }], nodeName: 'n' } };
    const out = mergeApplied(
      live,
      { metadata: { finalizers: ['y'], labels: null }, spec: { nodeSelector: { b: '2' }, containers: [{ name: 'c', args: ['3'] }], nodeName: null } },
      pod,
    );
    expect(out).toEqual({ metadata: { finalizers: ['x', 'y'], labels: { a: '1' } }, spec: { nodeSelector: { b: '2' }, containers: [{ name: 'c', args: ['3'] }] } });
  });
});

describe('pruneUnowned', () => {
  it('removes what the applier owned before and nobody owns now, subtree and all', () => {
    const value = { metadata: { labels: { a: '1', b: '2' } }, spec: { containers: [{ name: 'x', image: 'i' }, { name: 'y', image: 'j' }] } };
    const last = FieldSet.of([
      [f('metadata'), f('labels'), f('a')],
      [f('metadata'), f('labels'), f('b')],
      [f('spec'), f('containers'), keyElement([['name', 'y']])],
      [f('spec'), f('containers'), keyElement([['name', 'y']]), f('image')],
    ]);
    const owned = FieldSet.of([[f('metadata'), f('labels'), f('a')], [f('spec'), f('containers'), keyElement([['name', 'x']])]]);
    expect(pruneUnowned(value, last, owned, pod)).toEqual({ metadata: { labels: { a: '1' } }, spec: { containers: [{ name: 'x', image: 'i' }] } });
  });
});
