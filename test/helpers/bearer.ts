// Raw HTTPS requests with a bearer token (no client certificate), for authentication tests.
import * as https from 'node:https';

export function bearerGet(port: number, caPem: string, token: string, urlPath = '/api'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: urlPath, method: 'GET', ca: caPem, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
