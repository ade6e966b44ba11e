// `--disable local-storage` and `--default-local-storage-path` (K3s names) → the provisioner's settings.
import type { LocalPathProvisionerOptions } from './local-path-provisioner';

export function localStorageFromFlags(f: { readonly disable: readonly string[]; readonly defaultLocalStoragePath?: string }, dataDirStorage: string): LocalPathProvisionerOptions | undefined {
  const disabled = new Set(f.disable.flatMap((d) => d.split(',')).map((d) => d.trim()));
  if (disabled.has('local-storage')) return undefined;
  return { defaultPath: f.defaultLocalStoragePath || dataDirStorage };
}
