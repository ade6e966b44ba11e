// Writing responses: JSON objects, Status errors, plain text.
import type { ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import type { ApiError } from '../errors';

export interface RespondOptions {
  readonly warnings?: readonly string[];
  readonly contentType?: string;
  readonly yaml?: boolean;
}

/** Upstream's limits: each warning text is cut at 256 characters, all of them at 4 KiB. */
const WARNING_TEXT_LIMIT = 256;
const WARNINGS_TOTAL_LIMIT = 4096;

export function warningHeaders(warnings: readonly string[] | undefined): Record<string, string[]> {
  if (!warnings || warnings.length === 0) return {};
  // RFC 7234 warning header form upstream uses: 299 - "<text>". The quoted text is sent as UTF-8
  // bytes (as Go does); control characters are escaped, since a header may not carry them.
  const values: string[] = [];
  let total = 0;
  for (const w of new Set(warnings)) {
    const text = w.length > WARNING_TEXT_LIMIT ? `${w.slice(0, WARNING_TEXT_LIMIT)}...` : w;
    const quoted = JSON.stringify(text).replace(/\x7f/g, '\\u007f');
    const value = `299 - ${Buffer.from(quoted, 'utf8').toString('latin1')}`;
    if (total + value.length > WARNINGS_TOTAL_LIMIT) break;
    total += value.length;
    values.push(value);
  }
  return { Warning: values };
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

/** Writes JSON text the caller already serialized. */
export function writeRawJson(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
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
