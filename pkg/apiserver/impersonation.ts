// User impersonation (`kubectl --as`, `--as-group`, `--as-uid`): the Impersonate-* headers make the
// request act as another user, when the real user may `impersonate` that user (or service account),
// each group, the uid and each extra value. Runs after authentication, before authorization.
import type { IncomingMessage } from 'node:http';
import type { AuthorizationAttributes } from './authorization';
import { errors } from './errors';
import type { UserInfo } from './handlers/request-context';

const SA_PREFIX = 'system:serviceaccount:';
const EXTRA_PREFIX = 'impersonate-extra-';

function distinct(req: IncomingMessage, name: string): string[] {
  const values = req.headersDistinct?.[name];
  if (values) return values;
  const v = req.headers[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The user the request acts as: `user` itself without Impersonate-* headers. Throws 400/403. */
export async function impersonatedUser(req: IncomingMessage, user: UserInfo, authorize: (a: AuthorizationAttributes) => Promise<void>): Promise<UserInfo> {
  const h = req.headers;
  if (h['impersonate-user'] === undefined && h['impersonate-group'] === undefined && h['impersonate-uid'] === undefined) {
    // The common case, without allocating: only a stray Impersonate-Extra-* header is an error.
    for (const name in h) if (name.startsWith(EXTRA_PREFIX)) throw errors.badRequest('requested impersonation of extra values without impersonating a user');
    return user;
  }
  const names = distinct(req, 'impersonate-user');
  const groups = distinct(req, 'impersonate-group');
  const uids = distinct(req, 'impersonate-uid');
  const extraKeys = Object.keys(req.headers).filter((h) => h.startsWith(EXTRA_PREFIX));
  if (names.length === 0) {
    if (groups.length || uids.length || extraKeys.length) throw errors.badRequest('requested impersonation of groups, a uid or extra values without impersonating a user');
    return user;
  }
  if (names.length > 1 || uids.length > 1) throw errors.badRequest('only one Impersonate-User and one Impersonate-Uid header may be given');
  const check = (resource: string, name: string, group = '', namespace = '', subresource = '') =>
    authorize({ user, verb: 'impersonate', isResource: true, group, version: '', resource, subresource, namespace, name, path: '' });
  const username = names[0]!;
  let newGroups = [...groups];
  if (username.startsWith(SA_PREFIX)) {
    const [ns, sa] = username.slice(SA_PREFIX.length).split(':');
    if (!ns || !sa) throw errors.badRequest(`invalid service account user name "${username}": expected system:serviceaccount:<namespace>:<name>`);
    await check('serviceaccounts', sa, '', ns);
    if (groups.length === 0) newGroups = ['system:serviceaccounts', `system:serviceaccounts:${ns}`];
  } else {
    await check('users', username);
  }
  for (const g of groups) await check('groups', g);
  if (uids[0] !== undefined) await check('uids', uids[0], 'authentication.k8s.io');
  const extra: Record<string, string[]> = {};
  for (const h of extraKeys) {
    const key = decodeURIComponent(h.slice(EXTRA_PREFIX.length));
    const values = distinct(req, h);
    for (const v of values) await check('userextras', v, 'authentication.k8s.io', '', key);
    extra[key] = values;
  }
  if (username === 'system:anonymous') {
    if (!newGroups.includes('system:unauthenticated')) newGroups.push('system:unauthenticated');
  } else if (!newGroups.includes('system:authenticated')) {
    newGroups.push('system:authenticated');
  }
  const acting: UserInfo & { extra?: Record<string, string[]> } = { username, groups: newGroups, ...(uids[0] ? { uid: uids[0] } : {}), ...(extraKeys.length ? { extra } : {}) };
  return acting;
}
