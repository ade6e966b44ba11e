// Signs approved CertificateSigningRequests of the built-in signers with the cluster CAs: client
// certificates (kube-apiserver-client, kube-apiserver-client-kubelet) with the client CA, kubelet
// serving certificates with the server CA. A request the signer may not issue gets a Failed
// condition; requests of other signers are left to their own controllers.
import type { KubeObject } from '../../api/types';
import { asArray, asObject, asString } from '../../api/validation/json';
import { isNotFound } from '../../client/errors';
import type { ResourceRef } from '../../client/resource-ref';
import { QueueController, type Controller, type ControllerContext } from '../../controller/controller';
import { parseCertificateRequest, signCertificateRequest, type CertificateAuthority } from '../../certs';
import { SIGNER_POLICIES, type SignerCa } from './signer-policy';

export const CSR_SIGNING_CONTROLLER = 'csrsigning';
export const CERTIFICATE_SIGNING_REQUESTS: ResourceRef = Object.freeze({ group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests', kind: 'CertificateSigningRequest', namespaced: false });

/** Upstream's --cluster-signing-duration default: one year. */
export const DEFAULT_SIGNING_DURATION_SECONDS = 365 * 24 * 3600;
/** Certificates are valid from a little before issuance, for peers whose clocks lag. */
const BACKDATE_MS = 5 * 60 * 1000;

export interface CsrSigningConfig {
  readonly clientCa: CertificateAuthority;
  readonly serverCa: CertificateAuthority;
  readonly maxDurationSeconds?: number;
}

function condition(csr: KubeObject, type: string): boolean {
  return (asArray(asObject(csr.status)?.conditions) ?? []).some((c) => asObject(c)?.type === type && asObject(c)?.status !== 'False');
}

export function csrSigningController(cfg: CsrSigningConfig): (ctx: ControllerContext) => Controller {
  return (ctx) => {
    const authorities: Record<SignerCa, CertificateAuthority> = { client: cfg.clientCa, server: cfg.serverCa };
    const informer = ctx.informers.informerFor(CERTIFICATE_SIGNING_REQUESTS);
    const csrs = ctx.client.resource(CERTIFICATE_SIGNING_REQUESTS);
    const controller = new QueueController({ name: CSR_SIGNING_CONTROLLER, workers: 2, ctx, informers: [informer], reconcile });
    informer.addEventHandler({ add: (o) => controller.enqueue(o), update: (_old, o) => controller.enqueue(o) });
    const maxSeconds = cfg.maxDurationSeconds ?? DEFAULT_SIGNING_DURATION_SECONDS;

    async function fail(csr: KubeObject, message: string, signal: AbortSignal): Promise<void> {
      const now = new Date(ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const status = asObject(csr.status) ?? {};
      const conditions = [...(asArray(status.conditions) ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message, lastUpdateTime: now, lastTransitionTime: now }];
      await csrs.updateStatus({ ...csr, status: { ...status, conditions } }, { signal });
    }

    async function reconcile(key: string, signal: AbortSignal): Promise<void> {
      const csr = informer.indexer.get(key);
      if (!csr) return;
      const spec = asObject(csr.spec) ?? {};
      const policy = SIGNER_POLICIES.get(asString(spec.signerName) ?? '');
      if (!policy || !condition(csr, 'Approved') || condition(csr, 'Denied') || condition(csr, 'Failed')) return;
      if ((asString(asObject(csr.status)?.certificate) ?? '') !== '') return;
      try {
        let request;
        try {
          request = parseCertificateRequest(Buffer.from(asString(spec.request) ?? '', 'base64').toString('latin1'));
        } catch (e) {
          await fail(csr, (e as Error).message, signal);
          return;
        }
        const usages = (asArray(spec.usages) ?? []).filter((u): u is string => typeof u === 'string');
        const problems = policy.check(request, usages);
        if (problems.length > 0) {
          await fail(csr, problems.join('; '), signal);
          return;
        }
        const requested = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : maxSeconds;
        const seconds = Math.max(600, Math.min(requested, maxSeconds));
        const now = ctx.clock.now();
        const certPem = signCertificateRequest(authorities[policy.ca], { request, extKeyUsage: [policy.extKeyUsage], notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + seconds * 1000) });
        await csrs.updateStatus({ ...csr, status: { ...(asObject(csr.status) ?? {}), certificate: Buffer.from(certPem).toString('base64') } }, { signal });
        ctx.log.info('signed certificate signing request', { name: csr.metadata.name, signer: spec.signerName, subject: request.commonName });
      } catch (e) {
        // Deleted meanwhile: nothing to sign. Conflicts (a stale cache) are retried with backoff.
        if (isNotFound(e)) return;
        throw e;
      }
    }

    return controller;
  };
}
