// JSON ⇄ CEL values. Kubernetes objects are JSON, where every whole number is a CEL `int`
// (bigint here) and other numbers are `double`; CEL lists and maps come back as arrays and plain
// objects, ints as numbers when they fit.
import { isCelList, isCelMap, isCelUint, type CelInput, type CelValue } from '@bufbuild/cel';
import { CelAuthorizer } from './cel-authorizer';

export function toCel(v: unknown): CelInput {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (Array.isArray(v)) return v.map(toCel);
  if (v instanceof Uint8Array) return v;
  if (v instanceof CelAuthorizer) return v.toCel();
  if (typeof v === 'object') {
    const out: { [key: string]: CelInput } = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = toCel(x);
    return out;
  }
  return String(v);
}

export function fromCel(v: CelValue | unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (isCelUint(v)) return fromCel(v.value);
  if (isCelList(v)) return [...v].map(fromCel);
  if (isCelMap(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v) out[String(isCelUint(k) ? k.value : k)] = fromCel(x);
    return out;
  }
  return v;
}
