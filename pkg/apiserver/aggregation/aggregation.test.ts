import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { aggregatedGroup, legacyApiGroup } from './discovery-documents';
import { frontProxyHeaders } from './proxy-request';
import { upgradeRequestHead } from './proxy-upgrade';

describe('front-proxy headers', () => {
  it('carry the authenticated user and drop credentials and caller-sent identity headers', () => {
    const incoming = { headers: { authorization: 'Bearer x', 'impersonate-user': 'bob', 'x-remote-user': 'mallory', 'x-remote-extra-scopes': 'all', accept: 'application/json', host: 'k' } };
    const h = frontProxyHeaders(incoming.headers, { username: 'alice', groups: ['devs', 'system:authenticated'], uid: 'u1' });
    expect(h).toEqual({ accept: 'application/json', 'x-remote-user': 'alice', 'x-remote-group': ['devs', 'system:authenticated'], 'x-remote-uid': 'u1' });
  });
});

describe('upgrade requests replayed to an extension', () => {
  it('keep one line per header value, drop credentials and forged identity, and name the caller', () => {
    const req = {
      method: 'GET',
      url: '/apis/g.io/v1/namespaces/d/things/t/exec?command=sh',
      headersDistinct: { upgrade: ['SPDY/3.1'], connection: ['Upgrade'], 'x-stream-protocol-version': ['v4.channel.k8s.io', 'v3.channel.k8s.io'], authorization: ['Bearer x'], 'impersonate-user': ['bob'], 'x-remote-user': ['mallory'], host: ['k'] },
    } as unknown as IncomingMessage;
    expect(upgradeRequestHead(req, { username: 'alice', groups: ['devs', 'system:authenticated'] }, 'api.g.svc').split('\r\n')).toEqual([
      'GET /apis/g.io/v1/namespaces/d/things/t/exec?command=sh HTTP/1.1',
      'Host: api.g.svc',
      'Connection: Upgrade',
      'upgrade: SPDY/3.1',
      'x-stream-protocol-version: v4.channel.k8s.io',
      'x-stream-protocol-version: v3.channel.k8s.io',
      'X-Remote-User: alice',
      'X-Remote-Group: devs',
      'X-Remote-Group: system:authenticated',
      '',
      '',
    ]);
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
