// Who asked for a certificate: on create, a CertificateSigningRequest's spec.username, uid and
// groups are the requesting user's, whatever the client sent (upstream's CSR strategy does this in
// PrepareForCreate; k3ts strategies do not see the user, so it is an admission step). Signers and
// approvers read them; `kubectl get csr` shows the username as REQUESTOR.
import { asObject } from '../../api/validation/json';
import type { AdmissionPlugin, AdmissionRequest } from '../../apiserver/authorization';

export class CsrRequestorAdmission implements AdmissionPlugin {
  readonly name = 'CertificateSigningRequestRequestor';

  async admit(req: AdmissionRequest): Promise<void> {
    if (req.operation !== 'create' || req.subresource || req.def.group !== 'certificates.k8s.io' || req.def.resource !== 'certificatesigningrequests' || !req.object) return;
    const spec = asObject(req.object.spec) ?? {};
    req.object.spec = spec;
    spec.username = req.user.username;
    if (req.user.uid) spec.uid = req.user.uid;
    else delete spec.uid;
    spec.groups = [...req.user.groups];
    delete spec.extra;
  }
}
