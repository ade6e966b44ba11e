// The node-password check K3s users know: the first agent that joins under a node name stores the
// hash of its password in Secret kube-system/<node>.node-password.k3ts; a later join under the same
// name must present the same password, so a second machine cannot take over an existing node name.
import { ApiError } from '../../apiserver/errors';
import type { RestClient, ResourceClient } from '../../client/rest-client';
import type { ResourceRef } from '../../client/resource-ref';
import { StatusError } from '../../client/errors';
import type { KubeObject } from '../../api/types';
import { hashNodePassword, nodePasswordMatches } from './node-password-hash';
import { nodePasswordSecretName } from './protocol';

export const NODE_PASSWORD_SECRETS: ResourceRef = Object.freeze({ group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true });
export const NODE_PASSWORD_NAMESPACE = 'kube-system';
const SECRETS = NODE_PASSWORD_SECRETS;
const NAMESPACE = NODE_PASSWORD_NAMESPACE;
export const NODE_PASSWORD_SECRET_TYPE = 'k3ts.io/node-password';

interface SecretObject extends KubeObject {
  data?: Record<string, string>;
  type?: string;
}

function isStatus(e: unknown, code: number): boolean {
  return e instanceof StatusError && e.status === code;
}

export function rejectedMessage(nodeName: string): string {
  return `Node password rejected, duplicate hostname or contents of the node password file may not match the server's entry for node "${nodeName}" (Secret ${NAMESPACE}/${nodePasswordSecretName(nodeName)}); use a unique --node-name, or delete that Secret if the node was reinstalled`;
}

async function storedHash(secrets: ResourceClient<SecretObject>, name: string): Promise<string | undefined> {
  try {
    const s = await secrets.get(NAMESPACE, name);
    const b64 = s.data?.hash;
    return b64 === undefined ? '' : Buffer.from(b64, 'base64').toString('utf8');
  } catch (e) {
    if (isStatus(e, 404)) return undefined;
    throw e;
  }
}

/** Resolves when `password` is the node's (storing its hash on first use); throws a 403 ApiError otherwise. */
export async function verifyNodePassword(client: RestClient, nodeName: string, password: string): Promise<void> {
  const secrets = client.resource<SecretObject>(SECRETS);
  const name = nodePasswordSecretName(nodeName);
  for (let attempt = 0; attempt < 2; attempt++) {
    const stored = await storedHash(secrets, name);
    if (stored !== undefined) {
      if (await nodePasswordMatches(password, stored)) return;
      throw new ApiError(403, 'Forbidden', rejectedMessage(nodeName));
    }
    const hash = await hashNodePassword(password);
    try {
      await secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NAMESPACE, labels: { 'k3ts.io/node-password': 'true' } }, type: NODE_PASSWORD_SECRET_TYPE, data: { hash: Buffer.from(hash).toString('base64') } } as SecretObject);
      return;
    } catch (e) {
      if (!isStatus(e, 409)) throw e; // another join of the same name won the race: check against it
    }
  }
  throw new ApiError(403, 'Forbidden', rejectedMessage(nodeName));
}
