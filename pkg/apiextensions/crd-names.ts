// NamesAccepted: a CRD's plural, singular, kind, listKind and short names must not collide with
// another established CRD of the same group, nor with a built-in resource of that group.
import type { ResourceDef } from '../api/resource-def';
import type { CrdNames, CustomResourceDefinition } from './types';

export interface NamesVerdict {
  readonly accepted: boolean;
  readonly reason: string;
  readonly message: string;
}

/** Whether `crd`'s names are free in its group given the other CRDs and the built-in resources. */
export function checkNames(crd: CustomResourceDefinition, others: readonly CustomResourceDefinition[], builtins: readonly ResourceDef[]): NamesVerdict {
  const n = crd.spec.names;
  const group = crd.spec.group;
  const peers: CrdNames[] = [
    ...others.filter((o) => o.metadata.name !== crd.metadata.name && o.spec.group === group).map((o) => o.status?.acceptedNames ?? o.spec.names),
    ...builtins.filter((b) => b.group === group).map((b) => ({ plural: b.resource, singular: b.singular, kind: b.kind, listKind: b.listKind, shortNames: b.shortNames })),
  ];
  for (const p of peers) {
    if (p.plural === n.plural || p.singular === n.plural) return { accepted: false, reason: 'PluralConflict', message: `"${n.plural}" is already in use` };
    if (n.singular && (p.plural === n.singular || p.singular === n.singular)) return { accepted: false, reason: 'SingularConflict', message: `"${n.singular}" is already in use` };
    const short = (n.shortNames ?? []).find((s) => (p.shortNames ?? []).includes(s) || p.plural === s || p.singular === s);
    if (short) return { accepted: false, reason: 'ShortNamesConflict', message: `"${short}" is already in use` };
    if (p.kind === n.kind || p.listKind === n.kind) return { accepted: false, reason: 'KindConflict', message: `"${n.kind}" is already in use` };
    const listKind = n.listKind ?? `${n.kind}List`;
    if (p.kind === listKind || p.listKind === listKind) return { accepted: false, reason: 'ListKindConflict', message: `"${listKind}" is already in use` };
  }
  return { accepted: true, reason: 'NoConflicts', message: 'no conflicts found' };
}
