// MutatingAdmissionPolicy: for each policy (by name) whose matchConstraints match, each matching
// binding, its params and matchConditions, the mutations in order: ApplyConfiguration (an
// `Object{…}` literal merged into the object) or JSONPatch (a list of `JSONPatch{…}` applied).
// With reinvocationPolicy IfNeeded a policy runs once more when a later one changed the object.
// Errors follow failurePolicy (default Fail).
import type { Json, KubeObject } from '../api/types';
import { applyJsonPatch } from '../api/patch';
import { asArray, asObject, asString, type JsonRecord } from '../api/validation/json';
import type { AdmissionPlugin, AdmissionRequest } from '../apiserver/authorization';
import { rewriteObjectLiterals, type CelEnvironment } from '../cel';
import { admissionAttributes, asEquivalent, isExemptFromDynamicAdmission, writeBackEquivalent, type AdmissionAttributes } from './admission-attributes';
import type { AdmissionSources } from './admission-sources';
import { mergeApplyConfiguration } from './apply-configuration';
import { celAuthorizerFor } from './admission-authorizer';
import { policyFailed } from './errors';
import { matchResourcesAs } from './match-rules';
import type { ResourceDef } from '../api/resource-def';
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

const KIND = 'MutatingAdmissionPolicy';

interface CompiledMutation {
  readonly type: 'ApplyConfiguration' | 'JSONPatch';
  readonly compiled: Compiled;
}

interface CompiledPolicy extends CompiledCommon {
  readonly mutations: readonly CompiledMutation[];
}

function replaceInPlace(target: KubeObject, source: KubeObject): void {
  for (const k of Object.keys(target)) delete (target as Record<string, unknown>)[k];
  Object.assign(target, source);
}

export class MutatingPolicyAdmission implements AdmissionPlugin {
  readonly name = 'MutatingAdmissionPolicy';
  private readonly env: CelEnvironment = policyEnvironment();
  private readonly compiled = new WeakMap<KubeObject, CompiledPolicy>();

  constructor(private readonly sources: AdmissionSources) {}

  async admit(req: AdmissionRequest): Promise<void> {
    if (isExemptFromDynamicAdmission(req)) return;
    await this.sources.synced;
    if (!req.object) return;
    const policies = this.sources.configs('mutatingadmissionpolicies');
    if (policies.length === 0) return;
    const a = admissionAttributes(req);
    const ns = a.namespaced ? this.sources.namespace(a.namespace) : undefined;
    const bindingsOf = (policy: KubeObject) => matchingBindings(this.sources.bindingsOf('mutatingadmissionpolicybindings', String(policy.metadata.name)), a, ns, this.sources.equivalents);
    // Each binding's mutations see the object as the policy's rules name it (matchPolicy Equivalent), converted back after.
    const runBinding = async (policy: KubeObject, spec: JsonRecord, binding: KubeObject, matchedAs: ResourceDef) => {
      const seen = asEquivalent(a, matchedAs);
      const changed = await this.apply(seen, policy, spec, binding, ns);
      if (changed) writeBackEquivalent(a, seen);
      return changed;
    };
    const ran: Array<{ policy: KubeObject; matchedAs: ResourceDef; changedLater: boolean }> = [];
    for (const policy of policies) {
      const spec = asObject(policy.spec) ?? {};
      const matchedAs = matchResourcesAs(asObject(spec.matchConstraints) ?? { resourceRules: [] }, a, ns, this.sources.equivalents);
      if (!matchedAs) continue;
      const matched = bindingsOf(policy);
      let changed = false;
      for (const binding of matched) if (await runBinding(policy, spec, binding, matchedAs)) changed = true;
      if (changed) for (const r of ran) r.changedLater = true;
      if (matched.length > 0) ran.push({ policy, matchedAs, changedLater: false });
    }
    for (const r of ran) {
      const spec = asObject(r.policy.spec) ?? {};
      if (!r.changedLater || asString(spec.reinvocationPolicy) !== 'IfNeeded') continue;
      for (const binding of bindingsOf(r.policy)) await runBinding(r.policy, spec, binding, r.matchedAs);
    }
  }

  private compile(policy: KubeObject, spec: JsonRecord): CompiledPolicy {
    let c = this.compiled.get(policy);
    if (!c) {
      const mutations = (asArray(spec.mutations) ?? []).map(asObject).filter((m): m is JsonRecord => m !== undefined).map((m): CompiledMutation => {
        const type = asString(m.patchType) === 'JSONPatch' ? 'JSONPatch' : 'ApplyConfiguration';
        const source = asString(asObject(type === 'JSONPatch' ? m.jsonPatch : m.applyConfiguration)?.expression) ?? '';
        return { type, compiled: compileSafely(this.env, rewriteObjectLiterals(source)) };
      });
      c = { ...compileCommon(this.env, spec), mutations };
      this.compiled.set(policy, c);
    }
    return c;
  }

  /** Runs one binding's mutations; returns whether the object changed. */
  private async apply(a: AdmissionAttributes, policy: KubeObject, spec: JsonRecord, binding: KubeObject, ns: KubeObject | undefined): Promise<boolean> {
    const object = a.source.object!;
    const compiled = this.compile(policy, spec);
    const before = JSON.stringify(object);
    try {
      for (const params of await bindingParams(this.sources, spec, asObject(binding.spec) ?? {}, a)) {
        const authorizer = celAuthorizerFor(a, this.sources.authorizer);
        if (!(await matchConditionsPass(compiled, await activation(a, params, ns, compiled, authorizer)))) continue;
        for (const m of compiled.mutations) {
          const result = await runCompiled(m.compiled, await activation(a, params, ns, compiled, authorizer));
          let next: KubeObject;
          try {
            next = (m.type === 'JSONPatch' ? applyJsonPatch(object as unknown as Json, result) : mergeApplyConfiguration(object, result)) as KubeObject;
          } catch (e) {
            throw new PolicyEvalError(`mutation failed: ${(e as Error).message}`);
          }
          replaceInPlace(object, next);
        }
      }
    } catch (e) {
      if (!(e instanceof PolicyEvalError)) throw e;
      if (asString(spec.failurePolicy) !== 'Ignore') throw policyFailed(a, KIND, String(policy.metadata.name), e.message);
    }
    return JSON.stringify(object) !== before;
  }
}
