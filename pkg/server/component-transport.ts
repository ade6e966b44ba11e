// How an embedded component (scheduler, controller manager) reaches the API server: over the
// in-process loopback when it runs in the server's own process, else over HTTPS. Either way it
// acts as the user its client certificate names, so RBAC sees the same identity.
import type { Duplex } from 'node:stream';
import type { UserInfo } from '../apiserver/handlers/request-context';
import { userOfCertificatePem } from '../apiserver/loopback';
import { ConnectionTransport, HttpsTransport, type Transport } from '../client';

export interface LoopbackConnector {
  connect(user: UserInfo): Duplex;
}

export interface ComponentCredentials {
  /** `https://127.0.0.1:6443`, used when there is no loopback. */
  readonly apiServer: string;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export function componentTransport(creds: ComponentCredentials, loopback: LoopbackConnector | undefined): Transport {
  if (!loopback) return new HttpsTransport({ server: creds.apiServer, caPem: creds.caPem, certPem: creds.certPem, keyPem: creds.keyPem });
  const user = userOfCertificatePem(creds.certPem);
  return new ConnectionTransport(() => loopback.connect(user));
}
