// persistentVolumeClaim: the claim must be bound; its PersistentVolume's hostPath or local path is
// what the runtime bind-mounts into the containers (read-only when the pod's claim says so).
import { KubeletError } from '../errors';
import { setUpHostPath } from './host-path';
import type { VolumeSources } from './volume-sources';

export async function setUpClaim(ns: string, claimName: string, refs: VolumeSources): Promise<string> {
  if (!refs.persistentVolumeClaim || !refs.persistentVolume) throw new KubeletError('invalid-pod', 'this kubelet cannot read persistent volume claims', { reason: 'CreateContainerConfigError' });
  const claim = await refs.persistentVolumeClaim(ns, claimName);
  if (!claim) throw new KubeletError('missing-reference', `persistentvolumeclaim "${claimName}" not found`, { reason: 'CreateContainerConfigError' });
  if (!claim.volumeName || (claim.phase && claim.phase !== 'Bound')) throw new KubeletError('missing-reference', `persistentvolumeclaim "${claimName}" is not bound`, { reason: 'CreateContainerConfigError' });
  const pv = await refs.persistentVolume(claim.volumeName);
  if (!pv) throw new KubeletError('missing-reference', `persistentvolume "${claim.volumeName}" of claim "${claimName}" not found`, { reason: 'CreateContainerConfigError' });
  if (!pv.path) throw new KubeletError('invalid-pod', `persistentvolume "${claim.volumeName}" is neither hostPath nor local; only those can be mounted by this kubelet`, { reason: 'CreateContainerConfigError' });
  return setUpHostPath(pv.path, pv.hostPathType ?? '');
}
