// `k3ts certificate check`: one line per certificate file in the TLS directory.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DAY_MS, parseCertificatePem } from './authority';
import { RENEW_BEFORE_DAYS } from './cluster';
import { CertError } from './errors';
import { readIfExists } from './internal/files';

export type CertificateCheck =
  | {
      readonly file: string;
      readonly status: 'ok' | 'expiring' | 'expired';
      readonly subject: string;
      readonly issuer: string;
      readonly isCA: boolean;
      readonly notBefore: Date;
      readonly notAfter: Date;
      /** Whole days until notAfter (negative once expired). */
      readonly daysLeft: number;
      readonly dnsNames: readonly string[];
      readonly ipAddresses: readonly string[];
    }
  | { readonly file: string; readonly status: 'invalid'; readonly error: string };

/** Lists every `*.crt` in `tlsDir` (sorted by name); `expiring` means within the 120-day renewal window. */
export async function checkCertificates(tlsDir: string, now: Date = new Date()): Promise<CertificateCheck[]> {
  let names: string[];
  try {
    names = (await readdir(tlsDir)).filter((n) => n.endsWith('.crt')).sort();
  } catch (e) {
    throw new CertError('io', `cannot list ${tlsDir}: ${(e as Error).message}`, { cause: e });
  }
  const out: CertificateCheck[] = [];
  for (const file of names) {
    const pem = await readIfExists(join(tlsDir, file));
    if (pem === undefined) continue; // removed while we were listing
    try {
      const cert = parseCertificatePem(pem, file)[0]!;
      const daysLeft = Math.floor((cert.notAfter.getTime() - now.getTime()) / DAY_MS);
      const status = cert.notAfter <= now ? 'expired' : daysLeft < RENEW_BEFORE_DAYS ? 'expiring' : 'ok';
      out.push({
        file,
        status,
        subject: cert.subjectText,
        issuer: cert.issuerText,
        isCA: cert.isCA,
        notBefore: cert.notBefore,
        notAfter: cert.notAfter,
        daysLeft,
        dnsNames: cert.dnsNames,
        ipAddresses: cert.ipAddresses,
      });
    } catch (e) {
      out.push({ file, status: 'invalid', error: (e as Error).message });
    }
  }
  return out;
}
