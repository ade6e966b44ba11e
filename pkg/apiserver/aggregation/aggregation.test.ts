import { describe, expect, it } from 'vitest';
import { aggregatedGroup, legacyApiGroup } from './discovery-documents';
import { frontProxyHeaders } from './proxy-request';

describe('front-proxy headers', () => {
  it('carry the authenticated user and drop credentials and caller-sent identity headers', () => {
    const incoming = { headers: { authorization: 'Bearer x', 'impersonate-user': 'bob', 'x-remote-user': 'mallory', 'x-remote-extra-scopes': 'all', accept: 'application/json', host: 'k' } };
    const h = frontProxyHeaders(incoming.headers, { username: 'alice', groups: ['devs', 'system:authenticated'], uid: 'u1' });
    expect(h).toEqual({ accept: 'application/json', 'x-remote-user': 'alice', 'x-remote-group': ['devs', 'system:authenticated'], 'x-remote-uid': 'u1' });
  });
});

describe('aggregated discovery of an extension group', () => {
  it('turns an APIResourceList into an APIGroupDiscovery with subresources and freshness', () => {
    const doc = aggregatedGroup('wardle.example.com', [
      { version: 'v1alpha1', fresh: false, list: { resources: [{ name: 'flunders', singularName: 'flunder', namespaced: true, kind: 'Flunder', verbs: ['get', 'list'], shortNames: ['fl'] }, { name: 'flunders/status', namespaced: true, kind: 'Flunder', verbs: ['get'] }] } },
    ]);
    expect(doc).toEqual({
      metadata: { name: 'wardle.example.com', creationTimestamp: null },
      versions: [
        {
          version: 'v1alpha1',
          freshness: 'Stale',
          resources: [
            {
              resource: 'flunders',
              responseKind: { group: 'wardle.example.com', version: 'v1alpha1', kind: 'Flunder' },
              scope: 'Namespaced',
              singularResource: 'flunder',
              verbs: ['get', 'list'],
              shortNames: ['fl'],
              subresources: [{ subresource: 'status', responseKind: { group: 'wardle.example.com', version: 'v1alpha1', kind: 'Flunder' }, verbs: ['get'] }],
            },
          ],
        },
      ],
    });
    expect(legacyApiGroup('g.io', ['v1', 'v1beta1']).preferredVersion).toEqual({ groupVersion: 'g.io/v1', version: 'v1' });
  });
});
