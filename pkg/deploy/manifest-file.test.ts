import { describe, expect, it } from 'vitest';
import { DeployError } from './errors';
import { addonNameFor, isManifestName, manifestChecksum, parseManifest } from './manifest-file';

describe('parseManifest', () => {
  it('reads several YAML documents in order, skipping empty ones', () => {
    const text = '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n# only a comment\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\n';
    expect(parseManifest(text, 'x.yaml').map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ConfigMap/a', 'Secret/b']);
  });

  it('reads JSON and flattens a List', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } }] };
    expect(parseManifest(JSON.stringify(list), 'x.json').map((o) => o.metadata.name)).toEqual(['a', 'b']);
  });

  it('returns nothing for an empty file', () => {
    expect(parseManifest('', 'x.yaml')).toEqual([]);
  });

  it('names the document that is wrong', () => {
    expect(() => parseManifest('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: ConfigMap\nmetadata: {name: b}\n', 'x.yaml')).toThrow(/document 2 of x\.yaml has no apiVersion/);
    expect(() => parseManifest('apiVersion: v1\nkind: ConfigMap\n', 'x.yaml')).toThrow(/\(ConfigMap\) has no metadata.name/);
    expect(() => parseManifest('- 1\n- 2\n', 'x.yaml')).toThrow(DeployError);
    expect(() => parseManifest('a: [1, 2\n', 'x.yaml')).toThrow(/not valid YAML/);
  });
});

describe('addonNameFor', () => {
  it('drops the extension and joins directories', () => {
    expect(addonNameFor('coredns.yaml')).toBe('coredns');
    expect(addonNameFor('apps/Web_Server.yml')).toBe('apps-web-server');
    expect(addonNameFor('extra.json')).toBe('extra');
  });
});

describe('isManifestName and manifestChecksum', () => {
  it('accepts YAML/JSON, not hidden files or .skip markers', () => {
    expect(['a.yaml', 'a.yml', 'a.json', 'A.YAML'].every(isManifestName)).toBe(true);
    expect(['a.yaml.skip', '.a.yaml.tmp-1', 'a.txt', '.hidden.yaml'].some(isManifestName)).toBe(false);
  });

  it('is the sha256 of the bytes', () => {
    expect(manifestChecksum('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
