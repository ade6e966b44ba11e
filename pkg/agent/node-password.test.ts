import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_NODE_ID_FILE, DEFAULT_NODE_PASSWORD_FILE, ensureNodeId, ensureNodePassword, nodeIdFile, nodePasswordFile } from './node-password';

describe('node password file', () => {
  it('is /etc/rancher/node/password for the default data dir and under the data dir otherwise', () => {
    expect(nodePasswordFile('/var/lib/rancher/k3ts')).toBe(DEFAULT_NODE_PASSWORD_FILE);
    expect(nodePasswordFile('/tmp/x/data')).toBe('/tmp/x/data/agent/node-password');
  });

  it('is made once (32 hex characters, 0600) and then kept', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-nodepw-'));
    try {
      const file = nodePasswordFile(dir);
      const first = ensureNodePassword(file);
      expect(first).toMatch(/^[0-9a-f]{32}$/);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(ensureNodePassword(file)).toBe(first);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--with-node-id: an 8-hex id made once beside the password', () => {
    expect(nodeIdFile('/var/lib/rancher/k3ts')).toBe(DEFAULT_NODE_ID_FILE);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-nodeid-'));
    try {
      const file = nodeIdFile(dir);
      expect(file).toBe(path.join(dir, 'agent', 'node-id'));
      const id = ensureNodeId(file);
      expect(id).toMatch(/^[0-9a-f]{8}$/);
      expect(ensureNodeId(file)).toBe(id);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
