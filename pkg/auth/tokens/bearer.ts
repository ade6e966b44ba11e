// The bearer token of a request (`Authorization: Bearer <token>`), or undefined when there is none.
import type { IncomingMessage } from 'node:http';

export function bearerToken(req: Pick<IncomingMessage, 'headers'>): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}
