// The default sandbox image, `k3ts.local/pause:1`: one layer holding /pause (see pause-binary.ts).
import { buildOciImage, type BuiltImage, type OciArch } from './oci-image';
import { pauseExecutable } from './pause-binary';

export const DEFAULT_PAUSE_IMAGE = 'k3ts.local/pause:1';

export function buildPauseImage(arch: OciArch, name = DEFAULT_PAUSE_IMAGE): BuiltImage {
  return buildOciImage({
    name,
    arch,
    layer: [{ type: 'file', name: 'pause', data: pauseExecutable(arch), mode: 0o755 }],
    entrypoint: ['/pause'],
    env: [],
  });
}
