// A minimal, deterministic ustar writer for image layers and image archives: regular files,
// directories and symlinks, owner 0:0, mtime 0. Everything is in memory (layers here are small).
import { ImageError } from './errors';

export type TarEntry =
  | { readonly type: 'file'; readonly name: string; readonly data: Buffer; readonly mode?: number }
  | { readonly type: 'dir'; readonly name: string; readonly mode?: number }
  | { readonly type: 'symlink'; readonly name: string; readonly target: string };

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function splitName(name: string): { prefix: string; base: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', base: name };
  const cut = name.lastIndexOf('/', 155);
  if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new ImageError('invalid-entry', `tar entry name "${name}" is too long for ustar (at most 155 + 100 bytes split at a slash)`);
  return { prefix: name.slice(0, cut), base: name.slice(cut + 1) };
}

function header(name: string, typeflag: string, size: number, mode: number, linkname = ''): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  const { prefix, base } = splitName(name);
  if (Buffer.byteLength(linkname) > 100) throw new ImageError('invalid-entry', `symlink target "${linkname}" is longer than 100 bytes`);
  h.write(base, 0, 100, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii');
  h.write(octal(0, 8), 116, 8, 'ascii');
  h.write(octal(size, 12), 124, 12, 'ascii');
  h.write(octal(0, 12), 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii'); // checksum counts as spaces while summing
  h.write(typeflag, 156, 1, 'ascii');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
  return h;
}

/** The archive of `entries` in the given order, ending with the two zero blocks. */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (e.type === 'file') {
      parts.push(header(e.name, '0', e.data.length, e.mode ?? 0o644), e.data);
      const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
      if (pad) parts.push(Buffer.alloc(pad, 0));
    } else if (e.type === 'dir') {
      parts.push(header(e.name.endsWith('/') ? e.name : `${e.name}/`, '5', 0, e.mode ?? 0o755));
    } else {
      parts.push(header(e.name, '2', 0, 0o777, e.target));
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}
