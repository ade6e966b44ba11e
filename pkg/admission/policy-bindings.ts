// What validating and mutating admission policies share: which bindings of a policy apply to a
// request, the parameter objects of a binding (paramRef by name or selector, with
// parameterNotFoundAction), and the CEL activation (object, oldObject, request, params,
// namespaceObject, variables) with matchConditions.
import type { KubeObject } from '../api/types';
import { asArray, asObject, asString, type JsonRecord } from '../api/validation/json';
import { CelActivation, CelEnvironment, type CelAuthorizer, type CelProgram, type CelVariables } from '../cel';
import { requestView, type AdmissionAttributes } from './admission-attributes';
import type { AdmissionSources } from './admission-sources';
import { matchResourcesMatch, type EquivalentsOf } from './match-rules';

export const POLICY_VARIABLES = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'authorizer', 'variables'] as const;

export function policyEnvironment(): CelEnvironment {
  return new CelEnvironment(POLICY_VARIABLES);
}

/** A compiled expression, or the compile error to report when it is evaluated. */
export type Compiled = { readonly program: CelProgram } | { readonly error: string; readonly expression: string };

export function compileSafely(env: CelEnvironment, expression: string): Compiled {
  try {
    return { program: env.compile(expression) };
  } catch (e) {
    return { error: (e as Error).message, expression };
  }
}

export interface CompiledCommon {
  readonly matchConditions: ReadonlyArray<{ readonly name: string; readonly compiled: Compiled }>;
  readonly variables: ReadonlyArray<{ readonly name: string; readonly compiled: Compiled }>;
}

export function compileCommon(env: CelEnvironment, spec: JsonRecord): CompiledCommon {
  const named = (v: unknown) =>
    (asArray(v) ?? []).map(asObject).filter((x): x is JsonRecord => x !== undefined).map((x) => ({ name: asString(x.name) ?? '', compiled: compileSafely(env, asString(x.expression) ?? '') }));
  return { matchConditions: named(spec.matchConditions), variables: named(spec.variables) };
}

/** Thrown for an expression error; the caller applies the failure policy. */
export class PolicyEvalError extends Error {}

/** Evaluates (answering `authorizer` checks); an error becomes a PolicyEvalError. */
export async function runCompiled(c: Compiled, vars: CelVariables): Promise<unknown> {
  if ('error' in c) throw new PolicyEvalError(`expression '${c.expression}' resulted in error: ${c.error}`);
  try {
    return await c.program.evaluateAsync(vars);
  } catch (e) {
    throw new PolicyEvalError(`expression '${c.program.expression}' resulted in error: ${(e as Error).message}`);
  }
}

/** Of a policy's bindings, those whose matchResources match the request. */
export function matchingBindings(bindings: readonly KubeObject[], a: AdmissionAttributes, ns: KubeObject | undefined, equivalents?: EquivalentsOf): KubeObject[] {
  return bindings.filter((b) => matchResourcesMatch(asObject(asObject(b.spec)?.matchResources), a, ns, equivalents));
}

/** The parameter sets to evaluate a binding with: [null] without paramKind, [] to skip (Allow). */
export async function bindingParams(sources: AdmissionSources, policySpec: JsonRecord, bindingSpec: JsonRecord, a: AdmissionAttributes): Promise<Array<KubeObject | null>> {
  const paramKind = asObject(policySpec.paramKind);
  if (!paramKind) return [null];
  const def = sources.paramDef({ apiVersion: asString(paramKind.apiVersion), kind: asString(paramKind.kind) });
  if (!def) throw new PolicyEvalError(`failed to find resource referenced by paramKind: '${asString(paramKind.apiVersion)}, Kind=${asString(paramKind.kind)}'`);
  const ref = asObject(bindingSpec.paramRef);
  if (!ref) throw new PolicyEvalError('paramKind is specified but paramRef is not');
  let namespace = '';
  if (def.namespaced) {
    namespace = asString(ref.namespace) || a.namespace;
    if (!namespace) throw new PolicyEvalError('cannot use namespaced paramRef in policy binding that matches cluster-scoped resources');
  }
  const { found } = await sources.params(def, namespace, asString(ref.name), ref.selector);
  if (found.length > 0) return [...found];
  if (asString(ref.parameterNotFoundAction) === 'Deny') throw new PolicyEvalError('no params found for policy binding with `Deny` parameterNotFoundAction');
  return [];
}

/** The activation of one evaluation; `variables` are evaluated in order (a failing one is left out). */
export async function activation(a: AdmissionAttributes, params: KubeObject | null, ns: KubeObject | undefined, common: CompiledCommon, authorizer: CelAuthorizer | null): Promise<CelActivation> {
  let vars = new CelActivation({
    object: a.source.object ?? null,
    oldObject: a.source.oldObject ?? null,
    request: requestView(a),
    params,
    namespaceObject: a.namespaced && ns ? ns : null,
    authorizer,
    variables: {},
  });
  const values: Record<string, unknown> = {};
  for (const v of common.variables) {
    try {
      values[v.name] = await runCompiled(v.compiled, vars);
      vars = vars.with({ variables: values });
    } catch {
      // upstream evaluates variables lazily; an unused failing variable does not fail the request
    }
  }
  return vars;
}

/** All matchConditions true (an erroring condition throws PolicyEvalError). */
export async function matchConditionsPass(common: CompiledCommon, vars: CelVariables): Promise<boolean> {
  for (const c of common.matchConditions) {
    const r = await runCompiled(c.compiled, vars);
    if (typeof r !== 'boolean') throw new PolicyEvalError(`matchCondition '${c.name}' must evaluate to bool`);
    if (!r) return false;
  }
  return true;
}
