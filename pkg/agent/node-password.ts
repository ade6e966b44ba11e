// The node password a joining agent presents (K3s: /etc/rancher/node/password, 16 random bytes as
// hex, 0600, made once and kept across reinstalls of the agent). For a non-default --data-dir it
// lives in <data-dir>/agent/node-password instead, so tests and side-by-side agents never touch
// /etc or each other's identity. The --with-node-id suffix (K3s: /etc/rancher/node/id) likewise.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_DATA_DIR } from './agent-config';
import { AgentError } from './errors';

export const DEFAULT_NODE_PASSWORD_FILE = '/etc/rancher/node/password';
/** --with-node-id: the id appended to the node name, made once beside the password. */
export const DEFAULT_NODE_ID_FILE = '/etc/rancher/node/id';

export function nodePasswordFile(dataDir: string): string {
  return path.resolve(dataDir) === DEFAULT_DATA_DIR ? DEFAULT_NODE_PASSWORD_FILE : path.join(path.resolve(dataDir), 'agent', 'node-password');
}

export function nodeIdFile(dataDir: string): string {
  return path.resolve(dataDir) === DEFAULT_DATA_DIR ? DEFAULT_NODE_ID_FILE : path.join(path.resolve(dataDir), 'agent', 'node-id');
}

/** The --with-node-id suffix: 8 hex characters, made once (0600) and kept, so the name survives restarts. */
export function ensureNodeId(file: string): string {
  return ensureSecretFile(file, 4, 'node id');
}

/** Reads the node password, creating it (0600) on first use. */
export function ensureNodePassword(file: string): string {
  return ensureSecretFile(file, 16, 'node password');
}

function ensureSecretFile(file: string, bytes: number, what: string): string {
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing) return existing;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new AgentError('join', `cannot read the ${what} ${file}: ${(e as Error).message}`, { cause: e });
  }
  const value = randomBytes(bytes).toString('hex');
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, `${value}\n`, { mode: 0o600 });
    fs.chmodSync(file, 0o600);
  } catch (e) {
    throw new AgentError('join', `cannot write the ${what} ${file}: ${(e as Error).message}`, { cause: e });
  }
  return value;
}
