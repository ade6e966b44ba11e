// Writing responses: JSON objects, Status errors, plain text.
import type { ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import type { ApiError } from '../errors';

export interface RespondOptions {
  readonly warnings?: readonly string[];
  readonly contentType?: string;
  readonly yaml?: boolean;
}

function warningHeaders(warnings: readonly string[] | undefined): Record<string, string[]> {
  if (!warnings || warnings.length === 0) return {};
  // RFC 7234 warning header form upstream uses: 299 - "<text>"
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`) };
}

export function writeJson(res: ServerResponse, code: number, body: unknown, opts: RespondOptions = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = opts.yaml ? toYaml(body) : JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': opts.contentType ?? (opts.yaml ? 'application/yaml' : 'application/json'),
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
    ...warningHeaders(opts.warnings),
  });
  res.end(text);
}

export function writeError(res: ServerResponse, err: ApiError): void {
  const headers: Record<string, string> = {};
  if (err.details?.retryAfterSeconds) headers['Retry-After'] = String(err.details.retryAfterSeconds);
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(err.toStatus());
  res.writeHead(err.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private', ...headers });
  res.end(text);
}

export function writeText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}
