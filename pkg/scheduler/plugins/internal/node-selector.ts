// Node selector terms (required node affinity): terms are ORed, a term's requirements ANDed; a term
// with no requirements matches nothing. matchExpressions test labels (In, NotIn, Exists,
// DoesNotExist, Gt, Lt), matchFields test metadata.name (In, NotIn).
import type { NodeSelectorRequirement, NodeSelectorTerm } from '../../framework/pod-info';

const INT = /^-?\d+$/;

function labelRequirementMatches(r: NodeSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels[r.key]! : '';
  switch (r.operator) {
    case 'In':
      return has && r.values.includes(v);
    case 'NotIn':
      return !has || !r.values.includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || r.values.length !== 1 || !INT.test(v) || !INT.test(r.values[0]!)) return false;
      const a = BigInt(v);
      const b = BigInt(r.values[0]!);
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

function fieldRequirementMatches(r: NodeSelectorRequirement, nodeName: string): boolean {
  if (r.key !== 'metadata.name') return false;
  if (r.operator === 'In') return r.values.includes(nodeName);
  if (r.operator === 'NotIn') return !r.values.includes(nodeName);
  return false;
}

export function termMatches(term: NodeSelectorTerm, labels: Readonly<Record<string, string>>, nodeName: string): boolean {
  if (term.matchExpressions.length === 0 && term.matchFields.length === 0) return false;
  for (const r of term.matchExpressions) if (!labelRequirementMatches(r, labels)) return false;
  for (const r of term.matchFields) if (!fieldRequirementMatches(r, nodeName)) return false;
  return true;
}

export function anyTermMatches(terms: readonly NodeSelectorTerm[], labels: Readonly<Record<string, string>>, nodeName: string): boolean {
  for (const t of terms) if (termMatches(t, labels, nodeName)) return true;
  return false;
}

/** spec.nodeSelector and required node affinity together (both must hold). */
export function podMatchesNodeSelectorAndAffinity(
  nodeSelector: Readonly<Record<string, string>> | undefined,
  requiredTerms: readonly NodeSelectorTerm[] | undefined,
  labels: Readonly<Record<string, string>>,
  nodeName: string,
): boolean {
  if (nodeSelector) for (const k in nodeSelector) if (labels[k] !== nodeSelector[k]) return false;
  if (requiredTerms && !anyTermMatches(requiredTerms, labels, nodeName)) return false;
  return true;
}
