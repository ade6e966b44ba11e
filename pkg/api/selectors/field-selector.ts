// Field selectors: the `fieldSelector=` query syntax (`metadata.name=x,status.phase!=Running`, `==`
// also accepted). Terms are separated by unescaped commas; in values `\,` `\=` and `\\` stand for the
// characters themselves, and an unescaped `,` or `=` or any other escape is an error — the rules of
// Kubernetes' fields package. Which fields a resource supports is decided by field-getters.ts.
import { FieldSelectorError } from './errors';

export type FieldOperator = '=' | '==' | '!=';

export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  /** The value with escapes resolved. */
  readonly value: string;
}

/** Reads one selectable field of the object being matched ('' when absent). */
export type FieldValueGetter = (field: string) => string;

export interface FieldSelector {
  /** Terms in upstream's order (sorted by their text); all must hold. */
  readonly requirements: readonly FieldRequirement[];
  readonly empty: boolean;
  matches(get: FieldValueGetter): boolean;
  /** The value `field` must equal for any object to match (`metadata.name=x` → 'x'), if the selector says so. */
  requiresExactMatch(field: string): string | undefined;
  /** Canonical query form with values escaped again. */
  toString(): string;
}

const OPERATORS: readonly FieldOperator[] = ['!=', '==', '='];

/** Splits on commas that are not escaped by a backslash. */
function splitTerms(query: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < query.length; i++) {
    const c = query[i];
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (c === ',') {
      terms.push(query.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(query.slice(start));
  return terms;
}

/** The first operator found scanning left to right (`!=` and `==` win over `=` at the same place). */
function splitTerm(term: string): [string, FieldOperator, string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of OPERATORS) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** Resolves `\\`, `\,`, `\=`; throws on any other escape or on a bare `,` or `=`. */
export function unescapeFieldValue(raw: string): string {
  let out = '';
  let escaped = false;
  for (const c of raw) {
    if (escaped) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw new FieldSelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      escaped = false;
    } else if (c === '\\') {
      escaped = true;
    } else if (c === ',' || c === '=') {
      throw new FieldSelectorError(`invalid field selector: unescaped character in value: ${c}`);
    } else {
      out += c;
    }
  }
  if (escaped) throw new FieldSelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Escapes `\`, `,` and `=` so the value survives a round trip through the query syntax. */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

function makeSelector(requirements: FieldRequirement[]): FieldSelector {
  const frozen = Object.freeze(requirements.map((r) => Object.freeze({ ...r })));
  return Object.freeze({
    requirements: frozen,
    empty: frozen.length === 0,
    matches(get: FieldValueGetter): boolean {
      return frozen.every((r) => (get(r.field) === r.value) === (r.operator !== '!='));
    },
    requiresExactMatch(field: string): string | undefined {
      const term = frozen.find((r) => r.field === field && r.operator !== '!=');
      return term?.value;
    },
    toString(): string {
      return frozen.map((r) => `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeFieldValue(r.value)}`).join(',');
    },
  });
}

/** Parses the `fieldSelector` query syntax; '' selects everything. Throws FieldSelectorError. */
export function parseFieldSelector(query: string): FieldSelector {
  if (query.length === 0) return makeSelector([]);
  const terms = splitTerms(query).sort();
  const requirements: FieldRequirement[] = [];
  for (const term of terms) {
    if (term === '') continue;
    const parts = splitTerm(term);
    if (parts === undefined) {
      throw new FieldSelectorError(`invalid selector: '${query}'; can't understand '${term}' (expected field=value, field==value or field!=value)`);
    }
    const [field, operator, raw] = parts;
    requirements.push({ field, operator, value: unescapeFieldValue(raw) });
  }
  return makeSelector(requirements);
}

/** A copy of the selector with every field renamed (upstream's field label conversion, e.g. `spec.host` → `spec.nodeName`). */
export function renameFields(selector: FieldSelector, rename: (field: string) => string): FieldSelector {
  return makeSelector(selector.requirements.map((r) => ({ ...r, field: rename(r.field) })));
}
