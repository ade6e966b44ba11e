import { describe, expect, it } from 'vitest';
import { CelCompileError, CelEnvironment, CelEvalError } from './index';

const env = new CelEnvironment(['object', 'params']);
const ev = (expr: string, object: unknown = {}, params: unknown = null) => env.compile(expr).evaluate({ object, params });

describe('CelEnvironment', () => {
  it('reads JSON objects with ints, strings, lists and maps', () => {
    const obj = { metadata: { name: 'a', labels: { app: 'x' } }, spec: { replicas: 6, ports: [80, 443], ratio: 0.5 } };
    expect(ev('object.spec.replicas <= 5', obj)).toBe(false);
    expect(ev('object.spec.replicas + 1', obj)).toBe(7);
    expect(ev('object.spec.ratio * 2.0', obj)).toBe(1);
    expect(ev('object.metadata.labels["app"] == "x" && has(object.metadata.labels.app)', obj)).toBe(true);
    expect(ev('!has(object.spec.missing)', obj)).toBe(true);
    expect(ev('object.spec.ports.all(p, p > 0) && object.spec.ports.exists(p, p == 443)', obj)).toBe(true);
    expect(ev('object.spec.ports.map(p, p * 2)', obj)).toEqual([160, 886]);
    expect(ev('{"a": 1}', obj)).toEqual({ a: 1 });
    expect(ev('params == null', obj)).toBe(true);
    expect(ev('object.metadata.name.startsWith("a") && object.metadata.name.matches("^[a-z]+$")', obj)).toBe(true);
  });

  it('has the Kubernetes list, regex, url, quantity and strings libraries', () => {
    expect(ev('[1, 2, 3].isSorted() && [3, 1].max() == 3 && [3, 1].min() == 1 && [1, 2].sum() == 3')).toBe(true);
    expect(ev('[1, 2, 1].indexOf(1) == 0 && [1, 2, 1].lastIndexOf(1) == 2')).toBe(true);
    expect(ev('"abc 123 def 456".find("[0-9]+")')).toBe('123');
    expect(ev('"abc 123 def 456".findAll("[0-9]+")')).toEqual(['123', '456']);
    expect(ev('url("https://example.com:8443/a/b?x=1").getHost()')).toBe('example.com:8443');
    expect(ev('url("https://example.com:8443/a").getPort() == "8443" && isURL("https://x") && !isURL("::")')).toBe(true);
    expect(ev('quantity("1Gi").isGreaterThan(quantity("1000Mi")) && quantity("500m").asApproximateFloat() == 0.5')).toBe(true);
    expect(ev('quantity("2").asInteger() == 2 && isQuantity("1Gi") && !isQuantity("1Gb")')).toBe(true);
    expect(ev('quantity("1").add(quantity("500m"))')).toBe('1500m');
    expect(ev('"Hello".lowerAscii() + "," + "a-b".replace("-", "_")')).toBe('hello,a_b');
    expect(ev('"a,b".split(",").size() == 2')).toBe(true);
  });

  it('reports compile and evaluation errors', () => {
    expect(() => env.compile('object.spec.')).toThrow(CelCompileError);
    expect(() => ev('object.spec.replicas', {})).toThrow(CelEvalError);
    expect(() => ev('object.spec.x', { spec: {} })).toThrow(/no such key|not found/);
    expect(() => env.compile('1 + 1').evaluateBool({})).toThrow(/bool/);
  });
});

describe('rewriteObjectLiterals', () => {
  it('turns typed object literals into maps', async () => {
    const { rewriteObjectLiterals } = await import('./index');
    const src = 'Object{metadata: Object.metadata{labels: {"a": "x,y"}}, spec: Object.spec{replicas: 1}}';
    expect(rewriteObjectLiterals(src)).toBe('{"metadata": {"labels": {"a": "x,y"}}, "spec": {"replicas": 1}}');
    const p = '[JSONPatch{op: "add", path: "/metadata/labels/" + jsonpatch.escapeKey("a/b"), value: object.x}]';
    expect(env.compile(rewriteObjectLiterals(p)).evaluate({ object: { x: 2 } })).toEqual([{ op: 'add', path: '/metadata/labels/a~1b', value: 2 }]);
  });
});
