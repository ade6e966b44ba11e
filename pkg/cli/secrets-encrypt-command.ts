// `k3ts secrets-encrypt status|rotate-keys`, talking to the running server's /v1-k3ts/encrypt/*
// endpoints with an admin kubeconfig. The server does the work (it holds the keys in memory and
// the datastore connection): rotate-keys returns once every secret is under the new key and the
// old keys are gone from server/cred/encryption-config.json.
import { expectOk, type AdminClient } from './admin-client';

const STATUS = '/v1-k3ts/encrypt/status';
const ROTATE = '/v1-k3ts/encrypt/rotate-keys';

interface StatusJson {
  enabled?: boolean;
  stage?: string;
  configFile?: string;
  keys?: { type: string; name: string; active: boolean }[];
  secrets?: { total: number; stale: number };
}

const TYPE_NAMES: Readonly<Record<string, string>> = { aescbc: 'AES-CBC', aesgcm: 'AES-GCM' };

export async function secretsEncryptStatus(client: AdminClient, output: string, stdout: (t: string) => void): Promise<void> {
  const s = expectOk(await client.request('GET', STATUS), 'reading the encryption status') as StatusJson;
  if (output === 'json') return stdout(`${JSON.stringify(s, null, 2)}\n`);
  if (!s.enabled) return stdout('Encryption Status: Disabled, no configuration file found\n');
  const secrets = s.secrets ?? { total: 0, stale: 0 };
  const lines = [
    'Encryption Status: Enabled',
    `Current Rotation Stage: ${s.stage ?? 'start'}`,
    `Secrets: ${secrets.total} stored, ${secrets.stale === 0 ? 'all under the active key' : `${secrets.stale} not under the active key`}`,
    '',
    'Active  Key Type  Name',
    '------  --------  ----',
    ...(s.keys ?? []).map((k) => ` ${k.active ? '*' : ' '}      ${(TYPE_NAMES[k.type] ?? k.type).padEnd(8)}  ${k.name}`),
  ];
  stdout(`${lines.join('\n')}\n`);
}

export async function secretsEncryptRotateKeys(client: AdminClient, stdout: (t: string) => void): Promise<void> {
  const r = expectOk(await client.request('POST', ROTATE, {}), 'rotating the encryption keys') as { activeKey: string; removedKeys: string[]; rewritten: number; total: number };
  stdout(`keys rotated, reencryption finished: ${r.rewritten} of ${r.total} secrets rewritten under ${r.activeKey}; removed ${r.removedKeys.join(', ') || 'no keys'}\n`);
}
