// The server side of `k3ts secrets-encrypt`, on the API port like K3s's supervisor endpoints
// (after authentication and authorization as non-resource paths, so only cluster admins reach them):
//   GET  /v1-k3ts/encrypt/status       → EncryptionStatus (enabled: false without --secrets-encryption)
//   POST /v1-k3ts/encrypt/rotate-keys  → RotationResult, when the rotation has finished
import type { NonResourceHandler } from '../../apiserver/api-server';
import { ApiError, errors } from '../../apiserver/errors';
import { writeJson } from '../../apiserver/http/respond';
import { isEncryptionError } from './errors';
import type { SecretsEncryption } from './secrets-encryption';

export const ENCRYPT_STATUS_PATH = '/v1-k3ts/encrypt/status';
export const ENCRYPT_ROTATE_KEYS_PATH = '/v1-k3ts/encrypt/rotate-keys';

function only(method: string, actual: string | undefined): void {
  if ((actual ?? 'GET') !== method) throw new ApiError(405, 'MethodNotAllowed', `${actual ?? 'GET'} is not supported here; expected ${method}`);
}

function mapError(e: unknown): unknown {
  if (!isEncryptionError(e)) return e;
  if (e.code === 'busy') return new ApiError(409, 'Conflict', e.message);
  if (e.code === 'disabled') return errors.badRequest(e.message);
  return errors.internal(e.message);
}

export function encryptionEndpoints(enc: SecretsEncryption | undefined, configFile: string): ReadonlyMap<string, NonResourceHandler> {
  return new Map<string, NonResourceHandler>([
    [
      ENCRYPT_STATUS_PATH,
      async ({ req, res }) => {
        only('GET', req.method);
        if (!enc) return writeJson(res, 200, { enabled: false, stage: '', configFile, keys: [], secrets: { total: 0, stale: 0 } });
        try {
          writeJson(res, 200, await enc.status());
        } catch (e) {
          throw mapError(e);
        }
      },
    ],
    [
      ENCRYPT_ROTATE_KEYS_PATH,
      async ({ req, res }) => {
        only('POST', req.method);
        if (!enc) throw errors.badRequest('secrets encryption is not enabled on this server (start it with --secrets-encryption)');
        try {
          writeJson(res, 200, await enc.rotateKeys());
        } catch (e) {
          throw mapError(e);
        }
      },
    ],
  ]);
}
