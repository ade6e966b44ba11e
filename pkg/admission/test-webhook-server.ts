// An admission webhook for tests (a fake, product code): an HTTPS server with a fresh CA and a
// serving certificate for the given names, answering AdmissionReview v1 with the handler's verdict.
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificateAuthority, issueServingCertificate } from '../certs/authority';

export interface WebhookVerdict {
  readonly allowed: boolean;
  readonly status?: { readonly code?: number; readonly message?: string; readonly reason?: string };
  /** RFC 6902 operations, sent base64-encoded with patchType JSONPatch. */
  readonly patch?: readonly unknown[];
  readonly warnings?: readonly string[];
}

export interface ReviewRequest {
  readonly uid: string;
  readonly operation: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly object?: { metadata?: { labels?: Record<string, string> } } & Record<string, unknown>;
  readonly dryRun?: boolean;
  readonly [key: string]: unknown;
}

export interface TestWebhookServer {
  readonly port: number;
  /** The CA certificate, base64 (a webhook's clientConfig.caBundle). */
  readonly caBundle: string;
  /** Every request received, in order. */
  readonly requests: ReviewRequest[];
  close(): Promise<void>;
}

export async function startTestWebhookServer(opts: {
  readonly host: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly handler: (req: ReviewRequest, path: string) => WebhookVerdict;
}): Promise<TestWebhookServer> {
  const ca = await createCertificateAuthority({ commonName: 'test-webhook-ca', days: 1 });
  const leaf = await issueServingCertificate(ca, { commonName: 'test-webhook', dnsNames: opts.dnsNames ?? [], ipAddresses: opts.ipAddresses ?? [opts.host], days: 1 });
  const requests: ReviewRequest[] = [];
  const server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request: ReviewRequest };
      requests.push(review.request);
      const v = opts.handler(review.request, req.url ?? '/');
      const response = {
        uid: review.request.uid,
        allowed: v.allowed,
        ...(v.status ? { status: v.status } : {}),
        ...(v.warnings ? { warnings: v.warnings } : {}),
        ...(v.patch ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(v.patch)).toString('base64') } : {}),
      };
      const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    caBundle: Buffer.from(ca.certPem).toString('base64'),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
