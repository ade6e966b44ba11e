// Token authentication for one server, built before the control plane starts and handed to it
// through its deps: the service-account and bootstrap-token authenticators, the TokenRequest
// subresource, and (once the stores exist) the legacy token-secret controller.
import type { ResourceDef } from '../../api/resource-def';
import type { Authenticator, SubresourceHandler } from '../../apiserver/api-server';
import type { Store } from '../../apiserver/registry/store';
import type { Logger } from '../../log/logger';
import type { Backend } from '../../storage/backend';
import { createBootstrapTokenAuthenticator } from './bootstrap-authenticator';
import { startLegacyTokenController, type RunningController } from './legacy-token-controller';
import { backendObjectReader, cachedObjectReader } from './object-reader';
import { createServiceAccountAuthenticator } from './service-account-authenticator';
import { lazyServiceAccountKeys, type ServiceAccountKeys } from './service-account-keys';
import { createTokenRequestHandler } from './token-request-handler';

export interface TokenAuthConfig {
  /** server/tls/service.key */
  readonly serviceKeyFile: string;
  readonly clusterDomain: string;
  /** How long object lookups behind token checks are reused (default 1 s). */
  readonly cacheTtlMs?: number;
}

export interface TokenAuthDeps {
  /** The backend the API server reads (the decrypting one when secrets are encrypted). */
  readonly backend: Pick<Backend, 'get'>;
  readonly log: Logger;
  readonly now?: () => Date;
}

export interface TokenAuth {
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly keys: () => Promise<ServiceAccountKeys>;
  readonly authenticators: readonly Authenticator[];
  readonly subresources: ReadonlyMap<string, SubresourceHandler>;
  startControllers(stores: ReadonlyMap<ResourceDef, Store>, caPem: string, signal: AbortSignal): RunningController;
}

/** --service-account-issuer as K3s sets it. */
export function serviceAccountIssuer(clusterDomain: string): string {
  return `https://kubernetes.default.svc.${clusterDomain}`;
}

/** --api-audiences as K3s sets it (the issuer and the distribution's name). */
export function apiAudiences(issuer: string): readonly string[] {
  return [issuer, 'k3ts'];
}

export function createTokenAuth(cfg: TokenAuthConfig, deps: TokenAuthDeps): TokenAuth {
  const issuer = serviceAccountIssuer(cfg.clusterDomain);
  const audiences = apiAudiences(issuer);
  const keys = lazyServiceAccountKeys(cfg.serviceKeyFile);
  const reader = cachedObjectReader(backendObjectReader(deps.backend), { ttlMs: cfg.cacheTtlMs ?? 1000 });
  const log = deps.log.child('auth');
  const common = { reader, now: deps.now, log };
  return {
    issuer,
    audiences,
    keys,
    authenticators: [createServiceAccountAuthenticator({ ...common, keys, issuer, audiences }), createBootstrapTokenAuthenticator(common)],
    subresources: new Map([['/serviceaccounts/token', createTokenRequestHandler({ keys, issuer, audiences, now: deps.now })]]),
    startControllers(stores, caPem, signal) {
      const find = (resource: string) => [...stores].find(([d]) => d.group === '' && d.resource === resource)?.[1];
      const secrets = find('secrets');
      const serviceAccounts = find('serviceaccounts');
      if (!secrets || !serviceAccounts) throw new Error('internal: the control plane serves no secrets or serviceaccounts store');
      return startLegacyTokenController({ secrets, serviceAccounts, keys, caPem, log: log.child('tokens-controller') }, signal);
    },
  };
}
