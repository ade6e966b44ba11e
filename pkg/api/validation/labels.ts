// Labels, annotations and metav1.LabelSelector objects: syntax checks, matching and the string
// form (`app=x,tier in (a,b)`) the Scale subresource reports.
import type { FieldError } from '../types';
import { child, index, invalid, invalidEach, forbidden, required, tooLong } from './errors';
import { asArray, asObject, asString, asStringMap, objectsOf } from './json';
import { isLabelValue, isQualifiedName } from './names';

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateLabels(labels: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const map = asObject(labels);
  if (!map) return errs;
  for (const [k, v] of Object.entries(map)) {
    errs.push(...invalidEach(path, k, isQualifiedName(k)));
    if (typeof v === 'string') errs.push(...invalidEach(path, v, isLabelValue(v)));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const map = asObject(annotations);
  if (!map) return errs;
  let total = 0;
  for (const [k, v] of Object.entries(map)) {
    errs.push(...invalidEach(path, k, isQualifiedName(k.toLowerCase())));
    total += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

/** A metav1.LabelSelector: matchLabels syntax, matchExpressions operators and values. */
export function validateLabelSelector(selector: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const sel = asObject(selector);
  if (!sel) return errs;
  errs.push(...validateLabels(sel.matchLabels, child(path, 'matchLabels')));
  for (const [expr, i] of objectsOf(sel.matchExpressions)) {
    const p = index(child(path, 'matchExpressions'), i);
    const op = asString(expr.operator) ?? '';
    const values = asArray(expr.values) ?? [];
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) errs.push(required(child(p, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length > 0) errs.push(forbidden(child(p, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      errs.push(invalid(child(p, 'operator'), op, 'not a valid selector operator'));
    }
    const k = asString(expr.key) ?? '';
    errs.push(...invalidEach(child(p, 'key'), k, isQualifiedName(k)));
    values.forEach((v, j) => {
      if (typeof v === 'string') errs.push(...invalidEach(index(child(p, 'values'), j), v, isLabelValue(v)));
    });
  }
  return errs;
}

/** True when the selector has no requirement at all (it then matches everything). */
export function isEmptyLabelSelector(selector: unknown): boolean {
  const sel = asObject(selector);
  if (!sel) return true;
  const ml = asObject(sel.matchLabels);
  const me = asArray(sel.matchExpressions);
  return (!ml || Object.keys(ml).length === 0) && (!me || me.length === 0);
}

/** Whether `labels` satisfy a metav1.LabelSelector (absent selector matches nothing, empty matches all). */
export function labelSelectorMatches(selector: unknown, labels: unknown): boolean {
  const sel = asObject(selector);
  if (!sel) return false;
  const set = asStringMap(labels) ?? {};
  for (const [k, v] of Object.entries(asStringMap(sel.matchLabels) ?? {})) if (set[k] !== v) return false;
  for (const [expr] of objectsOf(sel.matchExpressions)) {
    const k = asString(expr.key) ?? '';
    const values = (asArray(expr.values) ?? []).filter((v): v is string => typeof v === 'string');
    const has = Object.prototype.hasOwnProperty.call(set, k);
    switch (expr.operator) {
      case 'In':
        if (!has || !values.includes(set[k]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(set[k]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether a plain map selector (ReplicationController, Service) matches `labels`. */
export function mapSelectorMatches(selector: unknown, labels: unknown): boolean {
  const sel = asStringMap(selector) ?? {};
  const set = asStringMap(labels) ?? {};
  return Object.entries(sel).every(([k, v]) => set[k] === v);
}

/** String form of a LabelSelector or a plain map, requirements sorted by key (`a=1,b in (x,y),!c`). */
export function labelSelectorToString(selector: unknown, plainMap = false): string {
  const reqs: Array<[string, string]> = [];
  const sel = asObject(selector);
  if (!sel) return '';
  const labels = plainMap ? asStringMap(sel) : asStringMap(sel.matchLabels);
  for (const [k, v] of Object.entries(labels ?? {})) reqs.push([k, `${k}=${v}`]);
  if (!plainMap) {
    for (const [expr] of objectsOf(sel.matchExpressions)) {
      const k = asString(expr.key) ?? '';
      const values = (asArray(expr.values) ?? []).filter((v): v is string => typeof v === 'string').sort();
      const op = asString(expr.operator);
      if (op === 'In') reqs.push([k, `${k} in (${values.join(',')})`]);
      else if (op === 'NotIn') reqs.push([k, `${k} notin (${values.join(',')})`]);
      else if (op === 'Exists') reqs.push([k, k]);
      else if (op === 'DoesNotExist') reqs.push([k, `!${k}`]);
    }
  }
  return reqs
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map((r) => r[1])
    .join(',');
}

export { SELECTOR_OPERATORS };
