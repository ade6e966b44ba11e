// Every key, token, kubeconfig and encryption config a k3ts server writes is mode 0600 (certificates
// may be 0644, as in K3s), and the directories holding them are private. Walks the whole data dir
// after a start with every such file present (--secrets-encryption, --agent-token).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/cluster';

interface Entry {
  readonly rel: string;
  readonly mode: number;
  readonly dir: boolean;
}

function walk(root: string, rel = ''): Entry[] {
  const out: Entry[] = [];
  for (const name of fs.readdirSync(path.join(root, rel))) {
    const r = path.join(rel, name);
    const st = fs.statSync(path.join(root, r)); // follows node-token → token
    out.push({ rel: r, mode: st.mode & 0o777, dir: st.isDirectory() });
    if (st.isDirectory()) out.push(...walk(root, r));
  }
  return out;
}

/** Files whose content is a credential: must be 0600 wherever they are. */
const SECRET_FILE = /(\.key|(^|\/)token|-token|\.kubeconfig|kubeconfig\.yaml|encryption-config\.json|password)$/;
const oct = (m: number) => `0${m.toString(8)}`;

describe('file modes of a k3ts server', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ extraArgs: ['--secrets-encryption', '--agent-token', 'agentpw'] });
  }, 120_000);
  afterAll(async () => s?.stop());

  it('writes every key, token, kubeconfig and encryption config 0600 and keeps their directories 0700', () => {
    const entries = walk(s.dataDir).filter((e) => !e.rel.startsWith(`data${path.sep}`) && e.rel !== 'data');
    const files = entries.filter((e) => !e.dir);
    const bad: string[] = [];
    for (const f of files) {
      if (SECRET_FILE.test(f.rel)) {
        if (f.mode !== 0o600) bad.push(`${f.rel} is ${oct(f.mode)}, expected 0600`);
      } else if (f.rel.endsWith('.crt')) {
        if ((f.mode & 0o133) !== 0) bad.push(`${f.rel} is ${oct(f.mode)}, expected at most 0644`);
      } else if (f.rel.startsWith(path.join('server', 'db'))) {
        // The datastore: protected by its 0700 directory (checked below).
      } else if ((f.mode & 0o077) !== 0) {
        bad.push(`${f.rel} is ${oct(f.mode)}: unclassified files under the data dir must be private (0600)`);
      }
    }
    for (const d of ['server', path.join('server', 'tls'), path.join('server', 'cred'), path.join('server', 'db')]) {
      const e = entries.find((x) => x.rel === d);
      if (!e) bad.push(`${d} is missing`);
      else if (e.mode !== 0o700) bad.push(`${d}/ is ${oct(e.mode)}, expected 0700`);
    }
    expect(bad).toEqual([]);
    // Everything the issue names is there (so the walk above really looked at it).
    const names = files.map((f) => f.rel);
    for (const want of ['server/token', 'server/node-token', 'server/agent-token', 'server/cred/admin.kubeconfig', 'server/cred/encryption-config.json', 'server/tls/service.key', 'server/tls/client-ca.key', 'server/tls/serving-kube-apiserver.key']) {
      expect(names).toContain(want.split('/').join(path.sep));
    }
  });

  it('writes the admin kubeconfig 0600', () => {
    expect(fs.statSync(s.kubeconfig).mode & 0o777).toBe(0o600);
  });
});
