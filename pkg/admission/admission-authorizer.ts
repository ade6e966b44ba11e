// The API server's authorizer as admission policies see it (CEL's `authorizer` variable): one
// CelAuthorizer per evaluation, acting as the requesting user, whose checks go to the server's
// authorizer chain (RBAC, Node). The chain is built after the admission plugins, so it is bound
// late; until then checks are answered as errors (decision.errored()).
import type { Authorizer, AuthorizationAttributes } from '../apiserver/authorization';
import { CelAuthorizer, type CelAuthorizerCheck, type CelAuthorizerVerdict } from '../cel';
import type { AdmissionAttributes } from './admission-attributes';

/** An Authorizer to hand to admission before the server's authorizer exists; `bind` it once it does. */
export class LateBoundAuthorizer implements Authorizer {
  private target?: Authorizer;

  bind(authorizer: Authorizer): void {
    this.target = authorizer;
  }

  async authorize(attrs: AuthorizationAttributes) {
    if (!this.target) throw new Error('the authorizer is not ready yet');
    return this.target.authorize(attrs);
  }
}

/** The `authorizer` variable for one request, or null when the server gave admission no authorizer. */
export function celAuthorizerFor(a: AdmissionAttributes, authorizer: Authorizer | undefined): CelAuthorizer | null {
  if (!authorizer) return null;
  const ask = async (c: CelAuthorizerCheck): Promise<CelAuthorizerVerdict> => {
    const d = await authorizer.authorize({ ...c, user: { username: c.user.username, groups: c.user.groups, ...(c.user.uid ? { uid: c.user.uid } : {}) } });
    return { allowed: d.allowed, reason: d.reason ?? '' };
  };
  const user = a.source.user;
  return new CelAuthorizer(ask, { username: user.username, groups: [...user.groups], ...(user.uid ? { uid: user.uid } : {}) }, { ...a.resource, subresource: a.subresource, namespace: a.namespace, name: a.name });
}
