// ValidatingAdmissionPolicy: for each policy (by name) whose matchConstraints match, each of its
// bindings that match; params per binding; matchConditions; then every validation, whose failure
// is acted on per the binding's validationActions (Deny refuses, Warn adds a Warning header,
// Audit is logged). Expression errors follow the policy's failurePolicy (default Fail).
import type { KubeObject } from '../api/types';
import { asArray, asObject, asString, type JsonRecord } from '../api/validation/json';
import type { AdmissionPlugin, AdmissionRequest } from '../apiserver/authorization';
import type { CelEnvironment, CelVariables } from '../cel';
import type { Logger } from '../log/logger';
import { admissionAttributes, asEquivalent, isExemptFromDynamicAdmission, type AdmissionAttributes } from './admission-attributes';
import type { AdmissionSources } from './admission-sources';
import { celAuthorizerFor } from './admission-authorizer';
import { policyDenied } from './errors';
import { matchResourcesAs } from './match-rules';
import {
  activation,
  bindingParams,
  compileCommon,
  compileSafely,
  matchConditionsPass,
  matchingBindings,
  PolicyEvalError,
  policyEnvironment,
  runCompiled,
  type Compiled,
  type CompiledCommon,
} from './policy-bindings';

const KIND = 'ValidatingAdmissionPolicy';

interface CompiledValidation {
  readonly compiled: Compiled;
  readonly message?: string;
  readonly messageExpression?: Compiled;
  readonly reason?: string;
}

interface CompiledPolicy extends CompiledCommon {
  readonly validations: readonly CompiledValidation[];
}

interface Failure {
  readonly message: string;
  readonly reason?: string;
}

export class ValidatingPolicyAdmission implements AdmissionPlugin {
  readonly name = 'ValidatingAdmissionPolicy';
  private readonly env: CelEnvironment = policyEnvironment();
  /** Compiled per cached policy object (a changed policy is a new object in the cache). */
  private readonly compiled = new WeakMap<KubeObject, CompiledPolicy>();

  constructor(private readonly sources: AdmissionSources, private readonly log: Logger) {}

  async admit(req: AdmissionRequest): Promise<void> {
    if (isExemptFromDynamicAdmission(req)) return;
    await this.sources.synced;
    const policies = this.sources.configs('validatingadmissionpolicies');
    if (policies.length === 0) return;
    const a = admissionAttributes(req);
    const ns = a.namespaced ? this.sources.namespace(a.namespace) : undefined;
    for (const policy of policies) {
      const spec = asObject(policy.spec) ?? {};
      const matchedAs = matchResourcesAs(asObject(spec.matchConstraints) ?? { resourceRules: [] }, a, ns, this.sources.equivalents);
      if (!matchedAs) continue;
      const bindings = matchingBindings(this.sources.bindingsOf('validatingadmissionpolicybindings', String(policy.metadata.name)), a, ns, this.sources.equivalents);
      // The policy sees the object in the version its rules named (matchPolicy Equivalent).
      const seen = bindings.length > 0 ? asEquivalent(a, matchedAs) : a;
      for (const binding of bindings) await this.evaluate(seen, policy, spec, binding, ns);
    }
  }

  private compile(policy: KubeObject, spec: JsonRecord): CompiledPolicy {
    let c = this.compiled.get(policy);
    if (!c) {
      const validations = (asArray(spec.validations) ?? []).map(asObject).filter((v): v is JsonRecord => v !== undefined).map((v) => ({
        compiled: compileSafely(this.env, asString(v.expression) ?? ''),
        message: asString(v.message),
        messageExpression: asString(v.messageExpression) ? compileSafely(this.env, asString(v.messageExpression)!) : undefined,
        reason: asString(v.reason),
      }));
      c = { ...compileCommon(this.env, spec), validations };
      this.compiled.set(policy, c);
    }
    return c;
  }

  private async evaluate(a: AdmissionAttributes, policy: KubeObject, spec: JsonRecord, binding: KubeObject, ns: KubeObject | undefined): Promise<void> {
    const bspec = asObject(binding.spec) ?? {};
    const actions = (asArray(bspec.validationActions) ?? []).filter((x): x is string => typeof x === 'string');
    const ignore = asString(spec.failurePolicy) === 'Ignore';
    const compiled = this.compile(policy, spec);
    const failures: Failure[] = [];
    try {
      for (const params of await bindingParams(this.sources, spec, bspec, a)) {
        const vars = await activation(a, params, ns, compiled, celAuthorizerFor(a, this.sources.authorizer));
        if (!(await matchConditionsPass(compiled, vars))) continue;
        for (const v of compiled.validations) {
          try {
            const ok = await runCompiled(v.compiled, vars);
            if (ok === true) continue;
            if (typeof ok !== 'boolean') throw new PolicyEvalError(`expression '${'program' in v.compiled ? v.compiled.program.expression : ''}' must evaluate to bool`);
            failures.push({ message: await this.message(v, vars), reason: v.reason });
          } catch (e) {
            if (!(e instanceof PolicyEvalError)) throw e;
            if (!ignore) failures.push({ message: e.message });
          }
        }
      }
    } catch (e) {
      if (!(e instanceof PolicyEvalError)) throw e;
      if (!ignore) failures.push({ message: e.message });
    }
    if (failures.length === 0) return;
    const policyName = String(policy.metadata.name);
    const bindingName = String(binding.metadata.name);
    for (const f of failures) {
      if (actions.includes('Warn')) a.source.warn?.(`Validation failed for ${KIND} '${policyName}' with binding '${bindingName}': ${f.message}`);
      if (actions.includes('Audit')) this.log.info('admission policy audit', { policy: policyName, binding: bindingName, message: f.message });
    }
    if (actions.includes('Deny')) throw policyDenied(a, KIND, policyName, bindingName, failures[0]!.message, failures[0]!.reason);
  }

  private async message(v: CompiledValidation, vars: CelVariables): Promise<string> {
    if (v.messageExpression) {
      try {
        const m = await runCompiled(v.messageExpression, vars);
        if (typeof m === 'string' && m.trim() !== '' && !m.includes('\n')) return m;
      } catch {
        // upstream falls back to message (or the expression) when messageExpression fails
      }
    }
    if (v.message) return v.message;
    return `failed expression: ${'program' in v.compiled ? v.compiled.program.expression : v.compiled.expression}`;
  }
}
