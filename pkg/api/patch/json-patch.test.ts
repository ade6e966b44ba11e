import { describe, expect, it } from 'vitest';
import type { Json } from '../types';
import { applyJsonPatch, decodeJsonPatch } from './json-patch';
import { isPatchError } from './errors';
import { formatPointer, parsePointer } from './json-pointer';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (isPatchError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('JSON pointers (RFC 6901)', () => {
  it('unescapes ~1 and ~0 in that order', () => {
    expect(parsePointer('')).toEqual([]);
    expect(parsePointer('/a~1b/m~0n/~01')).toEqual(['a/b', 'm~n', '~1']);
    expect(formatPointer(['a/b', 'm~n'])).toBe('/a~1b/m~0n');
  });
  it('rejects pointers without a leading slash or with a bad escape', () => {
    expect(codeOf(() => parsePointer('a/b'))).toBe('unprocessable');
    expect(codeOf(() => parsePointer('/a~2'))).toBe('unprocessable');
  });
});

describe('applyJsonPatch (RFC 6902)', () => {
  const doc: Json = { metadata: { name: 'x', labels: { 'app.kubernetes.io/name': 'web' } }, spec: { list: ['a', 'b'] } };

  it('adds members and array items, "-" appends', () => {
    const out = applyJsonPatch(doc, [
      { op: 'add', path: '/metadata/labels/tier', value: 'front' },
      { op: 'add', path: '/spec/list/1', value: 'x' },
      { op: 'add', path: '/spec/list/-', value: 'z' },
      { op: 'add', path: '/spec/list/4', value: 'end' },
    ]);
    expect(out).toEqual({
      metadata: { name: 'x', labels: { 'app.kubernetes.io/name': 'web', tier: 'front' } },
      spec: { list: ['a', 'x', 'b', 'z', 'end'] },
    });
    expect(doc).toEqual({ metadata: { name: 'x', labels: { 'app.kubernetes.io/name': 'web' } }, spec: { list: ['a', 'b'] } });
  });

  it('uses ~1 to address keys with slashes (kubectl label via json-patch)', () => {
    const out = applyJsonPatch(doc, [{ op: 'replace', path: '/metadata/labels/app.kubernetes.io~1name', value: 'api' }]);
    expect((out as { metadata: { labels: Record<string, string> } }).metadata.labels['app.kubernetes.io/name']).toBe('api');
  });

  it('removes, replaces, moves and copies', () => {
    const out = applyJsonPatch(doc, [
      { op: 'remove', path: '/spec/list/0' },
      { op: 'replace', path: '/metadata/name', value: 'y' },
      { op: 'copy', from: '/metadata/labels', path: '/spec/labels' },
      { op: 'move', from: '/spec/list', path: '/spec/items' },
    ]);
    expect(out).toEqual({
      metadata: { name: 'y', labels: { 'app.kubernetes.io/name': 'web' } },
      spec: { labels: { 'app.kubernetes.io/name': 'web' }, items: ['b'] },
    });
  });

  it('replaces the whole document at the empty path', () => {
    expect(applyJsonPatch(doc, [{ op: 'replace', path: '', value: { a: 1 } }])).toEqual({ a: 1 });
  });

  it('passes and fails test operations (failure is test-failed, mapped to 422)', () => {
    expect(applyJsonPatch(doc, [{ op: 'test', path: '/spec/list', value: ['a', 'b'] }])).toEqual(doc);
    expect(applyJsonPatch(doc, [{ op: 'test', path: '/spec/missing', value: null }])).toEqual(doc);
    expect(codeOf(() => applyJsonPatch(doc, [{ op: 'test', path: '/metadata/name', value: 'nope' }]))).toBe('test-failed');
  });

  it('applies nothing when a later operation fails', () => {
    expect(codeOf(() => applyJsonPatch(doc, [{ op: 'add', path: '/a', value: 1 }, { op: 'remove', path: '/nope' }]))).toBe('unprocessable');
  });

  it('reports operations that do not apply as unprocessable', () => {
    const cases: unknown[] = [
      [{ op: 'remove', path: '/metadata/missing' }],
      [{ op: 'replace', path: '/metadata/missing', value: 1 }],
      [{ op: 'add', path: '/missing/child', value: 1 }],
      [{ op: 'add', path: '/spec/list/3', value: 1 }],
      [{ op: 'add', path: '/spec/list/01', value: 1 }],
      [{ op: 'remove', path: '/spec/list/-' }],
      [{ op: 'move', from: '/spec', path: '/spec/inner' }],
      [{ op: 'remove', path: '' }],
      [{ op: 'frobnicate', path: '/a' }],
      [{ op: 'add', path: '/a' }],
      [{ op: 'copy', path: '/a' }],
    ];
    for (const c of cases) expect(codeOf(() => applyJsonPatch(doc, c)), JSON.stringify(c)).toBe('unprocessable');
  });

  it('reports an unreadable body as malformed and too many operations as too-many-operations', () => {
    expect(codeOf(() => applyJsonPatch(doc, { op: 'add' }))).toBe('malformed');
    expect(codeOf(() => applyJsonPatch(doc, ['x']))).toBe('malformed');
    expect(codeOf(() => decodeJsonPatch([{ op: 'test', path: '', value: 1 }, { op: 'test', path: '', value: 1 }], 1))).toBe('too-many-operations');
  });

  it('treats __proto__ as an ordinary member name', () => {
    const out = applyJsonPatch({}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
  });
});
