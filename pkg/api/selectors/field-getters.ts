// Which fields each resource lets `fieldSelector=` select on, and how to read them from the object's
// JSON — the facts of upstream's field label conversion functions (which labels are accepted, and
// the error text for others) and of each strategy's selectable field set (what value is compared).
// Resources not listed accept only metadata.name and metadata.namespace.
import type { KubeObject } from '../types';
import { isObject } from '../types';
import { UnsupportedFieldError } from './errors';
import type { FieldSelector } from './field-selector';

/** Reads one selectable field from an object; '' when the object lacks it. */
export type ObjectFieldGetter = (obj: KubeObject) => string;

interface FieldSpec {
  readonly fields: Readonly<Record<string, ObjectFieldGetter>>;
  /** The error message for a field this resource does not support. */
  readonly reject: (field: string) => string;
}

function at(obj: unknown, ...path: string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

const str =
  (...path: string[]): ObjectFieldGetter =>
  (obj) =>
    text(at(obj, ...path));

/** Integers print as decimal; a missing one as 0 (Go's zero value). */
const int =
  (...path: string[]): ObjectFieldGetter =>
  (obj) => {
    const v = at(obj, ...path);
    return typeof v === 'number' ? String(Math.trunc(v)) : '0';
  };

/** Booleans print as true/false; a missing one as false. */
const bool =
  (...path: string[]): ObjectFieldGetter =>
  (obj) =>
    at(obj, ...path) === true ? 'true' : 'false';

const metadataName = str('metadata', 'name');
const metadataNamespace = str('metadata', 'namespace');
const META = { 'metadata.name': metadataName, 'metadata.namespace': metadataNamespace };

const notSupported = (field: string): string => `field label not supported: ${field}`;

const DEFAULT_SPEC: FieldSpec = {
  fields: META,
  reject: (field) => `${JSON.stringify(field)} is not a known field selector: only "metadata.name", "metadata.namespace"`,
};

/** Core events keep the involved object in `involvedObject`; events.k8s.io calls it `regarding`. */
function involved(field: string): ObjectFieldGetter {
  return (obj) => text(at(obj, 'involvedObject', field) ?? at(obj, 'regarding', field));
}

/** `source`: the legacy source component, else the reporting controller. */
const eventSource: ObjectFieldGetter = (obj) =>
  text(at(obj, 'source', 'component')) ||
  text(at(obj, 'deprecatedSource', 'component')) ||
  text(at(obj, 'reportingComponent')) ||
  text(at(obj, 'reportingController'));

const reportingController: ObjectFieldGetter = (obj) => text(at(obj, 'reportingComponent')) || text(at(obj, 'reportingController'));

/** status.podIPs[0].ip (what upstream compares), falling back to status.podIP. */
const firstPodIP: ObjectFieldGetter = (obj) => {
  const ips = at(obj, 'status', 'podIPs');
  const first = Array.isArray(ips) ? text(at(ips[0], 'ip')) : '';
  return first || text(at(obj, 'status', 'podIP'));
};

const REFERENCE_FIELDS = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];

function eventFields(prefix: 'involvedObject' | 'regarding', reportingLabel: string): Record<string, ObjectFieldGetter> {
  const fields: Record<string, ObjectFieldGetter> = { ...META };
  for (const f of REFERENCE_FIELDS) fields[`${prefix}.${f}`] = involved(f);
  fields.reason = str('reason');
  fields[reportingLabel] = reportingController;
  fields.source = eventSource;
  fields.type = str('type');
  return fields;
}

const SPECS: ReadonlyMap<string, FieldSpec> = new Map<string, FieldSpec>([
  [
    '/pods',
    {
      fields: {
        ...META,
        'spec.nodeName': str('spec', 'nodeName'),
        'spec.host': str('spec', 'nodeName'), // old clients' name for spec.nodeName
        'spec.restartPolicy': str('spec', 'restartPolicy'),
        'spec.schedulerName': str('spec', 'schedulerName'),
        'spec.serviceAccountName': str('spec', 'serviceAccountName'),
        'spec.hostNetwork': bool('spec', 'hostNetwork'),
        'status.phase': str('status', 'phase'),
        'status.podIP': firstPodIP,
        // Accepted by upstream's conversion but absent from the selectable set: always ''.
        'status.podIPs': () => '',
        'status.nominatedNodeName': str('status', 'nominatedNodeName'),
      },
      reject: notSupported,
    },
  ],
  ['/nodes', { fields: { 'metadata.name': metadataName, 'spec.unschedulable': bool('spec', 'unschedulable') }, reject: notSupported }],
  ['/replicationcontrollers', { fields: { ...META, 'status.replicas': int('status', 'replicas') }, reject: notSupported }],
  ['/events', { fields: eventFields('involvedObject', 'reportingComponent'), reject: notSupported }],
  ['events.k8s.io/events', { fields: eventFields('regarding', 'reportingController'), reject: notSupported }],
  ['/namespaces', { fields: { 'metadata.name': metadataName, 'status.phase': str('status', 'phase') }, reject: notSupported }],
  ['/secrets', { fields: { ...META, type: str('type') }, reject: notSupported }],
  ['/services', { fields: { ...META, 'spec.clusterIP': str('spec', 'clusterIP'), 'spec.type': str('spec', 'type') }, reject: notSupported }],
  [
    'batch/jobs',
    {
      fields: { ...META, 'status.successful': int('status', 'succeeded') },
      reject: (field) => `field label ${JSON.stringify(field)} not supported for Job`,
    },
  ],
  [
    'certificates.k8s.io/certificatesigningrequests',
    { fields: { 'metadata.name': metadataName, 'spec.signerName': str('spec', 'signerName') }, reject: notSupported },
  ],
]);

function specFor(group: string, resource: string): FieldSpec {
  return SPECS.get(`${group}/${resource}`) ?? DEFAULT_SPEC;
}

/** Reader for `field` of `group`/`resource` ('' is the core group), or undefined when not selectable. */
export function fieldGetter(group: string, resource: string, field: string): ObjectFieldGetter | undefined {
  const fields = specFor(group, resource).fields;
  return Object.prototype.hasOwnProperty.call(fields, field) ? fields[field] : undefined;
}

/** The fields a resource accepts in field selectors (sorted). */
export function selectableFields(group: string, resource: string): string[] {
  return Object.keys(specFor(group, resource).fields).sort();
}

/** The 400 error for a field the resource does not support, worded as upstream words it. */
export function unsupportedFieldError(group: string, resource: string, field: string): UnsupportedFieldError {
  return new UnsupportedFieldError(field, specFor(group, resource).reject(field));
}

/**
 * Checks every field of `selector` against the resource and returns a predicate over objects.
 * Throws UnsupportedFieldError (400) for the first unsupported field.
 */
export function compileFieldSelector(group: string, resource: string, selector: FieldSelector): (obj: KubeObject) => boolean {
  if (selector.empty) return () => true;
  const getters = new Map<string, ObjectFieldGetter>();
  for (const r of selector.requirements) {
    const g = fieldGetter(group, resource, r.field);
    if (g === undefined) throw unsupportedFieldError(group, resource, r.field);
    getters.set(r.field, g);
  }
  return (obj) => selector.matches((field) => (getters.get(field) as ObjectFieldGetter)(obj));
}
