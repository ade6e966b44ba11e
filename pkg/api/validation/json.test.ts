// clone(): a deep copy of JSON values that shares nothing with its source, keeps an own
// `__proto__` key as a key, and copies frozen values into mutable ones.
import { describe, expect, it } from 'vitest';
import { deepFreeze } from '../deep-freeze';
import { clone } from './json';

describe('clone', () => {
  it('copies objects and arrays deeply, primitives as they are', () => {
    const src = { a: { b: [1, { c: null, d: 'x' }], e: true }, f: undefined, g: 0 };
    const copy = clone(src);
    expect(copy).toStrictEqual(src);
    expect(copy.a).not.toBe(src.a);
    expect(copy.a.b).not.toBe(src.a.b);
    expect(copy.a.b[1]).not.toBe(src.a.b[1]);
    expect(clone('s')).toBe('s');
    expect(clone(null)).toBe(null);
  });

  it('keeps an own __proto__ key without touching any prototype', () => {
    const src = JSON.parse('{"x":{"__proto__":{"polluted":1}}}') as { x: Record<string, unknown> };
    const copy = clone(src);
    expect(Object.getPrototypeOf(copy.x)).toBe(Object.prototype);
    expect(Object.keys(copy.x)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(copy)).toBe(JSON.stringify(src));
  });

  it('copies values that are not plain objects as structuredClone does', () => {
    const at = new Date('2026-11-28T00:00:00Z');
    const copy = clone({ at, raw: Buffer.from('x') });
    expect(copy.at).toBeInstanceOf(Date);
    expect(copy.at).not.toBe(at);
    expect(copy.at.getTime()).toBe(at.getTime());
    expect(Buffer.from(copy.raw).toString()).toBe('x');
  });

  it('gives a mutable copy of a frozen object', () => {
    const frozen = deepFreeze({ metadata: { labels: { a: '1' } } });
    const copy = clone(frozen);
    copy.metadata.labels.a = '2';
    expect(copy.metadata.labels.a).toBe('2');
    expect(frozen.metadata.labels.a).toBe('1');
  });
});
