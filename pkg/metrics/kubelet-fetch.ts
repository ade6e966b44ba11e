// GET a path of a node's kubelet API with the API server's kubelet client certificate, the way
// metrics-server scrapes /metrics/resource (HTTPS, kubelet serving cert checked against server-ca).
import * as https from 'node:https';
import type { KubeObject } from '../api/types';
import { kubeletAddress, type CredentialSource } from '../kubelet/proxy/kubelet-proxy';
import { MetricsError } from './errors';
import type { KubeletFetch } from './metrics-scraper';

const TIMEOUT_MS = 10_000;
const MAX_BYTES = 32 * 1024 * 1024;

export function kubeletFetch(source: CredentialSource): KubeletFetch {
  return async (node: KubeObject, path: string) => {
    const creds = await source();
    const { host, port } = kubeletAddress(node);
    return new Promise<string>((resolve, reject) => {
      const req = https.request({ host, port, path, method: 'GET', ca: creds.caPem, cert: creds.certPem, key: creds.keyPem, agent: false, headers: { Accept: 'text/plain' } }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          size += d.length;
          if (size > MAX_BYTES) req.destroy(new MetricsError('bad-metrics', `the kubelet's ${path} is larger than ${MAX_BYTES} bytes`));
          else chunks.push(d);
        });
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 200) resolve(body);
          else reject(new MetricsError('scrape-failed', `the kubelet of node ${node.metadata.name} answered ${res.statusCode} on ${path}: ${body.slice(0, 200)}`));
        });
        res.on('error', reject);
      });
      req.setTimeout(TIMEOUT_MS, () => req.destroy(new MetricsError('scrape-failed', `the kubelet of node ${node.metadata.name} at ${host}:${port} did not answer ${path} within ${TIMEOUT_MS} ms`)));
      req.on('error', (e) => reject(e instanceof MetricsError ? e : new MetricsError('scrape-failed', `the kubelet of node ${node.metadata.name} at ${host}:${port}: ${e.message}`, { cause: e })));
      req.end();
    });
  };
}
