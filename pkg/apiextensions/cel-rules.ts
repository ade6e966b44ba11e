// x-kubernetes-validations: CEL rules evaluated with `self` (and `oldSelf` for transition rules on
// updates) at each schema node that carries them, in pkg/cel's Kubernetes CEL environment. Rules
// are compiled once per validator; a rule that cannot be compiled is refused when the CRD is written.
import type { FieldError, FieldErrorType } from '../api/types';
import { CelEnvironment, type CelProgram } from '../cel';
import type { JSONSchemaProps, ValidationRule } from './types';

const REASON_TYPES: Readonly<Record<string, FieldErrorType>> = {
  FieldValueInvalid: 'FieldValueInvalid',
  FieldValueForbidden: 'FieldValueForbidden',
  FieldValueRequired: 'FieldValueRequired',
  FieldValueDuplicate: 'FieldValueDuplicate',
};

/** The environment CRD rules compile in: `self` and `oldSelf`. */
export function celRuleEnvironment(): CelEnvironment {
  return new CelEnvironment(['self', 'oldSelf']);
}

/** The compile error of a rule, or undefined when it compiles. */
export function celCompileError(rule: string, env: CelEnvironment = celRuleEnvironment()): string | undefined {
  try {
    env.compile(rule);
    return undefined;
  } catch (e) {
    return (e instanceof Error ? e.message : String(e)).replace(/^compilation failed: /, '');
  }
}

function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function referencesOldSelf(rule: string): boolean {
  return /\boldSelf\b/.test(rule);
}

interface Pass {
  readonly transition: boolean;
  readonly out: FieldError[];
}

export class CelRuleValidator {
  private readonly env = celRuleEnvironment();
  private readonly programs = new Map<string, CelProgram | string>();
  readonly hasRules: boolean;

  constructor(private readonly root: JSONSchemaProps) {
    this.hasRules = JSON.stringify(root).includes('"x-kubernetes-validations"');
  }

  private program(rule: string): CelProgram | string {
    let p = this.programs.get(rule);
    if (p === undefined) {
      try {
        p = this.env.compile(rule);
      } catch (e) {
        p = e instanceof Error ? e.message : String(e);
      }
      this.programs.set(rule, p);
    }
    return p;
  }

  /**
   * Failed rules for `obj`: the rules without `oldSelf` (`transitionRules` false), or only the
   * transition rules, with `old` correlated through objects, maps and map-type lists.
   */
  validate(obj: unknown, old: unknown, transitionRules: boolean): FieldError[] {
    if (!this.hasRules) return [];
    const pass: Pass = { transition: transitionRules, out: [] };
    this.node(this.root, obj, old, '', pass, true);
    return pass.out;
  }

  private node(s: JSONSchemaProps, v: unknown, old: unknown, path: string, pass: Pass, root: boolean): void {
    if (v === undefined || v === null) return;
    for (const rule of s['x-kubernetes-validations'] ?? []) this.check(rule, v, old, path, pass);
    if (Array.isArray(v)) {
      if (!s.items) return;
      const keys = s['x-kubernetes-list-type'] === 'map' ? s['x-kubernetes-list-map-keys'] ?? [] : undefined;
      const oldList = Array.isArray(old) ? old : [];
      const keyOf = (o: unknown) => (o !== null && typeof o === 'object' && keys ? JSON.stringify(keys.map((x) => (o as Record<string, unknown>)[x])) : undefined);
      v.forEach((item, i) => {
        const k = keyOf(item);
        const oldItem = k === undefined ? undefined : oldList.find((o) => keyOf(o) === k);
        this.node(s.items!, item, oldItem, `${path}[${i}]`, pass, false);
      });
      return;
    }
    if (typeof v !== 'object') return;
    const rec = v as Record<string, unknown>;
    const oldRec = old !== null && typeof old === 'object' && !Array.isArray(old) ? (old as Record<string, unknown>) : undefined;
    const additional = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
    for (const [k, x] of Object.entries(rec)) {
      if (root && (k === 'metadata' || k === 'apiVersion' || k === 'kind')) continue;
      const child = s.properties?.[k] ?? additional;
      if (child) this.node(child, x, oldRec?.[k], path ? `${path}.${k}` : k, pass, false);
    }
  }

  private check(rule: ValidationRule, v: unknown, old: unknown, path: string, pass: Pass): void {
    const transition = referencesOldSelf(rule.rule);
    if (transition !== pass.transition) return;
    if (transition && old === undefined && !rule.optionalOldSelf) return;
    const field = `${path}${rule.fieldPath ?? ''}` || '<nil>';
    const typeName = jsonTypeName(v);
    const p = this.program(rule.rule);
    if (typeof p === 'string') {
      pass.out.push({ type: 'FieldValueInvalid', field, detail: `Invalid value: "${typeName}": ${p}` });
      return;
    }
    const vars = { self: v, oldSelf: old ?? null };
    let ok: boolean;
    try {
      ok = p.evaluateBool(vars);
    } catch (e) {
      pass.out.push({ type: 'FieldValueInvalid', field, detail: `Invalid value: "${typeName}": ${rule.rule}: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    if (ok) return;
    let message = rule.message || `failed rule: ${rule.rule.replace(/\s+/g, ' ')}`;
    if (rule.messageExpression) {
      const mp = this.program(rule.messageExpression);
      if (typeof mp !== 'string') {
        try {
          const m = mp.evaluate(vars);
          if (typeof m === 'string' && m !== '') message = m;
        } catch {
          // upstream falls back to the static message when messageExpression fails
        }
      }
    }
    const type = REASON_TYPES[rule.reason ?? ''] ?? 'FieldValueInvalid';
    const detail = type === 'FieldValueRequired' ? `Required value: ${message}` : type === 'FieldValueForbidden' ? `Forbidden: ${message}` : type === 'FieldValueDuplicate' ? `Duplicate value: ${message}` : `Invalid value: "${typeName}": ${message}`;
    pass.out.push({ type, field, detail });
  }
}
