// Label selectors: the `labelSelector=` query syntax (`a=b,c!=d,e in (x,y),f notin (z),g,!h,i>3`) and
// the structured metav1.LabelSelector used in specs (`{matchLabels, matchExpressions}`), both compiled
// to one requirement list that matches a label map. Semantics follow Kubernetes' labels package:
// `!=`/`notin` match objects without the key, `in`/`=` need it, `>`/`<` compare integers.
import { LabelSelectorError } from './errors';
import { tokenize, type Token, type TokenKind } from './internal/label-lexer';
import { labelKeyProblems, labelValueProblems } from './label-validation';

export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Values as written (deduplicated, sorted); empty for exists / does-not-exist. */
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>> | undefined | null;

export interface LabelSelector {
  /** Requirements sorted by key; all must hold. */
  readonly requirements: readonly LabelRequirement[];
  /** True when the selector selects everything (no requirements). */
  readonly empty: boolean;
  matches(labels: Labels): boolean;
  /** The canonical query form, e.g. `app=web,tier in (a,b)` ('' for everything and for nothing). */
  toString(): string;
}

/** metav1.LabelSelector as JSON. */
export interface LabelSelectorJson {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] | null }[] | null;
}

const INT = /^[+-]?[0-9]+$/;

function requirementMatches(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value as string);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value as string);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1 || !INT.test(value as string) || !INT.test(r.values[0])) return false;
      const actual = BigInt(value as string);
      const wanted = BigInt(r.values[0]);
      return r.operator === 'gt' ? actual > wanted : actual < wanted;
    }
  }
}

function requirementString(r: LabelRequirement): string {
  switch (r.operator) {
    case '!':
      return `!${r.key}`;
    case 'exists':
      return r.key;
    case 'in':
    case 'notin':
      return `${r.key} ${r.operator} (${r.values.join(',')})`;
    case 'gt':
      return `${r.key}>${r.values[0]}`;
    case 'lt':
      return `${r.key}<${r.values[0]}`;
    default:
      return `${r.key}${r.operator}${r.values[0]}`;
  }
}

function makeSelector(requirements: LabelRequirement[], nothing = false): LabelSelector {
  const sorted = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return Object.freeze({
    requirements: Object.freeze(sorted),
    empty: !nothing && sorted.length === 0,
    matches(labels: Labels): boolean {
      if (nothing) return false;
      const l = labels ?? {};
      return sorted.every((r) => requirementMatches(r, l));
    },
    toString(): string {
      return sorted.map(requirementString).join(',');
    },
  });
}

/** Selects every object. */
export const everything: LabelSelector = makeSelector([]);
/** Selects no object (what a missing metav1.LabelSelector means). */
export const nothing: LabelSelector = makeSelector([], true);

/** Builds one validated requirement; throws LabelSelectorError listing every problem. */
export function labelRequirement(key: string, operator: LabelOperator, values: readonly string[]): LabelRequirement {
  const problems: string[] = [];
  for (const p of labelKeyProblems(key)) problems.push(`key: Invalid value: ${JSON.stringify(key)}: ${p}`);
  const shown = JSON.stringify(values);
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) problems.push(`values: Invalid value: ${shown}: for 'in', 'notin' operators, values set can't be empty`);
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) problems.push(`values: Invalid value: ${shown}: exact-match compatibility requires one single value`);
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) problems.push(`values: Invalid value: ${shown}: values set must be empty for exists and does not exist`);
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) problems.push(`values: Invalid value: ${shown}: for 'Gt', 'Lt' operators, exactly one value is required`);
      values.forEach((v, i) => {
        if (!INT.test(v)) problems.push(`values[${i}]: Invalid value: ${JSON.stringify(v)}: for 'Gt', 'Lt' operators, the value must be an integer`);
      });
      break;
  }
  values.forEach((v, i) => {
    for (const p of labelValueProblems(v)) problems.push(`values[${i}][${key}]: Invalid value: ${JSON.stringify(v)}: ${p}`);
  });
  if (problems.length > 0) {
    throw new LabelSelectorError(problems.length === 1 ? problems[0] : `[${problems.join(', ')}]`);
  }
  const unique = [...new Set(values)].sort();
  return Object.freeze({ key, operator, values: Object.freeze(unique) });
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  /** Next token without consuming it; `in`/`notin` read as identifiers where values are expected. */
  private peek(asValue = true): Token {
    return this.view(this.tokens[this.pos], asValue);
  }

  private next(asValue = true): Token {
    const t = this.tokens[this.pos];
    if (t.kind !== 'end') this.pos++;
    return this.view(t, asValue);
  }

  private view(t: Token, asValue: boolean): Token {
    return asValue && (t.kind === 'in' || t.kind === 'notin') ? { kind: 'identifier', text: t.text } : t;
  }

  parse(): LabelRequirement[] {
    const out: LabelRequirement[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'end') return out;
      if (t.kind !== 'identifier' && t.kind !== 'not') {
        throw new LabelSelectorError(`found '${t.text}', expected: !, identifier, or 'end of string'`);
      }
      out.push(this.requirement());
      const sep = this.next();
      if (sep.kind === 'end') return out;
      if (sep.kind !== 'comma') throw new LabelSelectorError(`found '${sep.text}', expected: ',' or 'end of string'`);
      const after = this.peek();
      if (after.kind !== 'identifier' && after.kind !== 'not') {
        throw new LabelSelectorError(`found '${after.text}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): LabelRequirement {
    try {
      let negated = false;
      let t = this.next();
      if (t.kind === 'not') {
        negated = true;
        t = this.next();
      }
      if (t.kind !== 'identifier') throw new LabelSelectorError(`found '${t.text}', expected: identifier`);
      const key = t.text;
      const keyProblems = labelKeyProblems(key);
      if (keyProblems.length > 0) throw new LabelSelectorError(`invalid label key ${JSON.stringify(key)}: ${keyProblems.join('; ')}`);
      const following = this.peek().kind;
      if (negated) return labelRequirement(key, '!', []);
      if (following === 'end' || following === 'comma') return labelRequirement(key, 'exists', []);
      const operator = this.operator();
      const values = operator === 'in' || operator === 'notin' ? this.valueSet() : this.exactValue();
      return labelRequirement(key, operator, values);
    } catch (e) {
      if (e instanceof LabelSelectorError) throw new LabelSelectorError(`unable to parse requirement: ${e.message}`);
      throw e;
    }
  }

  private operator(): LabelOperator {
    const t = this.next(false);
    const ops: Partial<Record<TokenKind, LabelOperator>> = {
      in: 'in',
      notin: 'notin',
      equals: '=',
      'double-equals': '==',
      'not-equals': '!=',
      'greater-than': 'gt',
      'less-than': 'lt',
    };
    const op = ops[t.kind];
    if (op === undefined) throw new LabelSelectorError(`found '${t.text}', expected: in, notin, =, ==, !=, gt, lt`);
    return op;
  }

  private valueSet(): string[] {
    const open = this.next();
    if (open.kind !== 'open-paren') throw new LabelSelectorError(`found '${open.text}' expected: '('`);
    const first = this.peek();
    if (first.kind === 'close-paren') {
      this.next();
      return [''];
    }
    if (first.kind !== 'identifier' && first.kind !== 'comma') {
      throw new LabelSelectorError(`found '${first.text}', expected: ',', ')' or identifier`);
    }
    const values = new Set<string>();
    for (;;) {
      const t = this.next();
      if (t.kind === 'identifier') {
        values.add(t.text);
        const after = this.peek();
        if (after.kind === 'comma') continue;
        if (after.kind === 'close-paren') break;
        throw new LabelSelectorError(`found '${after.text}', expected: ',' or ')'`);
      } else if (t.kind === 'comma') {
        // `(,a)`, `(a,)` and `(a,,b)` each add the empty value.
        if (values.size === 0) values.add('');
        const after = this.peek();
        if (after.kind === 'close-paren') {
          values.add('');
          break;
        }
        if (after.kind === 'comma') {
          this.next();
          values.add('');
        }
      } else {
        throw new LabelSelectorError(`found '${t.text}', expected: ',', or identifier`);
      }
    }
    const close = this.next();
    if (close.kind !== 'close-paren') throw new LabelSelectorError(`found '${close.text}', expected: ')'`);
    return [...values];
  }

  private exactValue(): string[] {
    const t = this.peek();
    if (t.kind === 'end' || t.kind === 'comma') return [''];
    const v = this.next();
    if (v.kind !== 'identifier') throw new LabelSelectorError(`found '${v.text}', expected: identifier`);
    return [v.text];
  }
}

/** Parses the `labelSelector` query syntax; '' (or only spaces) selects everything. Throws LabelSelectorError. */
export function parseLabelSelector(query: string): LabelSelector {
  const requirements = new Parser(tokenize(query)).parse();
  return requirements.length === 0 ? everything : makeSelector(requirements);
}

const STRUCTURED_OPS: Readonly<Record<string, LabelOperator>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/**
 * Compiles a metav1.LabelSelector (spec.selector of workloads, PDBs, network policies…).
 * `null`/`undefined` selects nothing; `{}` selects everything. Throws LabelSelectorError.
 */
export function fromLabelSelector(selector: LabelSelectorJson | null | undefined): LabelSelector {
  if (selector === null || selector === undefined) return nothing;
  const matchLabels = selector.matchLabels ?? {};
  const expressions = selector.matchExpressions ?? [];
  const requirements: LabelRequirement[] = [];
  for (const key of Object.keys(matchLabels)) {
    requirements.push(labelRequirement(key, '=', [String(matchLabels[key])]));
  }
  for (const expr of expressions) {
    const op = Object.prototype.hasOwnProperty.call(STRUCTURED_OPS, expr.operator) ? STRUCTURED_OPS[expr.operator] : undefined;
    if (op === undefined) {
      throw new LabelSelectorError(`${JSON.stringify(expr.operator)} is not a valid label selector operator (expected In, NotIn, Exists or DoesNotExist)`);
    }
    requirements.push(labelRequirement(expr.key, op, [...(expr.values ?? [])]));
  }
  return requirements.length === 0 ? everything : makeSelector(requirements);
}

/** Labels as upstream prints them in tables: `a=1,b=2` sorted by key, or `<none>`. */
export function formatLabels(labels: Labels): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${(labels as Record<string, string>)[k]}`).join(',');
}
