// hostPath (and the paths of hostPath/local persistent volumes): the host's own path, checked or
// created according to its type, then bind-mounted into containers by the runtime.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KubeletError } from '../errors';

function check(p: string, type: string, isType: (s: fs.Stats) => boolean, what: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw new KubeletError('invalid-pod', `hostPath type check failed: ${p} does not exist`, { reason: 'CreateContainerConfigError' });
  }
  if (!isType(st)) throw new KubeletError('invalid-pod', `hostPath type check failed: ${p} is not a ${what} (type ${type})`, { reason: 'CreateContainerConfigError' });
}

export function setUpHostPath(p: string, type = ''): string {
  switch (type) {
    case '':
      break;
    case 'DirectoryOrCreate':
      fs.mkdirSync(p, { recursive: true, mode: 0o755 });
      break;
    case 'FileOrCreate':
      if (!fs.existsSync(p)) {
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, '', { mode: 0o644 });
      }
      break;
    case 'Directory':
      check(p, type, (s) => s.isDirectory(), 'directory');
      break;
    case 'File':
      check(p, type, (s) => s.isFile(), 'file');
      break;
    case 'Socket':
      check(p, type, (s) => s.isSocket(), 'socket');
      break;
    case 'CharDevice':
      check(p, type, (s) => s.isCharacterDevice(), 'character device');
      break;
    case 'BlockDevice':
      check(p, type, (s) => s.isBlockDevice(), 'block device');
      break;
    default:
      throw new KubeletError('invalid-pod', `hostPath type "${type}" is not one of DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice`, { reason: 'CreateContainerConfigError' });
  }
  return p;
}
