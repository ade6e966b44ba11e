// Compiling and running one CEL expression against JSON variables.
import { celEnv, CelScalar, isCelError, parse, plan, type CelEnv, type CelInput, type CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { CelCompileError, CelEvalError } from './errors';
import { fromCel, toCel } from './cel-values';
import { kubernetesLibrary } from './kubernetes-library';

/**
 * Variables converted to CEL values once, for evaluating several programs against the same
 * inputs (each variable is converted when first read).
 */
export class CelActivation {
  private readonly converted = new Map<string, CelInput>();

  constructor(private readonly vars: Readonly<Record<string, unknown>>) {}

  /** A copy with some variables replaced, sharing the other conversions already made. */
  with(overrides: Readonly<Record<string, unknown>>): CelActivation {
    const next = new CelActivation({ ...this.vars, ...overrides });
    for (const [k, v] of this.converted) if (!(k in overrides)) next.converted.set(k, v);
    return next;
  }

  get(name: string): CelInput {
    let v = this.converted.get(name);
    if (v === undefined) {
      v = toCel(this.vars[name]);
      this.converted.set(name, v);
    }
    return v;
  }
}

/** JSON values by variable name, or a CelActivation made from them. */
export type CelVariables = Readonly<Record<string, unknown>> | CelActivation;

/** A compiled expression; `evaluate` takes JSON values by variable name and returns JSON. */
export interface CelProgram {
  readonly expression: string;
  /** Throws CelEvalError when evaluation fails. */
  evaluate(vars: CelVariables): unknown;
  /** As evaluate, but requires a bool result (validation rules, match conditions). */
  evaluateBool(vars: CelVariables): boolean;
}

/** An environment declaring the given variable names (all `dyn`); compile once, evaluate many times. */
export class CelEnvironment {
  private readonly env: CelEnv;

  constructor(readonly variables: readonly string[]) {
    const decl: Record<string, typeof CelScalar.DYN> = {};
    for (const v of variables) decl[v] = CelScalar.DYN;
    this.env = celEnv({ variables: decl, funcs: [...strings, ...kubernetesLibrary()] });
  }

  compile(expression: string): CelProgram {
    let run: (ctx: Record<string, CelInput>) => CelValue | Error;
    try {
      run = plan(this.env, parse(expression)) as (ctx: Record<string, CelInput>) => CelValue | Error;
    } catch (e) {
      throw new CelCompileError(expression, (e as Error).message);
    }
    const variables = this.variables;
    const evaluate = (vars: CelVariables): unknown => {
      const activation = vars instanceof CelActivation ? vars : new CelActivation(vars);
      const ctx: Record<string, CelInput> = {};
      for (const v of variables) ctx[v] = activation.get(v);
      let result: CelValue | Error;
      try {
        result = run(ctx);
      } catch (e) {
        throw new CelEvalError(expression, (e as Error).message);
      }
      if (isCelError(result) || result instanceof Error) throw new CelEvalError(expression, result.message);
      return fromCel(result);
    };
    return {
      expression,
      evaluate,
      evaluateBool(vars) {
        const r = evaluate(vars);
        if (typeof r !== 'boolean') throw new CelEvalError(expression, `expected a bool result, got ${r === null ? 'null' : typeof r}`);
        return r;
      },
    };
  }
}
