import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isCertError } from './errors';
import { parseFileMode, writeKubeconfig } from './kubeconfig';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'k3ts-kubeconfig-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const opts = { server: 'https://127.0.0.1:6443', caPem: 'CA PEM\n', clientCertPem: 'CERT PEM\n', clientKeyPem: 'KEY PEM\n' };
const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('writeKubeconfig', () => {
  it('writes a K3s-shaped kubeconfig with embedded credentials, mode 0600, creating parents', async () => {
    const file = join(root, 'etc', 'rancher', 'k3ts', 'k3ts.yaml');
    await writeKubeconfig(file, opts);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const doc = parse(await readFile(file, 'utf8'));
    expect(doc).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'default', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': b64('CA PEM\n') } }],
      users: [{ name: 'default', user: { 'client-certificate-data': b64('CERT PEM\n'), 'client-key-data': b64('KEY PEM\n') } }],
      contexts: [{ name: 'default', context: { cluster: 'default', user: 'default' } }],
      'current-context': 'default',
      preferences: {},
    });
    expect(await readdir(join(root, 'etc', 'rancher', 'k3ts'))).toEqual(['k3ts.yaml']); // no temp file left
  });

  it('replaces an existing file and honours the requested mode and user name', async () => {
    const file = join(root, 'kc.yaml');
    await writeKubeconfig(file, opts);
    await writeKubeconfig(file, { ...opts, server: 'https://10.0.0.1:6443', user: 'admin', mode: '644' });
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    const doc = parse(await readFile(file, 'utf8'));
    expect(doc.clusters[0].cluster.server).toBe('https://10.0.0.1:6443');
    expect(doc.users[0].name).toBe('admin');
    expect(doc.contexts[0].context.user).toBe('admin');
    await writeKubeconfig(file, { ...opts, mode: 0o640 });
    expect((await stat(file)).mode & 0o777).toBe(0o640);
  });

  it('rejects a bad mode or a non-https server', async () => {
    expect(parseFileMode('0600')).toBe(0o600);
    expect(parseFileMode(undefined)).toBe(0o600);
    expect(() => parseFileMode('rw-------')).toThrow(/octal/);
    expect(() => parseFileMode(0o1777)).toThrow();
    await expect(writeKubeconfig(join(root, 'x'), { ...opts, server: 'http://127.0.0.1:6443' })).rejects.toSatisfy((e) => isCertError(e, 'invalid-option'));
  });
});
