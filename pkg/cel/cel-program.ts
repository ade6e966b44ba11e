// Compiling and running one CEL expression against JSON variables.
import { celEnv, CelScalar, isCelError, parse, plan, type CelEnv, type CelInput, type CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { CelCompileError, CelEvalError } from './errors';
import { fromCel, toCel } from './cel-values';
import { kubernetesLibrary } from './kubernetes-library';
import { AUTHORIZER_MAX_ROUNDS, authorizerLibrary, CelAuthorizer } from './cel-authorizer';

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

  /** The CelAuthorizer values among the variables (their checks are answered between evaluations). */
  authorizers(): CelAuthorizer[] {
    return Object.values(this.vars).filter((v): v is CelAuthorizer => v instanceof CelAuthorizer);
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
  /**
   * As evaluate, answering `authorizer` checks: evaluates again after asking the authorizer the
   * checks the previous evaluation met, until all were answered.
   */
  evaluateAsync(vars: CelVariables): Promise<unknown>;
}

/** An environment declaring the given variable names (all `dyn`); compile once, evaluate many times. */
export class CelEnvironment {
  private readonly env: CelEnv;
  /** The CelAuthorizers of the evaluation running now (registered around each synchronous run). */
  private readonly sessions = new Map<string, CelAuthorizer>();

  constructor(readonly variables: readonly string[]) {
    const decl: Record<string, typeof CelScalar.DYN> = {};
    for (const v of variables) decl[v] = CelScalar.DYN;
    this.env = celEnv({ variables: decl, funcs: [...strings, ...kubernetesLibrary(), ...authorizerLibrary(this.sessions)] });
  }

  compile(expression: string): CelProgram {
    let run: (ctx: Record<string, CelInput>) => CelValue | Error;
    try {
      run = plan(this.env, parse(expression)) as (ctx: Record<string, CelInput>) => CelValue | Error;
    } catch (e) {
      throw new CelCompileError(expression, (e as Error).message);
    }
    const variables = this.variables;
    const sessions = this.sessions;
    const evaluate = (vars: CelVariables): unknown => {
      const activation = vars instanceof CelActivation ? vars : new CelActivation(vars);
      const ctx: Record<string, CelInput> = {};
      for (const v of variables) ctx[v] = activation.get(v);
      let result: CelValue | Error;
      const authorizers = activation.authorizers();
      for (const a of authorizers) sessions.set(a.id, a);
      try {
        result = run(ctx);
      } catch (e) {
        throw new CelEvalError(expression, (e as Error).message);
      } finally {
        for (const a of authorizers) sessions.delete(a.id);
      }
      if (isCelError(result) || result instanceof Error) throw new CelEvalError(expression, result.message);
      return fromCel(result);
    };
    const evaluateAsync = async (vars: CelVariables): Promise<unknown> => {
      const activation = vars instanceof CelActivation ? vars : new CelActivation(vars);
      for (let round = 0; ; round++) {
        let result: unknown;
        let failure: unknown;
        try {
          result = evaluate(activation);
        } catch (e) {
          failure = e;
        }
        const waiting = activation.authorizers().filter((a) => a.hasPending);
        if (waiting.length === 0) {
          if (failure !== undefined) throw failure;
          return result;
        }
        if (round >= AUTHORIZER_MAX_ROUNDS) throw new CelEvalError(expression, `more than ${AUTHORIZER_MAX_ROUNDS} rounds of authorizer checks`);
        await Promise.all(waiting.map((a) => a.settle()));
      }
    };
    return {
      expression,
      evaluate,
      evaluateAsync,
      evaluateBool(vars) {
        const r = evaluate(vars);
        if (typeof r !== 'boolean') throw new CelEvalError(expression, `expected a bool result, got ${r === null ? 'null' : typeof r}`);
        return r;
      },
    };
  }
}
