// Typed server-side apply errors with stable codes. The API server maps them to Kubernetes Status
// in one place, as upstream does:
//   conflict   → 409 Conflict, reason Conflict, details.causes = one FieldManagerConflict cause per
//                conflicting field (`toStatusCauses()`); kubectl prints them and suggests --force-conflicts
//   bad-request → 400 BadRequest (wrong apiVersion/kind in the applied configuration,
//                metadata.managedFields set in it, a body that is not an object)
//   invalid     → 422 Invalid (no field manager; a list item without its list-map key fields;
//                the same key twice in an applied list)
import type { PathElement } from './path-element';
import { pathToString } from './path-element';

export type ApplyErrorCode = 'conflict' | 'bad-request' | 'invalid';

export class ApplyError extends Error {
  constructor(readonly code: ApplyErrorCode, message: string) {
    super(message);
    this.name = 'ApplyError';
  }
}

/** Identity of the manager a conflict is with (as in a managedFields entry). */
export interface ConflictManager {
  readonly manager: string;
  readonly operation: 'Apply' | 'Update';
  readonly apiVersion: string;
  readonly subresource?: string;
}

export interface FieldConflict {
  readonly with: ConflictManager;
  readonly path: readonly PathElement[];
}

/** `"kubectl-create" using apps/v1`, as upstream prints a manager in conflict messages. */
export function describeManager(m: ConflictManager): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') s += ` using ${m.apiVersion}`;
  return s;
}

export interface StatusCause {
  readonly reason: 'FieldManagerConflict';
  readonly message: string;
  readonly field: string;
}

export class ApplyConflictError extends ApplyError {
  /** `conflicts` are grouped by manager (managers in a stable order) and sorted by path. */
  constructor(readonly conflicts: readonly FieldConflict[]) {
    super('conflict', conflictMessage(conflicts));
  }

  toStatusCauses(): StatusCause[] {
    return this.conflicts.map((c) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with ${describeManager(c.with)}`,
      field: pathToString(c.path),
    }));
  }
}

function conflictMessage(conflicts: readonly FieldConflict[]): string {
  if (conflicts.length === 1) {
    const c = conflicts[0] as FieldConflict;
    return `Apply failed with 1 conflict: conflict with ${describeManager(c.with)}: ${pathToString(c.path)}`;
  }
  const lines: string[] = [];
  let last: string | undefined;
  for (const c of conflicts) {
    const who = describeManager(c.with);
    if (who !== last) lines.push(`conflicts with ${who}:`);
    last = who;
    lines.push(`- ${pathToString(c.path)}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

export function isApplyError(e: unknown, code?: ApplyErrorCode): e is ApplyError {
  return e instanceof ApplyError && (code === undefined || e.code === code);
}
