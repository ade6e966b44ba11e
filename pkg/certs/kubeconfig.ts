// Kubeconfig files with embedded credentials, shaped as K3s writes /etc/rancher/k3s/k3s.yaml:
// one cluster, one user and one context, all named `default`.
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { CertError } from './errors';
import { makeDirs, writeFileAtomic } from './internal/files';

export interface KubeconfigOptions {
  /** API server URL, e.g. https://127.0.0.1:6443 */
  readonly server: string;
  readonly caPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
  /** Name of the user entry (default `default`). */
  readonly user?: string;
  /** File mode: a number (0o600) or an octal string as `--write-kubeconfig-mode` takes it ("644"). */
  readonly mode?: number | string;
}

export function parseFileMode(mode: number | string | undefined): number {
  if (mode === undefined) return 0o600;
  const n = typeof mode === 'number' ? mode : /^0?[0-7]{3}$/.test(mode) ? parseInt(mode, 8) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0o777) {
    throw new CertError('invalid-option', `kubeconfig mode ${JSON.stringify(mode)} is not a file mode (expected octal like 600 or 0644)`);
  }
  return n;
}

export function renderKubeconfig(opts: KubeconfigOptions): string {
  let protocol = '';
  try {
    protocol = new URL(opts.server).protocol;
  } catch {
    // not a URL at all: reported below
  }
  if (protocol !== 'https:') throw new CertError('invalid-option', `kubeconfig server ${JSON.stringify(opts.server)} must be an https:// URL`);
  const user = opts.user ?? 'default';
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'default', cluster: { server: opts.server, 'certificate-authority-data': b64(opts.caPem) } }],
    users: [{ name: user, user: { 'client-certificate-data': b64(opts.clientCertPem), 'client-key-data': b64(opts.clientKeyPem) } }],
    contexts: [{ name: 'default', context: { cluster: 'default', user } }],
    'current-context': 'default',
    preferences: {},
  }, { lineWidth: 0 });
}

/** Writes atomically (temp file + rename) with `mode` (default 0600), creating parent directories. */
export async function writeKubeconfig(file: string, opts: KubeconfigOptions): Promise<void> {
  const mode = parseFileMode(opts.mode);
  const text = renderKubeconfig(opts);
  await makeDirs(dirname(file));
  await writeFileAtomic(file, text, mode);
}
