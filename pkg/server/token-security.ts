// The server's tokens and secrets at rest, wired from its config slice (issue 5, authentication
// half): prepared before the control plane (they decorate the backend and become its
// authenticators, subresources and endpoints), started after it (join-token files, which need the
// CA, and the token-secret controller, which needs the stores).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Authenticator, NonResourceHandler, SubresourceHandler } from '../apiserver/api-server';
import { SecretsEncryption, encryptionEndpoints } from '../auth/encryption';
import { createTokenAuth, ensureJoinTokens, ensurePrivateDir } from '../auth/tokens';
import type { Logger } from '../log/logger';
import type { Backend } from '../storage/backend';
import type { ControlPlane } from './control-plane';
import type { ServerConfig } from './server-config';

export interface TokenSecurity {
  /** The backend the control plane should use (decrypting/encrypting secrets when enabled). */
  readonly backend: Backend;
  readonly authenticators: readonly Authenticator[];
  readonly subresources: ReadonlyMap<string, SubresourceHandler>;
  readonly nonResourceHandlers: ReadonlyMap<string, NonResourceHandler>;
  /** Writes the join-token files and starts the token-secret controller until `signal` aborts; `done` settles after that. */
  start(controlPlane: ControlPlane, signal: AbortSignal): Promise<{ readonly done: Promise<void> }>;
}

type Slice = Pick<ServerConfig, 'paths' | 'secretsEncryption' | 'joinTokens' | 'certs'>;

export async function prepareTokenSecurity(cfg: Slice, backend: Backend, log: Logger, now?: () => Date): Promise<TokenSecurity> {
  const cred = cfg.paths.server.cred;
  const encryptionConfig = join(cred, 'encryption-config.json');
  await ensurePrivateDir(cred);
  let encryption: SecretsEncryption | undefined;
  if (cfg.secretsEncryption) {
    encryption = await SecretsEncryption.open({ configFile: encryptionConfig, now }, backend, log.child('encryption'));
  } else {
    const exists = await readFile(encryptionConfig).then(() => true, () => false);
    if (exists) log.warn('an encryption config exists but --secrets-encryption is off: secrets stored encrypted cannot be read', { file: encryptionConfig });
  }
  const apiBackend = encryption?.backend ?? backend;
  const tokens = createTokenAuth({ serviceKeyFile: join(cfg.paths.server.tls, 'service.key'), clusterDomain: cfg.certs.clusterDomain }, { backend: apiBackend, log, now });
  return {
    backend: apiBackend,
    authenticators: tokens.authenticators,
    subresources: tokens.subresources,
    nonResourceHandlers: encryptionEndpoints(encryption, encryptionConfig),
    async start(controlPlane, signal) {
      const caPem = await readFile(join(cfg.paths.server.tls, 'server-ca.crt'), 'utf8');
      const p = cfg.paths.server;
      const jt = cfg.joinTokens ?? {};
      const joinTokens = await ensureJoinTokens(
        { tokenFile: p.token, nodeTokenFile: p.nodeToken, agentTokenFile: p.agentToken, token: jt.token, tokenFromFile: jt.tokenFile, agentToken: jt.agentToken, agentTokenFromFile: jt.agentTokenFile },
        caPem,
      );
      log.info(joinTokens.created ? 'wrote join token' : 'join token ready', { file: p.token, agentToken: joinTokens.agent ? p.agentToken : 'none' });
      const controller = tokens.startControllers(controlPlane.stores, caPem, signal);
      return { done: controller.done.catch((e: unknown) => log.error('token-secret controller stopped', { error: e instanceof Error ? e.message : String(e) })) };
    },
  };
}
