import { describe, expect, it } from 'vitest';
import { labelSelectorMatches, labelSelectorToString, validateAnnotations, validateLabelSelector, validateLabels } from './labels';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta';
import { nameIsDNSSubdomain } from './names';

const lines = (errs: { field: string; detail: string }[]) => errs.map((e) => `${e.field}: ${e.detail}`);

describe('labels and selectors', () => {
  it('validates label keys and values', () => {
    const errs = validateLabels({ 'app': 'ok', 'bad key': 'v', k: 'x'.repeat(64) }, 'metadata.labels');
    expect(errs.map((e) => e.field)).toEqual(['metadata.labels', 'metadata.labels']);
    expect(errs[0]!.detail).toMatch(/^Invalid value: "bad key": name part must consist of/);
    expect(errs[1]!.detail).toMatch(/must be no more than 63 characters$/);
  });

  it('limits total annotation size', () => {
    expect(lines(validateAnnotations({ a: 'x'.repeat(256 * 1024) }, 'metadata.annotations'))).toEqual(['metadata.annotations: Too long: may not be more than 262144 bytes']);
  });

  it('validates matchExpressions operators and values', () => {
    const errs = validateLabelSelector(
      { matchExpressions: [{ key: 'a', operator: 'In' }, { key: 'b', operator: 'Exists', values: ['x'] }, { key: 'c', operator: 'Near' }] },
      'spec.selector',
    );
    expect(lines(errs)).toEqual([
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      'spec.selector.matchExpressions[2].operator: Invalid value: "Near": not a valid selector operator',
    ]);
  });

  it('matches and prints selectors', () => {
    const sel = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }, { key: 'canary', operator: 'DoesNotExist' }] };
    expect(labelSelectorMatches(sel, { app: 'web', tier: 'a' })).toBe(true);
    expect(labelSelectorMatches(sel, { app: 'web', tier: 'a', canary: '1' })).toBe(false);
    expect(labelSelectorMatches({}, { any: 'thing' })).toBe(true);
    expect(labelSelectorToString(sel)).toBe('app=web,!canary,tier in (a,b)');
    expect(labelSelectorToString({ b: '2', a: '1' }, true)).toBe('a=1,b=2');
  });
});

describe('object metadata', () => {
  it('requires a name and a namespace for namespaced objects', () => {
    expect(lines(validateObjectMeta({}, { namespaced: true, name: nameIsDNSSubdomain }))).toEqual([
      'metadata.name: Required value: name or generateName is required',
      'metadata.namespace: Required value',
    ]);
    expect(lines(validateObjectMeta({ name: 'n', namespace: 'x' }, { namespaced: false, name: nameIsDNSSubdomain }))).toEqual(['metadata.namespace: Forbidden: not allowed on this type']);
  });

  it('checks owner references and finalizers', () => {
    const errs = validateObjectMeta(
      {
        name: 'n',
        namespace: 'd',
        finalizers: ['bad finalizer'],
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '', controller: true },
        ],
      },
      { namespaced: true, name: nameIsDNSSubdomain },
    );
    expect(errs.map((e) => e.field)).toEqual(['metadata.ownerReferences[1].uid', 'metadata.ownerReferences', 'metadata.finalizers']);
  });

  it('refuses changes to identity fields on update', () => {
    const errs = validateObjectMetaUpdate({ name: 'b', namespace: 'd', uid: '1' }, { name: 'a', namespace: 'd', uid: '1' });
    expect(lines(errs)).toEqual(['metadata.name: Invalid value: "b": field is immutable']);
  });
});
