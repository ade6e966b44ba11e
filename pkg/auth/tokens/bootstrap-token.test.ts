import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { ApiError } from '../../apiserver/errors';
import { createBootstrapTokenAuthenticator } from './bootstrap-authenticator';
import {
  bootstrapTokenFromSecret,
  bootstrapTokenSecret,
  generateBootstrapToken,
  isBootstrapTokenShape,
  isExpired,
  parseBootstrapToken,
  parseDuration,
  type BootstrapToken,
} from './bootstrap-token';
import { isTokenError } from './errors';
import type { ObjectReader } from './object-reader';

const T0 = new Date('2030-01-01T00:00:00Z');

/** What the API server stores for a Secret created with stringData. */
function stored(secret: KubeObject, uid = 'u1'): KubeObject {
  const { stringData, ...rest } = secret as KubeObject & { stringData: Record<string, string> };
  const data = Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  return { ...rest, metadata: { ...rest.metadata, uid }, data };
}

function reader(objects: Map<string, KubeObject>): ObjectReader {
  return { get: async (_r, ns, name) => objects.get(`${ns}/${name}`) };
}

const token: BootstrapToken = { id: 'abcdef', secret: '0123456789abcdef', description: 'for n1', expiration: new Date(T0.getTime() + 3600_000), usages: ['authentication', 'signing'], extraGroups: ['system:bootstrappers:k3ts:default-node-token'] };

async function status(p: Promise<unknown>): Promise<unknown> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    throw e;
  }
}

describe('bootstrap tokens', () => {
  it('parses <id>.<secret> and generates random ones of that shape', () => {
    expect(parseBootstrapToken(' abcdef.0123456789abcdef\n')).toEqual({ id: 'abcdef', secret: '0123456789abcdef' });
    for (const bad of ['abcdef', 'ABCDEF.0123456789abcdef', 'abcde.0123456789abcdef', 'abcdef.0123456789abcde', 'abcdef:0123456789abcdef']) {
      expect(() => parseBootstrapToken(bad)).toThrow(/\[a-z0-9\]\{6\}/);
    }
    const a = generateBootstrapToken();
    expect(isBootstrapTokenShape(a)).toBe(true);
    expect(generateBootstrapToken()).not.toBe(a);
    expect(generateBootstrapToken(() => 0)).toBe('aaaaaa.aaaaaaaaaaaaaaaa');
  });

  it('round-trips through the kube-system Secret upstream defines', () => {
    const secret = bootstrapTokenSecret(token);
    expect(secret).toMatchObject({
      metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' },
      type: 'bootstrap.kubernetes.io/token',
      stringData: {
        'token-id': 'abcdef',
        'token-secret': '0123456789abcdef',
        description: 'for n1',
        expiration: '2030-01-01T01:00:00Z',
        'usage-bootstrap-authentication': 'true',
        'usage-bootstrap-signing': 'true',
        'auth-extra-groups': 'system:bootstrappers:k3ts:default-node-token',
      },
    });
    expect(bootstrapTokenFromSecret(stored(secret))).toEqual(token);
    expect(bootstrapTokenFromSecret({ ...stored(secret), type: 'Opaque' })).toBeUndefined();
    expect(bootstrapTokenFromSecret({ ...stored(secret), metadata: { name: 'bootstrap-token-zzzzzz' } })).toBeUndefined();
    expect(() => bootstrapTokenSecret({ ...token, extraGroups: ['system:masters'] })).toThrow(/system:bootstrappers/);
  });

  it('honours expiration (none = never; unparseable = expired)', () => {
    expect(isExpired(token, T0)).toBe(false);
    expect(isExpired(token, new Date(T0.getTime() + 3600_000))).toBe(true);
    expect(isExpired({}, new Date(8e15))).toBe(false);
    const s = stored(bootstrapTokenSecret(token));
    (s.data as Record<string, string>).expiration = Buffer.from('tomorrow').toString('base64');
    expect(isExpired(bootstrapTokenFromSecret(s)!, T0)).toBe(true);
  });

  it('reads Go-style durations for --ttl', () => {
    expect(parseDuration('24h')).toBe(86400);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('0')).toBe(0);
    for (const bad of ['', '10', '1d', 'h', '5m x']) {
      let err: unknown;
      try {
        parseDuration(bad);
      } catch (e) {
        err = e;
      }
      expect([bad, isTokenError(err, 'invalid-option')]).toEqual([bad, true]);
    }
  });
});

describe('bootstrap token authenticator', () => {
  const request = (t?: string) => ({ headers: t ? { authorization: `Bearer ${t}` } : {} }) as IncomingMessage;
  const setup = (now = T0) => {
    const objects = new Map([['kube-system/bootstrap-token-abcdef', stored(bootstrapTokenSecret(token))]]);
    return { objects, authn: createBootstrapTokenAuthenticator({ reader: reader(objects), now: () => now }) };
  };

  it('authenticates system:bootstrap:<id> in system:bootstrappers plus the extra groups', async () => {
    const { authn } = setup();
    expect(await authn(request('abcdef.0123456789abcdef'))).toEqual({
      username: 'system:bootstrap:abcdef',
      groups: ['system:bootstrappers', 'system:bootstrappers:k3ts:default-node-token', 'system:authenticated'],
    });
  });

  it('is not applicable to other credentials', async () => {
    const { authn } = setup();
    expect(await authn(request())).toBeUndefined();
    expect(await authn(request('eyJ.eyJ.sig'))).toBeUndefined();
    expect(await authn(request('abcdef.0123456789abcdeF'))).toBeUndefined();
  });

  it('answers 401 for a wrong secret, an unknown id, an expired token, a token without the authentication usage, or one being deleted', async () => {
    expect(await status(setup().authn(request('abcdef.0123456789abcdee')))).toBe(401);
    expect(await status(setup().authn(request('zzzzzz.0123456789abcdef')))).toBe(401);
    expect(await status(setup(new Date(T0.getTime() + 3600_000)).authn(request('abcdef.0123456789abcdef')))).toBe(401);
    const signingOnly = setup();
    signingOnly.objects.set('kube-system/bootstrap-token-abcdef', stored(bootstrapTokenSecret({ ...token, usages: ['signing'] })));
    expect(await status(signingOnly.authn(request('abcdef.0123456789abcdef')))).toBe(401);
    const deleting = setup();
    const s = stored(bootstrapTokenSecret(token));
    deleting.objects.set('kube-system/bootstrap-token-abcdef', { ...s, metadata: { ...s.metadata, deletionTimestamp: '2029-01-01T00:00:00Z' } });
    expect(await status(deleting.authn(request('abcdef.0123456789abcdef')))).toBe(401);
  });
});
