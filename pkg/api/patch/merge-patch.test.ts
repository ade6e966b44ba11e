import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../types';
import { applyMergePatch, mergePatch } from './merge-patch';
import { isPatchError } from './errors';

describe('mergePatch (RFC 7386)', () => {
  it('passes the RFC 7386 appendix A examples', () => {
    const cases: [unknown, unknown, unknown][] = [
      [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
      [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
      [{ a: 'b' }, { a: null }, {}],
      [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
      [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
      [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
      [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
      [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
      [['a', 'b'], ['c', 'd'], ['c', 'd']],
      [{ a: 'b' }, ['c'], ['c']],
      [{ a: 'foo' }, null, null],
      [{ a: 'foo' }, 'bar', 'bar'],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [[1, 2], { a: 'b', c: null }, { a: 'b' }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [target, patch, expected] of cases) {
      expect(mergePatch(target as never, patch as never), JSON.stringify([target, patch])).toEqual(expected);
    }
  });

  it('never shares or mutates its inputs', () => {
    const doc = { metadata: { labels: { a: '1' } }, spec: { x: { y: 1 } } };
    const out = mergePatch(doc, { metadata: { labels: { b: '2' } } }) as { spec: { x: { y: number } } };
    out.spec.x.y = 2;
    expect(doc).toEqual({ metadata: { labels: { a: '1' } }, spec: { x: { y: 1 } } });
  });
});

describe('applyMergePatch (kubectl label / annotate / scale)', () => {
  const pod: JsonObject = { metadata: { name: 'p', labels: { app: 'web', tier: 'front' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };

  it('adds and removes labels', () => {
    expect(applyMergePatch(pod, { metadata: { labels: { env: 'prod', tier: null } } })).toEqual({
      metadata: { name: 'p', labels: { app: 'web', env: 'prod' } },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    });
  });

  it('replaces lists wholesale', () => {
    expect(applyMergePatch(pod, { spec: { containers: [{ name: 'd', image: 'redis' }] } }).spec).toEqual({ containers: [{ name: 'd', image: 'redis' }] });
  });

  it('refuses null (400) and non-object bodies (422)', () => {
    const code = (body: unknown): string | undefined => {
      try {
        applyMergePatch(pod, body);
      } catch (e) {
        return isPatchError(e) ? e.code : 'other';
      }
      return undefined;
    };
    expect(code(null)).toBe('malformed');
    expect(code([1])).toBe('unprocessable');
    expect(code('x')).toBe('unprocessable');
  });
});
