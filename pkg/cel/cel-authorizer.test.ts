import { describe, expect, it } from 'vitest';
import { CelAuthorizer, CelEnvironment, type CelAuthorizerCheck } from './index';

const env = new CelEnvironment(['authorizer', 'object']);

/** A fake authorizer: alice may create deployments in "x" and get /healthz; a service account may list pods. */
function fake() {
  const asked: CelAuthorizerCheck[] = [];
  const authorize = async (c: CelAuthorizerCheck) => {
    asked.push(c);
    if (c.resource === 'boom') throw new Error('authorizer down');
    if (c.user.username === 'alice' && c.isResource && c.group === 'apps' && c.resource === 'deployments' && c.namespace === 'x' && c.verb === 'create') return { allowed: true, reason: 'RBAC: allowed by RoleBinding "a/x"' };
    if (c.user.username === 'alice' && !c.isResource && c.path === '/healthz' && c.verb === 'get') return { allowed: true, reason: '' };
    if (c.user.username === 'alice' && c.isResource && c.resource === 'deployments' && c.subresource === 'scale' && c.name === 'web' && c.verb === 'update') return { allowed: true, reason: 'scale ok' };
    if (c.user.username === 'system:serviceaccount:ns:bot' && c.user.groups.includes('system:serviceaccounts:ns') && c.resource === 'pods' && c.verb === 'list') return { allowed: true, reason: '' };
    return { allowed: false, reason: 'no RBAC policy matched' };
  };
  return { asked, authorize };
}

const authz = (f: ReturnType<typeof fake>) =>
  new CelAuthorizer(f.authorize, { username: 'alice', groups: ['system:authenticated'] }, { group: 'apps', version: 'v1', resource: 'deployments', subresource: '', namespace: 'x', name: 'web' });

describe('the CEL authorizer variable', () => {
  it('answers resource, path, requestResource and service account checks through the authorizer', async () => {
    const f = fake();
    const run = (e: string) => env.compile(e).evaluateAsync({ authorizer: authz(f), object: {} });
    expect(await run(`authorizer.group('apps').resource('deployments').namespace('x').check('create').allowed()`)).toBe(true);
    expect(await run(`authorizer.group('apps').resource('deployments').namespace('y').check('create').allowed()`)).toBe(false);
    expect(await run(`authorizer.group('apps').resource('deployments').namespace('x').check('create').reason()`)).toBe('RBAC: allowed by RoleBinding "a/x"');
    expect(await run(`authorizer.path('/healthz').check('GET').allowed() && !authorizer.path('/metrics').check('get').allowed()`)).toBe(true);
    expect(await run(`authorizer.requestResource.subresource('scale').check('update').allowed()`)).toBe(true);
    expect(await run(`authorizer.requestResource.check('delete').allowed()`)).toBe(false);
    expect(await run(`authorizer.serviceAccount('ns', 'bot').group('').resource('pods').check('list').allowed()`)).toBe(true);
    expect(await run(`authorizer.group('').resource('boom').check('get').errored() && authorizer.group('').resource('boom').check('get').error() == 'authorizer down'`)).toBe(true);
    const check = f.asked.find((c) => c.subresource === 'scale')!;
    expect(check).toEqual({ user: { username: 'alice', groups: ['system:authenticated'] }, verb: 'update', isResource: true, group: 'apps', version: 'v1', resource: 'deployments', subresource: 'scale', namespace: 'x', name: 'web', path: '' });
  });

  it('asks each question once per request (answers are kept between evaluations)', async () => {
    const f = fake();
    const a = authz(f);
    const e = env.compile(`authorizer.requestResource.check('delete').allowed() || authorizer.group('apps').resource('deployments').namespace('x').check('create').allowed()`);
    expect(await e.evaluateAsync({ authorizer: a })).toBe(true);
    expect(f.asked.map((c) => `${c.verb} ${c.namespace}/${c.name}`)).toEqual(['delete x/web', 'create x/']);
    expect(await env.compile(`authorizer.requestResource.check('delete').allowed()`).evaluateAsync({ authorizer: a })).toBe(false);
    expect(f.asked).toHaveLength(2);
  });

  it('rejects the methods on other values and without an authorizer', async () => {
    await expect(env.compile(`object.check('get')`).evaluateAsync({ authorizer: null, object: { a: 1 } })).rejects.toThrow(/no matching overload/);
    await expect(env.compile(`authorizer.group('apps')`).evaluateAsync({ authorizer: null, object: {} })).rejects.toThrow(/overload/);
  });
});
