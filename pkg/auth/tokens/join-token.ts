// The server's join tokens on disk, as K3s keeps them:
//   server/token       K10<sha256 of server-ca.crt>::server:<password>   (0600; random password
//                      on first start unless --token/--token-file gives one)
//   server/node-token  symlink to `token` (older agents and docs read this name)
//   server/agent-token K10<hash>::node:<password>, only with --agent-token/--agent-token-file
// A later start reuses the stored password; a --token that disagrees with it is refused (K3s
// needs `token rotate` for that), as is a K10 token pinning another CA.
import { readFile, lstat, readlink, rm, symlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { formatToken, generatePassword, parseToken, verifyCaHash } from '../../certs';
import { TokenError } from './errors';
import { writePrivateFile } from './private-file';

export interface JoinTokenConfig {
  readonly tokenFile: string;
  readonly nodeTokenFile: string;
  readonly agentTokenFile: string;
  /** --token / K3TS_TOKEN (full K10 form, user:password or a bare password). */
  readonly token?: string;
  /** --token-file: a file holding the token. */
  readonly tokenFromFile?: string;
  readonly agentToken?: string;
  readonly agentTokenFromFile?: string;
}

export interface JoinTokens {
  /** Full K10 server token (what `server/token` holds). */
  readonly server: string;
  readonly agent?: string;
  readonly created: boolean;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TokenError('io', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
}

async function given(value: string | undefined, file: string | undefined, flag: string): Promise<string | undefined> {
  if (value !== undefined && value.trim() !== '') return value.trim();
  if (file === undefined) return undefined;
  const text = await readText(file);
  if (text === undefined || text === '') throw new TokenError('invalid-option', `${flag} ${file} does not exist or is empty`);
  return text;
}

function passwordOf(text: string, caPem: string, what: string): string {
  let parsed;
  try {
    parsed = parseToken(text);
  } catch (e) {
    throw new TokenError('invalid-option', `${what}: ${(e as Error).message}`, { cause: e });
  }
  if (parsed.caHash !== undefined && !verifyCaHash(caPem, parsed.caHash)) {
    throw new TokenError('invalid-option', `${what}: token CA hash does not match the cluster CA certificate hash (the token was made for another cluster)`);
  }
  return parsed.password;
}

async function ensureSymlink(link: string, target: string): Promise<void> {
  try {
    const st = await lstat(link);
    if (st.isSymbolicLink() && (await readlink(link)) === basename(target)) return;
    await rm(link, { force: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new TokenError('io', `cannot inspect ${link}: ${(e as Error).message}`, { cause: e });
  }
  try {
    await symlink(basename(target), link);
  } catch (e) {
    throw new TokenError('io', `cannot link ${link} to ${target}: ${(e as Error).message}`, { cause: e });
  }
}

async function writeIfChanged(file: string, content: string): Promise<void> {
  if ((await readText(file)) === content) return;
  await writePrivateFile(file, `${content}\n`);
}

export async function ensureJoinTokens(cfg: JoinTokenConfig, caPem: string): Promise<JoinTokens> {
  const stored = await readText(cfg.tokenFile);
  const storedPassword = stored ? passwordOf(stored, caPem, cfg.tokenFile) : undefined;
  const flag = await given(cfg.token, cfg.tokenFromFile, '--token-file');
  let password: string;
  if (flag !== undefined) {
    password = passwordOf(flag, caPem, '--token');
    if (storedPassword !== undefined && storedPassword !== password) {
      throw new TokenError('invalid-option', `--token does not match the token this server was started with (${cfg.tokenFile}); the join token cannot be changed with a flag`);
    }
  } else {
    password = storedPassword ?? generatePassword();
  }
  const server = formatToken(caPem, 'server', password);
  await writeIfChanged(cfg.tokenFile, server);
  await ensureSymlink(cfg.nodeTokenFile, cfg.tokenFile);

  const agentFlag = await given(cfg.agentToken, cfg.agentTokenFromFile, '--agent-token-file');
  let agent: string | undefined;
  if (agentFlag !== undefined) {
    agent = formatToken(caPem, 'node', passwordOf(agentFlag, caPem, '--agent-token'));
    await writeIfChanged(cfg.agentTokenFile, agent);
  }
  return { server, ...(agent ? { agent } : {}), created: stored === undefined };
}
