// SharedDecoder: one decoding per stored value for all watchers; a later read-modify-write of the
// same key and revision gets its own copy without parsing again, unless the resource converts on
// decode; other revisions are parsed.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import type { KeyValue } from '../../storage/backend';
import { SharedDecoder } from './shared-decoder';

function kv(key: string, modRevision: number, obj: object): KeyValue {
  return { key, value: new TextEncoder().encode(JSON.stringify(obj)), createRevision: 1, modRevision, lease: 0 };
}

function counting() {
  let parses = 0;
  const decode = (k: KeyValue): KubeObject => {
    parses++;
    const o = JSON.parse(new TextDecoder().decode(k.value)) as KubeObject;
    return { ...o, metadata: { ...o.metadata, resourceVersion: String(k.modRevision) } };
  };
  return { decode, parses: () => parses };
}

describe('SharedDecoder', () => {
  it('decodes a value once for every watcher and hands updates a copy of it', () => {
    const c = counting();
    const d = new SharedDecoder(c.decode, true);
    const v = kv('/registry/pods/ns/a', 5, { metadata: { name: 'a', labels: { x: '1' } } });
    const shared = d.decodeShared(v);
    expect(d.decodeShared(v)).toBe(shared);
    expect(d.sharedJson(shared)).toBe(JSON.stringify(shared));
    const owned = d.decodeOwned({ ...v });
    expect(owned).toEqual(shared);
    expect(owned).not.toBe(shared);
    expect(owned.metadata.labels).not.toBe(shared.metadata.labels);
    expect(c.parses()).toBe(1);
    // Another revision of the key is parsed.
    expect(d.decodeOwned(kv('/registry/pods/ns/a', 6, { metadata: { name: 'a' } })).metadata.resourceVersion).toBe('6');
    expect(c.parses()).toBe(2);
  });

  it('parses every owned read when the resource converts on decode', () => {
    const c = counting();
    const d = new SharedDecoder(c.decode, false);
    const v = kv('/registry/widgets/a', 3, { metadata: { name: 'a' } });
    d.decodeShared(v);
    d.decodeOwned(v);
    expect(c.parses()).toBe(2);
  });

  it('forgets keys once two generations have passed', () => {
    const c = counting();
    const d = new SharedDecoder(c.decode, true);
    const first = kv('/k/0', 1, { metadata: { name: '0' } });
    d.decodeShared(first);
    for (let i = 1; i <= 4096; i++) d.decodeShared(kv(`/k/${i}`, 1, { metadata: { name: String(i) } }));
    const before = c.parses();
    d.decodeOwned(first);
    expect(c.parses()).toBe(before + 1);
  });
});
