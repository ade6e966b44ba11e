// Builds the test images (pkg/images/test-images.ts) from the host's busybox-static into OCI
// image-layout tarballs, ready for `<data-dir>/agent/images/` (the agent imports them at start).
//   npx tsx scripts/build-test-images.ts [--out DIR] [--arch amd64|arm64]
// Writes busybox.tar (k3ts.local/busybox:1, CMD sh) and prints one JSON line per image.
import * as path from 'node:path';
import { buildTestImages } from '../pkg/images/test-images';

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const arch = flag('--arch');
if (arch !== undefined && arch !== 'amd64' && arch !== 'arm64') throw new Error(`--arch ${arch}: expected amd64 or arm64`);
for (const r of buildTestImages(path.resolve(flag('--out') ?? 'dist/test-images'), arch)) console.log(JSON.stringify(r));
