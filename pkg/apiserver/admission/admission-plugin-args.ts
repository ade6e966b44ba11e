// The admission settings among `--kube-apiserver-arg` values, as kube-apiserver's flags:
// `disable-admission-plugins=A,B` turns plugins off, `enable-admission-plugins=A,B` turns them on
// (every plugin k3ts has is on by default, so enabling changes nothing; a plugin named in both
// stays off). Other values are not about admission and are ignored here.
import type { AdmissionPlugin } from '../authorization';

export interface AdmissionPluginArgs {
  readonly disabled: ReadonlySet<string>;
  readonly enabled: ReadonlySet<string>;
}

export function admissionPluginArgs(args: readonly string[]): AdmissionPluginArgs {
  const disabled = new Set<string>();
  const enabled = new Set<string>();
  for (const a of args) {
    const m = /^-{0,2}(disable|enable)-admission-plugins=(.*)$/.exec(a);
    if (!m) continue;
    const names = m[2]!.split(',').map((n) => n.trim()).filter(Boolean);
    for (const n of names) (m[1] === 'disable' ? disabled : enabled).add(n);
  }
  return { disabled, enabled };
}

/** The plugins minus those disabled by name (upstream's plugin names: DefaultStorageClass, ServiceAccount…). */
export function withoutDisabled<P extends AdmissionPlugin>(plugins: readonly P[], args: AdmissionPluginArgs): P[] {
  return plugins.filter((p) => !args.disabled.has(p.name));
}
