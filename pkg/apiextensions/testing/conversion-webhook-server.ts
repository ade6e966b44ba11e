// A CRD conversion webhook for tests (a fake, product code): an HTTPS server with a fresh CA and a
// serving certificate for its address, answering ConversionReview (v1 or v1beta1) with what its
// handler says — converted objects, a Failure result, or any body at all. The handler can be
// swapped while the server runs. `hostPortConversion` and `hostPortCrd` are the example the tests
// use: v1 `spec.hostPort: "host:80"` ↔ v2 `spec.host` + `spec.port`.
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificateAuthority, issueServingCertificate } from '../../certs/authority';

export interface ConversionRequest {
  readonly uid: string;
  readonly desiredAPIVersion: string;
  readonly objects: readonly Record<string, unknown>[];
}

export type ConversionAnswer =
  | { readonly convertedObjects: readonly unknown[] }
  | { readonly failure: string }
  /** The whole response body, sent as is (malformed answers). */
  | { readonly body: unknown }
  /** An HTTP status other than 200 with this text. */
  | { readonly httpStatus: number; readonly text: string };

export type ConversionHandler = (req: ConversionRequest, path: string) => ConversionAnswer;

export interface TestConversionWebhook {
  readonly port: number;
  /** `https://<host>:<port>/convert`. */
  readonly url: string;
  /** The CA certificate, base64 (clientConfig.caBundle). */
  readonly caBundle: string;
  /** Every review received, in order, with its apiVersion. */
  readonly reviews: Array<ConversionRequest & { readonly apiVersion: string }>;
  setHandler(handler: ConversionHandler): void;
  close(): Promise<void>;
}

export async function startTestConversionWebhook(opts: { readonly host?: string; readonly dnsNames?: readonly string[]; readonly handler: ConversionHandler }): Promise<TestConversionWebhook> {
  const host = opts.host ?? '127.0.0.1';
  const ca = await createCertificateAuthority({ commonName: 'test-conversion-ca', days: 1 });
  const leaf = await issueServingCertificate(ca, { commonName: 'test-conversion-webhook', dnsNames: opts.dnsNames ?? [], ipAddresses: [host], days: 1 });
  const reviews: Array<ConversionRequest & { apiVersion: string }> = [];
  let handler = opts.handler;
  const server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { apiVersion: string; request: ConversionRequest };
      reviews.push({ ...review.request, apiVersion: review.apiVersion });
      const answer = handler(review.request, req.url ?? '/');
      if ('httpStatus' in answer) {
        res.writeHead(answer.httpStatus, { 'Content-Type': 'text/plain' });
        res.end(answer.text);
        return;
      }
      const response =
        'body' in answer
          ? answer.body
          : {
              apiVersion: review.apiVersion,
              kind: 'ConversionReview',
              response: {
                uid: review.request.uid,
                ...('failure' in answer ? { result: { status: 'Failure', message: answer.failure } } : { result: { status: 'Success' }, convertedObjects: answer.convertedObjects }),
              },
            };
      const body = JSON.stringify(response);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `https://${host}:${port}/convert`,
    caBundle: Buffer.from(ca.certPem).toString('base64'),
    reviews,
    setHandler: (h) => void (handler = h),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Obj = Record<string, unknown>;

/** v1 `spec.hostPort: "host:80"` ↔ v2 `spec.host` + `spec.port`; other fields are kept. */
export function hostPortConversion(obj: Obj, desiredAPIVersion: string): Obj {
  const spec = { ...((obj.spec as Obj | undefined) ?? {}) };
  if (desiredAPIVersion.endsWith('/v2') && typeof spec.hostPort === 'string') {
    const [h, p] = spec.hostPort.split(':');
    delete spec.hostPort;
    spec.host = h;
    spec.port = Number(p);
  } else if (desiredAPIVersion.endsWith('/v1') && (spec.host !== undefined || spec.port !== undefined)) {
    spec.hostPort = `${String(spec.host ?? '')}:${String(spec.port ?? '')}`;
    delete spec.host;
    delete spec.port;
  }
  return { ...obj, apiVersion: desiredAPIVersion, spec };
}

/** A handler converting every object with hostPortConversion. */
export const hostPortHandler: ConversionHandler = (req) => ({ convertedObjects: req.objects.map((o) => hostPortConversion(o, req.desiredAPIVersion)) });

/**
 * A CRD `<plural>.<group>` with v1 (`spec.hostPort`) and v2 (`spec.host`, `spec.port`), printer
 * columns for each, converted by the webhook at `clientConfig`.
 */
export function hostPortCrd(opts: {
  readonly group: string;
  readonly plural: string;
  readonly kind: string;
  readonly clientConfig: Record<string, unknown>;
  readonly storage?: 'v1' | 'v2';
  readonly conversionReviewVersions?: readonly string[];
}): Obj {
  const storage = opts.storage ?? 'v1';
  const version = (name: 'v1' | 'v2', props: Obj, columns: readonly Obj[]) => ({
    name,
    served: true,
    storage: storage === name,
    additionalPrinterColumns: columns,
    schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: props } } } },
  });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${opts.plural}.${opts.group}` },
    spec: {
      group: opts.group,
      scope: 'Namespaced',
      names: { plural: opts.plural, kind: opts.kind },
      versions: [
        version('v1', { hostPort: { type: 'string' } }, [{ name: 'HostPort', type: 'string', jsonPath: '.spec.hostPort' }]),
        version('v2', { host: { type: 'string' }, port: { type: 'integer' } }, [
          { name: 'Host', type: 'string', jsonPath: '.spec.host' },
          { name: 'Port', type: 'integer', jsonPath: '.spec.port' },
        ]),
      ],
      conversion: { strategy: 'Webhook', webhook: { clientConfig: opts.clientConfig, conversionReviewVersions: opts.conversionReviewVersions ?? ['v1'] } },
    },
  };
}
