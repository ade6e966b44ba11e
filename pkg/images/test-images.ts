// The images the test suites run, built from the host's busybox-static (no registry): written as
// OCI image-layout tarballs, ready for `<data-dir>/agent/images/` or `ctr images import`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildBusyboxImage } from './busybox-image';
import { ociArch, type OciArch } from './oci-image';

export const TEST_IMAGES = [{ file: 'busybox.tar', name: 'k3ts.local/busybox:1', files: { 'var/www/index.html': 'hello from k3ts\n' } }] as const;

export function buildTestImages(outDir: string, arch: OciArch = ociArch() ?? 'amd64'): { file: string; name: string; manifest: string }[] {
  fs.mkdirSync(outDir, { recursive: true });
  return TEST_IMAGES.map((t) => {
    const img = buildBusyboxImage({ name: t.name, arch, files: t.files });
    const file = path.join(outDir, t.file);
    fs.writeFileSync(file, img.archive);
    return { file, name: t.name, manifest: img.manifestDigest };
  });
}
