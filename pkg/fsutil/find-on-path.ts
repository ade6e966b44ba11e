// An executable found on a PATH-style search path, skipping one file (the k3ts executable itself,
// which may be reached through a kubectl/ctr/crictl symlink and must not run itself).
import * as fs from 'node:fs';
import * as path from 'node:path';

function realpath(file: string): string | undefined {
  try {
    return fs.realpathSync(file);
  } catch {
    return undefined;
  }
}

export function findOnPath(name: string, searchPath: string | undefined, opts: { readonly exclude?: string } = {}): string | undefined {
  const excluded = opts.exclude ? realpath(opts.exclude) : undefined;
  for (const dir of (searchPath ?? '').split(':').filter(Boolean)) {
    const file = path.join(dir, name);
    const real = realpath(file);
    if (!real || real === excluded) continue;
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not executable: keep looking
    }
  }
  return undefined;
}
