// `k3ts token create|list|delete|generate`: bootstrap tokens as Secrets in kube-system, managed
// through the running server's API with an admin kubeconfig (K3s does the same). `create` prints
// the token in the K10<ca hash>::<id>.<secret> form agents take; `generate` only prints a random one.
import {
  BOOTSTRAP_NAMESPACE,
  BOOTSTRAP_TOKEN_TYPE,
  DEFAULT_EXTRA_GROUP,
  bootstrapSecretName,
  bootstrapTokenFromSecret,
  bootstrapTokenSecret,
  generateBootstrapToken,
  isBootstrapTokenId,
  isTokenError,
  parseBootstrapToken,
  parseDuration,
  type BootstrapToken,
} from '../auth/tokens';
import { caHash } from '../certs';
import type { KubeObject } from '../api/types';
import { expectOk, type AdminClient } from './admin-client';
import { CliError } from './errors';

export interface TokenCommandIo {
  readonly stdout: (text: string) => void;
  readonly now?: () => Date;
}

export interface CreateOptions {
  readonly ttl: string;
  readonly description?: string;
  readonly groups: readonly string[];
  readonly usages: readonly string[];
}

const SECRETS = `/api/v1/namespaces/${BOOTSTRAP_NAMESPACE}/secrets`;

function cli<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isTokenError(e)) throw new CliError('invalid-value', e.message);
    throw e;
  }
}

/** Splits repeated and comma-separated flag values. */
export function splitList(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/** `K10<hash>::abcdef.0123456789abcdef`, `abcdef.0123456789abcdef` or `abcdef` → the token id. */
export function tokenIdOf(arg: string): string {
  const bare = arg.includes('::') ? arg.slice(arg.lastIndexOf('::') + 2) : arg;
  if (isBootstrapTokenId(bare)) return bare;
  return cli(() => parseBootstrapToken(bare)).id;
}

export async function tokenCreate(client: AdminClient, given: string | undefined, opts: CreateOptions, io: TokenCommandIo): Promise<void> {
  const text = given ? (given.includes('::') ? given.slice(given.lastIndexOf('::') + 2) : given) : generateBootstrapToken();
  const { id, secret } = cli(() => parseBootstrapToken(text));
  const ttl = cli(() => parseDuration(opts.ttl));
  const now = io.now?.() ?? new Date();
  const usages = splitList(opts.usages);
  const token: BootstrapToken = {
    id,
    secret,
    ...(opts.description ? { description: opts.description } : {}),
    ...(ttl > 0 ? { expiration: new Date(now.getTime() + ttl * 1000) } : {}),
    usages: usages as BootstrapToken['usages'],
    extraGroups: splitList(opts.groups),
  };
  const body = cli(() => bootstrapTokenSecret(token));
  const res = await client.request('POST', `${SECRETS}?fieldManager=k3ts-token`, body);
  if (res.status === 409) throw new CliError('request-failed', `a bootstrap token with id "${id}" already exists`);
  expectOk(res, 'creating the bootstrap token');
  io.stdout(`${client.caPem ? `K10${caHash(client.caPem)}::` : ''}${id}.${secret}\n`);
}

function humanDuration(seconds: number): string {
  if (seconds < 120) return `${Math.max(0, Math.round(seconds))}s`;
  const m = Math.floor(seconds / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h` : `${Math.floor(h / 24)}d`;
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export async function tokenList(client: AdminClient, io: TokenCommandIo): Promise<void> {
  const list = expectOk(await client.request('GET', SECRETS), 'listing bootstrap tokens') as { items?: KubeObject[] } | undefined;
  const now = io.now?.() ?? new Date();
  const rows = [['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS']];
  for (const s of list?.items ?? []) {
    if (s.type !== BOOTSTRAP_TOKEN_TYPE) continue;
    const t = bootstrapTokenFromSecret(s);
    if (!t) continue;
    const left = t.expiration ? (t.expiration.getTime() - now.getTime()) / 1000 : undefined;
    rows.push([
      `${t.id}.${t.secret}`,
      left === undefined ? '<forever>' : left <= 0 ? '<invalid>' : humanDuration(left),
      t.expiration ? rfc3339(t.expiration) : '<never>',
      t.usages.join(',') || '<none>',
      t.description ?? '<none>',
      t.extraGroups.join(',') || '<none>',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  io.stdout(rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n') + '\n');
}

export async function tokenDelete(client: AdminClient, args: readonly string[], io: TokenCommandIo): Promise<void> {
  if (args.length === 0) throw new CliError('missing-value', 'k3ts token delete needs at least one token or token id');
  for (const arg of args) {
    const id = tokenIdOf(arg);
    const res = await client.request('DELETE', `${SECRETS}/${bootstrapSecretName(id)}`);
    if (res.status === 404) throw new CliError('request-failed', `bootstrap token "${id}" not found`);
    expectOk(res, `deleting bootstrap token "${id}"`);
    io.stdout(`bootstrap token "${id}" deleted\n`);
  }
}

export function tokenGenerate(io: TokenCommandIo): void {
  io.stdout(`${generateBootstrapToken()}\n`);
}

export const TOKEN_DEFAULTS = { ttl: '24h', groups: [DEFAULT_EXTRA_GROUP], usages: ['signing', 'authentication'] } as const;
