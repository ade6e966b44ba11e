// ValidatingWebhookConfiguration and MutatingWebhookConfiguration: every webhook whose rules,
// namespaceSelector, objectSelector and matchConditions match is sent an AdmissionReview v1.
// Validating webhooks are called in parallel; mutating ones in order (configurations by name,
// webhooks as listed), their JSONPatch responses applied one after the other, and a webhook with
// reinvocationPolicy IfNeeded called once more when a later webhook changed the object.
import * as crypto from 'node:crypto';
import type { KubeObject } from '../api/types';
import { applyJsonPatch } from '../api/patch';
import type { Json } from '../api/types';
import { asArray, asObject, asString, type JsonRecord } from '../api/validation/json';
import type { AdmissionPlugin, AdmissionRequest } from '../apiserver/authorization';
import { CelActivation, CelEnvironment } from '../cel';
import { celAuthorizerFor } from './admission-authorizer';
import type { Logger } from '../log/logger';
import type { ResourceDef } from '../api/resource-def';
import { admissionAttributes, asEquivalent, isExemptFromDynamicAdmission, requestView, writeBackEquivalent, type AdmissionAttributes } from './admission-attributes';
import type { AdmissionSources } from './admission-sources';
import { webhookCallFailed, webhookDenied, webhookNoDryRun } from './errors';
import { namespaceSelectorMatches, objectSelectorMatches, rulesMatchAs } from './match-rules';
import { compileSafely, PolicyEvalError, runCompiled, type Compiled } from './policy-bindings';
import { WebhookCallError, callWebhook } from './webhook-client';

export type WebhookKind = 'validating' | 'mutating';

interface Webhook {
  readonly name: string;
  readonly spec: JsonRecord;
}

function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Replaces the contents of `target` with those of `source` (plugins mutate the object in place). */
function replaceInPlace(target: KubeObject, source: KubeObject): void {
  for (const k of Object.keys(target)) delete (target as Record<string, unknown>)[k];
  Object.assign(target, source);
}

export class WebhookAdmission implements AdmissionPlugin {
  readonly name: string;
  private readonly env = new CelEnvironment(['object', 'oldObject', 'request', 'authorizer']);
  private readonly conditions = new WeakMap<JsonRecord, Compiled[]>();

  constructor(private readonly kind: WebhookKind, private readonly sources: AdmissionSources, private readonly log: Logger) {
    this.name = kind === 'validating' ? 'ValidatingAdmissionWebhook' : 'MutatingAdmissionWebhook';
  }

  async admit(req: AdmissionRequest): Promise<void> {
    if (isExemptFromDynamicAdmission(req)) return;
    await this.sources.synced;
    const configs = this.sources.configs(this.kind === 'validating' ? 'validatingwebhookconfigurations' : 'mutatingwebhookconfigurations');
    if (configs.length === 0) return;
    const a = admissionAttributes(req);
    const hooks = configs.flatMap((c) => (asArray(c.webhooks) ?? []).map(asObject).filter((w): w is JsonRecord => w !== undefined).map((w) => ({ name: asString(w.name) ?? '', spec: w })));
    const matching = hooks.flatMap((h) => {
      const as = this.matchAs(h, a);
      return as ? [{ hook: h, as }] : [];
    });
    if (matching.length === 0) return;
    if (this.kind === 'validating') {
      await Promise.all(matching.map((m) => this.call(m.hook, asEquivalent(a, m.as))));
      return;
    }
    const changedAfter = new Map<Webhook, boolean>();
    for (const m of matching) {
      const changed = await this.callMutating(m.hook, a, m.as);
      if (changed) for (const earlier of changedAfter.keys()) if (earlier !== m.hook) changedAfter.set(earlier, true);
      changedAfter.set(m.hook, false);
    }
    for (const m of matching) {
      if (!changedAfter.get(m.hook) || asString(m.hook.spec.reinvocationPolicy) !== 'IfNeeded') continue;
      const as = this.matchAs(m.hook, a);
      if (as) await this.callMutating(m.hook, a, as);
    }
  }

  /** A mutating call on the object as the webhook's rules name it (matchPolicy Equivalent), converted back after. */
  private async callMutating(h: Webhook, a: AdmissionAttributes, as: ResourceDef): Promise<boolean> {
    const seen = asEquivalent(a, as);
    const changed = await this.call(h, seen);
    if (changed) writeBackEquivalent(a, seen);
    return changed;
  }

  /** The resource the webhook's rules match the request as, when the selectors match too. */
  private matchAs(h: Webhook, a: AdmissionAttributes): ResourceDef | undefined {
    const rules = (asArray(h.spec.rules) ?? []).map(asObject).filter((r): r is JsonRecord => r !== undefined);
    const as = rulesMatchAs(rules, a, h.spec.matchPolicy, this.sources.equivalents);
    if (!as) return undefined;
    const ns = a.namespaced ? this.sources.namespace(a.namespace) : undefined;
    return namespaceSelectorMatches(h.spec.namespaceSelector, a, ns) && objectSelectorMatches(h.spec.objectSelector, a) ? as : undefined;
  }

  /** matchConditions; an erroring condition is a call failure (failurePolicy applies). */
  private async conditionsPass(h: Webhook, a: AdmissionAttributes): Promise<boolean> {
    let compiled = this.conditions.get(h.spec);
    if (!compiled) {
      compiled = (asArray(h.spec.matchConditions) ?? []).map(asObject).map((c) => compileSafely(this.env, asString(c?.expression) ?? ''));
      this.conditions.set(h.spec, compiled);
    }
    const vars = new CelActivation({ object: a.source.object ?? null, oldObject: a.source.oldObject ?? null, request: requestView(a), authorizer: celAuthorizerFor(a, this.sources.authorizer) });
    for (const c of compiled) if ((await runCompiled(c, vars)) !== true) return false;
    return true;
  }

  /** Calls one webhook; returns whether it changed the object. */
  private async call(h: Webhook, a: AdmissionAttributes): Promise<boolean> {
    const ignore = asString(h.spec.failurePolicy) === 'Ignore';
    try {
      if (!(await this.conditionsPass(h, a))) return false;
    } catch (e) {
      if (!(e instanceof PolicyEvalError)) throw e;
      if (ignore) return false;
      throw webhookCallFailed(h.name, e.message);
    }
    const sideEffects = asString(h.spec.sideEffects) ?? 'Unknown';
    if (a.dryRun && sideEffects !== 'None' && sideEffects !== 'NoneOnDryRun') throw webhookNoDryRun(h.name);
    const uid = crypto.randomUUID();
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid, ...requestView(a), object: a.source.object ?? null, oldObject: a.source.oldObject ?? null },
    };
    const timeout = typeof h.spec.timeoutSeconds === 'number' ? h.spec.timeoutSeconds : 10;
    let response: JsonRecord;
    try {
      const answer = await callWebhook(this.sources, asObject(h.spec.clientConfig) ?? {}, timeout, review);
      response = asObject(answer.response) ?? {};
      if (asString(response.uid) !== uid) throw new WebhookCallError(`expected response.uid="${uid}", got "${asString(response.uid) ?? ''}"`);
    } catch (e) {
      if (!(e instanceof WebhookCallError)) throw e;
      if (ignore) {
        this.log.warn('failed calling webhook, failing open', { webhook: h.name, error: e.message });
        return false;
      }
      throw webhookCallFailed(h.name, e.message);
    }
    for (const w of asArray(response.warnings) ?? []) if (typeof w === 'string') a.source.warn?.(w);
    if (response.allowed !== true) throw webhookDenied(h.name, asObject(response.status) as { code?: number; reason?: string; message?: string } | undefined);
    const patch = asString(response.patch);
    if (this.kind !== 'mutating' || !patch || !a.source.object) return false;
    if (asString(response.patchType) !== 'JSONPatch') throw webhookCallFailed(h.name, `unsupported patch type "${asString(response.patchType) ?? ''}"`);
    const object = a.source.object;
    let patched: KubeObject;
    try {
      patched = applyJsonPatch(object as unknown as Json, JSON.parse(Buffer.from(patch, 'base64').toString('utf8'))) as unknown as KubeObject;
    } catch (e) {
      throw webhookCallFailed(h.name, `JSON patch failed: ${(e as Error).message}`);
    }
    if (jsonEqual(patched, object)) return false;
    replaceInPlace(object, patched);
    return true;
  }
}
