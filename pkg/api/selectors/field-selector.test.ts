import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../types';
import { FieldSelectorError, UnsupportedFieldError } from './errors';
import { compileFieldSelector, fieldGetter, selectableFields, unsupportedFieldError } from './field-getters';
import { escapeFieldValue, parseFieldSelector, renameFields } from './field-selector';

const getterOf =
  (fields: Record<string, string>) =>
  (f: string): string =>
    fields[f] ?? '';

describe('parseFieldSelector', () => {
  it('parses =, == and != and matches', () => {
    const s = parseFieldSelector('metadata.name=a,status.phase!=Running,spec.nodeName==n1');
    expect(s.requirements.map((r) => [r.field, r.operator, r.value])).toEqual([
      ['metadata.name', '=', 'a'],
      ['spec.nodeName', '==', 'n1'],
      ['status.phase', '!=', 'Running'],
    ]);
    expect(s.matches(getterOf({ 'metadata.name': 'a', 'spec.nodeName': 'n1', 'status.phase': 'Pending' }))).toBe(true);
    expect(s.matches(getterOf({ 'metadata.name': 'a', 'spec.nodeName': 'n1', 'status.phase': 'Running' }))).toBe(false);
    expect(s.requiresExactMatch('metadata.name')).toBe('a');
    expect(s.requiresExactMatch('status.phase')).toBeUndefined();
  });

  it('empty selector and empty terms select everything', () => {
    expect(parseFieldSelector('').empty).toBe(true);
    expect(parseFieldSelector('a=b,,').requirements).toHaveLength(1);
    expect(parseFieldSelector('').matches(() => 'x')).toBe(true);
  });

  it('a missing field reads as the empty string', () => {
    expect(parseFieldSelector('spec.nodeName=').matches(getterOf({}))).toBe(true);
    expect(parseFieldSelector('spec.nodeName!=').matches(getterOf({ 'spec.nodeName': 'n' }))).toBe(true);
  });

  it('resolves escapes in values and round-trips them', () => {
    const s = parseFieldSelector('metadata.name=a\\,b\\=c\\\\d');
    expect(s.requirements[0].value).toBe('a,b=c\\d');
    expect(s.toString()).toBe('metadata.name=a\\,b\\=c\\\\d');
    expect(escapeFieldValue('x,y=z\\')).toBe('x\\,y\\=z\\\\');
    expect(parseFieldSelector('a==b').toString()).toBe('a=b');
  });

  it('splits at the first operator, so a value may start with =', () => {
    expect(parseFieldSelector('a!=\\=x').requirements[0]).toEqual({ field: 'a', operator: '!=', value: '=x' });
  });

  it('rejects malformed selectors', () => {
    const bad: [string, RegExp][] = [
      ['metadata.name', /can't understand 'metadata.name'/],
      ['a=b,c', /can't understand 'c'/],
      ['a=b=c', /unescaped character in value: =/],
      ['a=b\\x', /invalid escape sequence: \\x/],
      ['a=b\\', /invalid escape sequence: \\$/],
    ];
    for (const [query, message] of bad) {
      expect(() => parseFieldSelector(query), query).toThrow(FieldSelectorError);
      expect(() => parseFieldSelector(query), query).toThrow(message);
    }
  });

  it('renameFields maps labels (spec.host → spec.nodeName)', () => {
    const s = renameFields(parseFieldSelector('spec.host=n1'), (f) => (f === 'spec.host' ? 'spec.nodeName' : f));
    expect(s.toString()).toBe('spec.nodeName=n1');
  });
});

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns' },
  spec: { nodeName: 'n1', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'sa', hostNetwork: true },
  status: { phase: 'Running', podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.1' }], nominatedNodeName: 'n2' },
};

describe('field getters', () => {
  it('reads every pod field upstream supports', () => {
    const read = (f: string) => fieldGetter('', 'pods', f)?.(pod);
    expect(read('metadata.name')).toBe('p');
    expect(read('metadata.namespace')).toBe('ns');
    expect(read('spec.nodeName')).toBe('n1');
    expect(read('spec.host')).toBe('n1');
    expect(read('spec.restartPolicy')).toBe('Always');
    expect(read('spec.schedulerName')).toBe('default-scheduler');
    expect(read('spec.serviceAccountName')).toBe('sa');
    expect(read('spec.hostNetwork')).toBe('true');
    expect(read('status.phase')).toBe('Running');
    expect(read('status.podIP')).toBe('10.0.0.1');
    expect(read('status.nominatedNodeName')).toBe('n2');
    expect(read('status.hostIP')).toBeUndefined();
    expect(fieldGetter('', 'pods', 'spec.hostNetwork')?.({ metadata: {} })).toBe('false');
  });

  it('reads events in both core and events.k8s.io shapes', () => {
    const core: KubeObject = {
      metadata: { name: 'e', namespace: 'ns' },
      involvedObject: { kind: 'Pod', name: 'p', uid: 'u1', fieldPath: 'spec.containers{c}' },
      reason: 'Pulled',
      type: 'Normal',
      source: { component: '' },
      reportingComponent: 'kubelet',
    };
    expect(fieldGetter('', 'events', 'involvedObject.kind')?.(core)).toBe('Pod');
    expect(fieldGetter('', 'events', 'involvedObject.uid')?.(core)).toBe('u1');
    expect(fieldGetter('', 'events', 'reportingComponent')?.(core)).toBe('kubelet');
    expect(fieldGetter('', 'events', 'source')?.(core)).toBe('kubelet');
    expect(fieldGetter('', 'events', 'reason')?.(core)).toBe('Pulled');
    const v1: KubeObject = {
      metadata: { name: 'e', namespace: 'ns' },
      regarding: { kind: 'Node', name: 'n1' },
      reportingController: 'ctrl',
      deprecatedSource: { component: 'src' },
      type: 'Warning',
    };
    expect(fieldGetter('events.k8s.io', 'events', 'regarding.kind')?.(v1)).toBe('Node');
    expect(fieldGetter('events.k8s.io', 'events', 'reportingController')?.(v1)).toBe('ctrl');
    expect(fieldGetter('events.k8s.io', 'events', 'source')?.(v1)).toBe('src');
    expect(fieldGetter('events.k8s.io', 'events', 'involvedObject.kind')).toBeUndefined();
  });

  it('covers the other resources with selectable fields', () => {
    expect(fieldGetter('', 'secrets', 'type')?.({ metadata: {}, type: 'Opaque' })).toBe('Opaque');
    expect(fieldGetter('', 'namespaces', 'status.phase')?.({ metadata: {}, status: { phase: 'Active' } })).toBe('Active');
    expect(fieldGetter('', 'nodes', 'spec.unschedulable')?.({ metadata: {}, spec: { unschedulable: true } })).toBe('true');
    expect(fieldGetter('', 'replicationcontrollers', 'status.replicas')?.({ metadata: {}, status: { replicas: 3 } })).toBe('3');
    expect(fieldGetter('batch', 'jobs', 'status.successful')?.({ metadata: {}, status: { succeeded: 2 } })).toBe('2');
    expect(fieldGetter('batch', 'jobs', 'status.successful')?.({ metadata: {} })).toBe('0');
    expect(fieldGetter('certificates.k8s.io', 'certificatesigningrequests', 'spec.signerName')?.({ metadata: {}, spec: { signerName: 's' } })).toBe('s');
    expect(fieldGetter('', 'services', 'spec.type')?.({ metadata: {}, spec: { type: 'NodePort' } })).toBe('NodePort');
    expect(fieldGetter('', 'services', 'spec.clusterIP')?.({ metadata: {}, spec: { clusterIP: '10.43.0.1' } })).toBe('10.43.0.1');
    expect(fieldGetter('apps', 'deployments', 'metadata.namespace')?.({ metadata: { namespace: 'x' } })).toBe('x');
    expect(fieldGetter('', 'namespaces', 'metadata.namespace')).toBeUndefined();
    expect(selectableFields('', 'secrets')).toEqual(['metadata.name', 'metadata.namespace', 'type']);
  });

  it('words unsupported-field errors as upstream does per resource', () => {
    expect(unsupportedFieldError('', 'pods', 'status.hostIP').message).toBe('field label not supported: status.hostIP');
    expect(unsupportedFieldError('batch', 'jobs', 'x').message).toBe('field label "x" not supported for Job');
    expect(unsupportedFieldError('apps', 'deployments', 'spec.replicas').message).toBe(
      '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
    expect(unsupportedFieldError('', 'pods', 'x')).toBeInstanceOf(UnsupportedFieldError);
    expect(unsupportedFieldError('', 'pods', 'x').code).toBe('unsupported-field-label');
  });

  it('compileFieldSelector validates fields up front and filters objects', () => {
    const match = compileFieldSelector('', 'pods', parseFieldSelector('spec.nodeName=n1,status.phase!=Failed'));
    expect(match(pod)).toBe(true);
    expect(match({ ...pod, spec: { nodeName: 'n2' } })).toBe(false);
    expect(() => compileFieldSelector('', 'pods', parseFieldSelector('status.hostIP=1.2.3.4'))).toThrow('field label not supported: status.hostIP');
    expect(compileFieldSelector('', 'pods', parseFieldSelector(''))(pod)).toBe(true);
  });
});
