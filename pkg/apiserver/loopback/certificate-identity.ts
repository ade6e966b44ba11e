// The user a client certificate names (CN the user, O the groups), read from its PEM: what the
// TLS authenticator would see, for a component that talks over a loopback connection instead.
import { X509Certificate } from 'node:crypto';
import type { UserInfo } from '../handlers/request-context';

export function userOfCertificatePem(pem: string): UserInfo {
  const subject = new X509Certificate(pem).subject.split('\n');
  const values = (attr: string) => subject.filter((l) => l.startsWith(`${attr}=`)).map((l) => l.slice(attr.length + 1));
  const username = values('CN')[0];
  if (!username) throw new Error('client certificate has no common name');
  return { username, groups: [...values('O'), 'system:authenticated'] };
}
