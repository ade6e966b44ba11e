import { describe, expect, it } from 'vitest';
import { defineResource } from '../api/catalog/define';
import type { ResourceDef } from '../api/resource-def';
import { CatalogView } from './catalog-view';

const def = (group: string, version: string, resource: string): ResourceDef =>
  defineResource({ group, version, kind: resource[0]!.toUpperCase() + resource.slice(1, -1), resource, singular: resource.slice(0, -1), namespaced: true, strategy: {} });

describe('CatalogView', () => {
  it('serves resources added and removed at run time, preferred version first', () => {
    const pods = def('', 'v1', 'pods');
    const view = new CatalogView([pods]);
    const beta = def('example.com', 'v1beta1', 'widgets');
    const ga = def('example.com', 'v1', 'gadgets');
    view.add([beta]);
    view.add([ga]);
    expect(view.groups).toEqual([
      { group: '', versions: ['v1'] },
      { group: 'example.com', versions: ['v1', 'v1beta1'] },
    ]);
    expect(view.lookup('example.com', 'v1beta1', 'widgets')).toBe(beta);
    expect(view.inGroupVersion('example.com', 'v1')).toEqual([ga]);
    const replaced = def('example.com', 'v1beta1', 'widgets');
    view.add([replaced]);
    expect(view.lookup('example.com', 'v1beta1', 'widgets')).toBe(replaced);
    view.remove([replaced, ga]);
    expect(view.servesGroupVersion('example.com', 'v1')).toBe(false);
    expect(view.groups).toEqual([{ group: '', versions: ['v1'] }]);
    expect(view.resources).toEqual([pods]);
  });
});
