// Who may call the supervisor endpoints: an agent presenting a join token as HTTP Basic
// credentials (`node:<password>` from server/agent-token, or `server:<password>` from server/token
// and its node-token link, as K3s accepts both for agents). The token files are read per request,
// so a rotated token takes effect without a restart.
import { readFile } from 'node:fs/promises';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parseToken } from '../../certs';

async function passwordIn(file: string): Promise<string | undefined> {
  try {
    return parseToken(await readFile(file, 'utf8')).password;
  } catch {
    return undefined; // absent (no agent token configured) or unreadable
  }
}

function same(a: string, b: string): boolean {
  // Hash first so the comparison is constant-time whatever the lengths.
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

/** The Basic password of `req`, when it is one of the join tokens' passwords. */
export async function agentAuthenticated(req: IncomingMessage, tokenFiles: readonly string[]): Promise<boolean> {
  const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return false;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon < 0 ? decoded : decoded.slice(colon + 1);
  if (!password) return false;
  const known = (await Promise.all(tokenFiles.map(passwordIn))).filter((p): p is string => p !== undefined);
  let ok = false;
  for (const k of known) ok = same(k, password) || ok;
  return ok;
}
