import { describe, expect, it } from 'vitest';
import { credentialsFor, dockerConfigEntries, imageRegistry, podPullCredentials, pullWithCredentials, type RegistryAuth } from './pull-credentials';

const cfg = (auths: Record<string, unknown>) => ({ '.dockerconfigjson': JSON.stringify({ auths }) });
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('image pull credentials', () => {
  it('splits image references as Docker does', () => {
    expect(imageRegistry('busybox')).toEqual({ host: 'docker.io', repository: 'library/busybox' });
    expect(imageRegistry('rancher/k3s:v1')).toEqual({ host: 'docker.io', repository: 'rancher/k3s' });
    expect(imageRegistry('index.docker.io/library/nginx@sha256:abc')).toEqual({ host: 'docker.io', repository: 'library/nginx' });
    expect(imageRegistry('reg.example.com:5000/team/app:1.2')).toEqual({ host: 'reg.example.com:5000', repository: 'team/app' });
    expect(imageRegistry('localhost/app')).toEqual({ host: 'localhost', repository: 'app' });
  });

  it('matches keys by host (globs, port), path prefix and docker.io aliases, most specific first', () => {
    const entries = [
      ...dockerConfigEntries(cfg({ 'https://index.docker.io/v1/': { auth: b64('hub:pw') } })),
      ...dockerConfigEntries(cfg({ 'reg.example.com:5000': { username: 'u1', password: 'p1' }, 'reg.example.com:5000/team': { username: 'u2', password: 'p2' }, '*.corp.io': { username: 'g', password: 'gp' } })),
      ...dockerConfigEntries({ '.dockercfg': JSON.stringify({ 'legacy.io': { auth: b64('l:lp') } }) }),
    ];
    expect(credentialsFor('busybox', entries)).toEqual([{ username: 'hub', password: 'pw', auth: b64('hub:pw') }]);
    expect(credentialsFor('reg.example.com:5000/team/app', entries).map((a) => a.username)).toEqual(['u2', 'u1']);
    expect(credentialsFor('reg.example.com:5000/other/app', entries).map((a) => a.username)).toEqual(['u1']);
    expect(credentialsFor('reg.example.com/team/app', entries)).toEqual([]);
    expect(credentialsFor('a.corp.io/x', entries).map((a) => a.username)).toEqual(['g']);
    expect(credentialsFor('a.b.corp.io/x', entries)).toEqual([]);
    expect(credentialsFor('legacy.io/x', entries).map((a) => a.password)).toEqual(['lp']);
    expect(dockerConfigEntries({ '.dockerconfigjson': '{not json' })).toEqual([]);
  });

  it("reads a pod's imagePullSecrets and tries each credential until a pull works", async () => {
    const secrets: Record<string, Record<string, string>> = { 'ns/a': cfg({ 'reg.io': { username: 'bad', password: 'x' } }), 'ns/b': cfg({ 'reg.io/app': { username: 'good', password: 'y' } }) };
    const creds = podPullCredentials(async (ns, n) => secrets[`${ns}/${n}`]);
    const pod = { metadata: { namespace: 'ns' }, spec: { imagePullSecrets: [{ name: 'a' }, { name: 'missing' }, { name: 'b' }] } };
    const auths = await creds(pod, 'reg.io/app:1');
    expect(auths.map((a) => a.username)).toEqual(['good', 'bad']);
    const tried: (RegistryAuth | undefined)[] = [];
    const images = {
      pullImage: async (_i: string, a?: RegistryAuth) => {
        tried.push(a);
        if (a?.username !== 'bad') throw new Error(`denied for ${a?.username}`);
        return 'sha256:1';
      },
    };
    expect(await pullWithCredentials(images, 'reg.io/app:1', auths)).toBe('sha256:1');
    expect(tried.map((a) => a?.username)).toEqual(['good', 'bad']);
    await expect(pullWithCredentials(images, 'x', [])).rejects.toThrow('denied for undefined');
    expect(await creds({ metadata: { namespace: 'ns' }, spec: {} }, 'reg.io/app')).toEqual([]);
  });
});
