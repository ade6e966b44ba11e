// CEL's `authorizer` variable (Kubernetes' authz library) for admission policy expressions:
//
//   authorizer.group('apps').resource('deployments').namespace('x').name('n').check('create').allowed()
//   authorizer.requestResource.subresource('scale').check('update').reason()
//   authorizer.path('/healthz').check('get').allowed()
//   authorizer.serviceAccount('ns', 'sa').group('').resource('pods').check('list').errored()
//
// @bufbuild/cel has no opaque object types, so each step is a CEL map whose one key `@authz`
// holds the step as JSON text (user, group, resource…); the library's methods accept receivers of
// any type and check that key. `requestResource` is a real key of the authorizer map, so it reads
// as a field as upstream's does.
//
// Authorization is asynchronous and CEL evaluation is not: a `check()` whose answer is not known
// yet records the question and yields a placeholder decision; CelProgram.evaluateAsync then asks
// the authorizer and evaluates again (expressions have no side effects), until every check met in
// the evaluation was answered. Answers are kept per CelAuthorizer (one per request).
import { celError, celMethod, CelScalar, isCelMap, type CelFunc, type CelInput, type CelMap } from '@bufbuild/cel';
import * as crypto from 'node:crypto';

const { STRING, BOOL, DYN } = CelScalar;
const KEY = '@authz';
const MAX_ROUNDS = 16;

export interface CelAuthorizerUser {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
}

/** One question to the authorizer, as upstream's authorizer.Attributes. */
export interface CelAuthorizerCheck {
  readonly user: CelAuthorizerUser;
  readonly verb: string;
  readonly isResource: boolean;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
  readonly path: string;
}

export interface CelAuthorizerVerdict {
  readonly allowed: boolean;
  readonly reason: string;
  /** Set when the authorizer failed (decision.errored() is then true). */
  readonly error?: string;
}

/** What the authorizer library asks (the API server's authorizer, adapted by the caller). */
export type CelAuthorize = (check: CelAuthorizerCheck) => Promise<CelAuthorizerVerdict>;

/** The resource a request names (`authorizer.requestResource`). */
export interface CelRequestResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
}

type Step =
  | { readonly step: 'authorizer'; readonly session: string; readonly user: CelAuthorizerUser }
  | { readonly step: 'path'; readonly session: string; readonly user: CelAuthorizerUser; readonly path: string }
  | { readonly step: 'group'; readonly session: string; readonly user: CelAuthorizerUser; readonly group: string }
  | { readonly step: 'resource'; readonly session: string; readonly user: CelAuthorizerUser; readonly r: CelRequestResource }
  | { readonly step: 'decision'; readonly allowed: boolean; readonly reason: string; readonly error: string };

function keyOf(c: CelAuthorizerCheck): string {
  return JSON.stringify([c.user.username, c.user.uid ?? '', [...c.user.groups], c.verb, c.isResource, c.group, c.version, c.resource, c.subresource, c.namespace, c.name, c.path]);
}

/** The `authorizer` of one request: the user's identity and the answers obtained so far. */
export class CelAuthorizer {
  readonly id = crypto.randomUUID();
  private readonly answers = new Map<string, CelAuthorizerVerdict>();
  private readonly pending = new Map<string, CelAuthorizerCheck>();

  constructor(private readonly authorize: CelAuthorize, readonly user: CelAuthorizerUser, readonly requestResource?: CelRequestResource) {}

  /** The answer when known; otherwise records the question and returns undefined. */
  decide(check: CelAuthorizerCheck): CelAuthorizerVerdict | undefined {
    const key = keyOf(check);
    const known = this.answers.get(key);
    if (!known) this.pending.set(key, check);
    return known;
  }

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** Asks the authorizer every recorded question. */
  async settle(): Promise<void> {
    const questions = [...this.pending];
    this.pending.clear();
    await Promise.all(
      questions.map(async ([key, check]) => {
        let verdict: CelAuthorizerVerdict;
        try {
          verdict = await this.authorize(check);
        } catch (e) {
          verdict = { allowed: false, reason: '', error: (e as Error).message };
        }
        this.answers.set(key, verdict);
      }),
    );
  }

  /** The CEL value of the `authorizer` variable. */
  toCel(): CelInput {
    const user = this.user;
    const value = new Map<string, CelInput>([[KEY, JSON.stringify({ step: 'authorizer', session: this.id, user } satisfies Step)]]);
    if (this.requestResource) value.set('requestResource', stepValue({ step: 'resource', session: this.id, user, r: this.requestResource }));
    return value;
  }
}

function stepValue(s: Step): CelInput {
  return new Map<string, CelInput>([[KEY, JSON.stringify(s)]]);
}

function stepOf(v: unknown, want: ReadonlyArray<Step['step']>, method: string): Step {
  const text = isCelMap(v) ? (v as CelMap).get(KEY) : undefined;
  if (typeof text === 'string') {
    const s = JSON.parse(text) as Step;
    if (want.includes(s.step)) return s;
  }
  throw celError(`found no matching overload for '${method}' applied to '${isCelMap(v) ? 'map' : typeof v}'`);
}

const NO_RESOURCE: CelRequestResource = { group: '', version: '*', resource: '', subresource: '', namespace: '', name: '' };

/** The authz library's methods, answering from the CelAuthorizers registered for the running evaluation. */
export function authorizerLibrary(sessions: ReadonlyMap<string, CelAuthorizer>): CelFunc[] {
  const resourceField = (method: 'subresource' | 'namespace' | 'name') =>
    celMethod(method, DYN, [STRING], DYN, function (this: unknown, value: string) {
      const s = stepOf(this, ['resource'], method) as Extract<Step, { step: 'resource' }>;
      return stepValue({ ...s, r: { ...s.r, [method]: value } });
    });
  const decision = (method: string, read: (d: Extract<Step, { step: 'decision' }>) => boolean | string, result: typeof STRING | typeof BOOL) =>
    celMethod(method, DYN, [], result, function (this: unknown) {
      return read(stepOf(this, ['decision'], method) as Extract<Step, { step: 'decision' }>);
    });
  return [
    celMethod('group', DYN, [STRING], DYN, function (this: unknown, group: string) {
      const s = stepOf(this, ['authorizer'], 'group') as Extract<Step, { step: 'authorizer' }>;
      return stepValue({ step: 'group', session: s.session, user: s.user, group });
    }),
    celMethod('resource', DYN, [STRING], DYN, function (this: unknown, resource: string) {
      const s = stepOf(this, ['group'], 'resource') as Extract<Step, { step: 'group' }>;
      return stepValue({ step: 'resource', session: s.session, user: s.user, r: { ...NO_RESOURCE, group: s.group, resource } });
    }),
    resourceField('subresource'),
    resourceField('namespace'),
    resourceField('name'),
    celMethod('path', DYN, [STRING], DYN, function (this: unknown, path: string) {
      const s = stepOf(this, ['authorizer'], 'path') as Extract<Step, { step: 'authorizer' }>;
      return stepValue({ step: 'path', session: s.session, user: s.user, path });
    }),
    celMethod('serviceAccount', DYN, [STRING, STRING], DYN, function (this: unknown, namespace: string, name: string) {
      const s = stepOf(this, ['authorizer'], 'serviceAccount') as Extract<Step, { step: 'authorizer' }>;
      const user = { username: `system:serviceaccount:${namespace}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'] };
      return stepValue({ step: 'authorizer', session: s.session, user });
    }),
    celMethod('check', DYN, [STRING], DYN, function (this: unknown, verb: string) {
      const s = stepOf(this, ['resource', 'path'], 'check') as Extract<Step, { step: 'resource' | 'path' }>;
      const session = sessions.get(s.session);
      if (!session) throw celError('authorizer is not available in this evaluation');
      const check: CelAuthorizerCheck =
        s.step === 'path'
          ? { user: s.user, verb: verb.toLowerCase(), isResource: false, group: '', version: '', resource: '', subresource: '', namespace: '', name: '', path: s.path }
          : { user: s.user, verb, isResource: true, ...s.r, path: '' };
      const v = session.decide(check) ?? { allowed: false, reason: '' };
      return stepValue({ step: 'decision', allowed: v.allowed, reason: v.reason, error: v.error ?? '' });
    }),
    decision('allowed', (d) => d.allowed, BOOL),
    decision('reason', (d) => d.reason, STRING),
    decision('errored', (d) => d.error !== '', BOOL),
    decision('error', (d) => d.error, STRING),
  ];
}

export const AUTHORIZER_MAX_ROUNDS = MAX_ROUNDS;
