// Test images from the host's static busybox (Debian package busybox-static): a root filesystem
// with /bin/busybox, a symlink per applet, /etc/passwd and /etc/group, /tmp. No registry involved.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { buildOciImage, type BuiltImage, type OciArch } from './oci-image';
import type { TarEntry } from './tar-writer';

export const BUSYBOX_STATIC = '/bin/busybox';

export interface BusyboxImageOptions {
  readonly name: string;
  readonly arch: OciArch;
  readonly busybox?: string;
  readonly cmd?: readonly string[];
  /** Extra files, e.g. `var/www/index.html`. */
  readonly files?: Readonly<Record<string, string>>;
}

export function busyboxRootfs(busybox: string, files: Readonly<Record<string, string>> = {}): TarEntry[] {
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
  const entries: TarEntry[] = [
    { type: 'dir', name: 'bin' },
    { type: 'file', name: 'bin/busybox', data: fs.readFileSync(busybox), mode: 0o755 },
    ...applets.map((a): TarEntry => ({ type: 'symlink', name: `bin/${a}`, target: 'busybox' })),
    { type: 'dir', name: 'etc' },
    { type: 'file', name: 'etc/passwd', data: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n') },
    { type: 'file', name: 'etc/group', data: Buffer.from('root:x:0:\nnogroup:x:65534:\n') },
    { type: 'dir', name: 'root', mode: 0o700 },
    { type: 'dir', name: 'tmp', mode: 0o1777 },
  ];
  const dirs = new Set<string>(['bin', 'etc', 'root', 'tmp']);
  for (const [name, text] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) {
        dirs.add(d);
        entries.push({ type: 'dir', name: d });
      }
    }
    entries.push({ type: 'file', name, data: Buffer.from(text) });
  }
  return entries;
}

export function buildBusyboxImage(o: BusyboxImageOptions): BuiltImage {
  return buildOciImage({ name: o.name, arch: o.arch, layer: busyboxRootfs(o.busybox ?? BUSYBOX_STATIC, o.files), cmd: o.cmd ?? ['sh'] });
}
