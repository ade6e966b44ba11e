// The Kubernetes CEL libraries k3ts offers, on top of CEL's standard functions and the strings
// extension: lists (isSorted, sum, min, max, indexOf, lastIndexOf), regex (find, findAll), url
// (url, isURL, getScheme, getHost, getHostname, getPort, getEscapedPath, getQuery) and quantity
// (quantity, isQuantity, compareTo, isGreaterThan, isLessThan, asInteger, asApproximateFloat,
// isInteger, sign, add, sub), and jsonpatch.escapeKey for mutating policies.
//
// Deviation: upstream has distinct `URL` and `Quantity` types; here `url(s)` and `quantity(s)`
// return strings (the URL as given, the quantity in canonical form) and the accessor methods are
// string methods, so `quantity("1Gi").isGreaterThan(quantity("1000Mi"))` and
// `url(x).getHost()` read the same as upstream.
import { celError, celFunc, celList, celMethod, CelScalar, listType, mapType, type CelFunc, type CelList, type CelValue } from '@bufbuild/cel';
import { canonicalQuantity, compareQuantities, formatQuantity, parseQuantity, type Quantity } from '../api/validation/quantity';

const { STRING, INT, BOOL, DOUBLE, DYN } = CelScalar;
const DYN_LIST = listType(DYN);
const NANO = 1_000_000_000n;

type Comparable = bigint | number | string | boolean;

function compareValues(a: CelValue, b: CelValue): number {
  const x = a as Comparable;
  const y = b as Comparable;
  if (typeof x === 'bigint' && typeof y === 'number') return Number(x) < y ? -1 : Number(x) > y ? 1 : 0;
  if (typeof x === 'number' && typeof y === 'bigint') return x < Number(y) ? -1 : x > Number(y) ? 1 : 0;
  if (typeof x !== typeof y) throw celError(`no such overload: compare ${typeof x} and ${typeof y}`);
  return x < y ? -1 : x > y ? 1 : 0;
}

function sameValue(a: CelValue, b: CelValue): boolean {
  try {
    return compareValues(a, b) === 0;
  } catch {
    return false;
  }
}

function listFuncs(): CelFunc[] {
  const extreme = (name: string, sign: number) =>
    celMethod(name, DYN_LIST, [], DYN, function (this: CelList) {
      if (this.size === 0) throw celError(`${name}: list is empty`);
      let best: CelValue = this.get(0)!;
      for (const v of this) if (compareValues(v, best) * sign > 0) best = v;
      return best as Comparable;
    });
  return [
    celMethod('isSorted', DYN_LIST, [], BOOL, function (this: CelList) {
      let prev: CelValue | undefined;
      for (const v of this) {
        if (prev !== undefined && compareValues(prev, v) > 0) return false;
        prev = v;
      }
      return true;
    }),
    celMethod('sum', DYN_LIST, [], DYN, function (this: CelList) {
      let total: bigint | number = 0n;
      for (const v of this) {
        if (typeof v === 'bigint' && typeof total === 'bigint') total += v;
        else if (typeof v === 'number' || typeof v === 'bigint') total = Number(total) + Number(v);
        else throw celError('sum: list elements must be numbers');
      }
      return total;
    }),
    extreme('min', -1),
    extreme('max', 1),
    celMethod('indexOf', DYN_LIST, [DYN], INT, function (this: CelList, x: CelValue) {
      let i = 0;
      for (const v of this) {
        if (sameValue(v, x)) return BigInt(i);
        i++;
      }
      return -1n;
    }),
    celMethod('lastIndexOf', DYN_LIST, [DYN], INT, function (this: CelList, x: CelValue) {
      let found = -1;
      let i = 0;
      for (const v of this) {
        if (sameValue(v, x)) found = i;
        i++;
      }
      return BigInt(found);
    }),
  ];
}

function compileRegex(pattern: string, flags = ''): RegExp {
  try {
    return new RegExp(pattern, flags);
  } catch (e) {
    throw celError(`invalid regular expression: ${(e as Error).message}`);
  }
}

function regexFuncs(): CelFunc[] {
  const findAll = (s: string, pattern: string, limit: number): CelList => {
    if (limit === 0) return celList([]);
    const out: string[] = [];
    for (const m of s.matchAll(compileRegex(pattern, 'g'))) {
      out.push(m[0]);
      if (limit > 0 && out.length >= limit) break;
    }
    return celList(out);
  };
  return [
    celMethod('find', STRING, [STRING], STRING, function (this: string, pattern: string) {
      return compileRegex(pattern).exec(this)?.[0] ?? '';
    }),
    celMethod('findAll', STRING, [STRING], listType(STRING), function (this: string, pattern: string) {
      return findAll(this, pattern, -1);
    }),
    celMethod('findAll', STRING, [STRING, INT], listType(STRING), function (this: string, pattern: string, n: bigint) {
      return findAll(this, pattern, Number(n));
    }),
  ];
}

function parseUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

function urlFuncs(): CelFunc[] {
  const must = (s: string): URL => {
    const u = parseUrl(s);
    if (!u) throw celError(`URL parse error during conversion from string: parse "${s}": invalid URI for request`);
    return u;
  };
  const accessor = (name: string, get: (u: URL) => string) => celMethod(name, STRING, [], STRING, function (this: string) {
    return get(must(this));
  });
  return [
    celFunc('url', [STRING], STRING, (s: string) => (must(s), s)),
    celFunc('isURL', [STRING], BOOL, (s: string) => parseUrl(s) !== undefined),
    accessor('getScheme', (u) => u.protocol.replace(/:$/, '')),
    accessor('getHost', (u) => u.host),
    accessor('getHostname', (u) => u.hostname.replace(/^\[(.*)\]$/, '$1')),
    accessor('getPort', (u) => u.port),
    accessor('getEscapedPath', (u) => u.pathname),
    celMethod('getQuery', STRING, [], mapType(STRING, listType(STRING)), function (this: string) {
      const q = new Map<string, CelList>();
      const params = must(this).searchParams;
      for (const k of new Set(params.keys())) q.set(k, celList(params.getAll(k)));
      return q;
    }),
  ];
}

function quantityOf(s: string): Quantity {
  const q = parseQuantity(s);
  if (!q) throw celError(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  return q;
}

function quantityFuncs(): CelFunc[] {
  const compare = (a: string, b: string) => compareQuantities(quantityOf(a), quantityOf(b));
  const arith = (name: string, sign: bigint) => [
    celMethod(name, STRING, [STRING], STRING, function (this: string, other: string) {
      const a = quantityOf(this);
      return formatQuantity({ nanos: a.nanos + sign * quantityOf(other).nanos, format: a.format });
    }),
    celMethod(name, STRING, [INT], STRING, function (this: string, other: bigint) {
      const a = quantityOf(this);
      return formatQuantity({ nanos: a.nanos + sign * other * NANO, format: a.format });
    }),
  ];
  return [
    celFunc('quantity', [STRING], STRING, (s: string) => canonicalQuantity((quantityOf(s), s))),
    celFunc('isQuantity', [STRING], BOOL, (s: string) => parseQuantity(s) !== undefined),
    celMethod('compareTo', STRING, [STRING], INT, function (this: string, o: string) {
      return BigInt(compare(this, o));
    }),
    celMethod('isGreaterThan', STRING, [STRING], BOOL, function (this: string, o: string) {
      return compare(this, o) > 0;
    }),
    celMethod('isLessThan', STRING, [STRING], BOOL, function (this: string, o: string) {
      return compare(this, o) < 0;
    }),
    celMethod('isInteger', STRING, [], BOOL, function (this: string) {
      return quantityOf(this).nanos % NANO === 0n;
    }),
    celMethod('asInteger', STRING, [], INT, function (this: string) {
      const q = quantityOf(this);
      if (q.nanos % NANO !== 0n) throw celError('cannot convert value to integer');
      return q.nanos / NANO;
    }),
    celMethod('asApproximateFloat', STRING, [], DOUBLE, function (this: string) {
      return Number(quantityOf(this).nanos) / 1e9;
    }),
    celMethod('sign', STRING, [], INT, function (this: string) {
      const n = quantityOf(this).nanos;
      return n > 0n ? 1n : n < 0n ? -1n : 0n;
    }),
    ...arith('add', 1n),
    ...arith('sub', -1n),
  ];
}

/** `jsonpatch.escapeKey(k)`: a key as a JSON pointer segment (`~` → `~0`, `/` → `~1`). */
function jsonPatchFuncs(): CelFunc[] {
  return [celFunc('jsonpatch.escapeKey', [STRING], STRING, (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1'))];
}

/** Every Kubernetes library function k3ts registers. */
export function kubernetesLibrary(): CelFunc[] {
  return [...listFuncs(), ...regexFuncs(), ...urlFuncs(), ...quantityFuncs(), ...jsonPatchFuncs()];
}
