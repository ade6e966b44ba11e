import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { caHash, parseToken } from '../../certs';
import { isTokenError } from './errors';
import { ensureJoinTokens, type JoinTokenConfig } from './join-token';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const OTHER_CA = '-----BEGIN CERTIFICATE-----\nMIIBother\n-----END CERTIFICATE-----\n';
const dirs: string[] = [];

function files(extra: Partial<JoinTokenConfig> = {}): JoinTokenConfig {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-join-'));
  dirs.push(dir);
  return { tokenFile: path.join(dir, 'token'), nodeTokenFile: path.join(dir, 'node-token'), agentTokenFile: path.join(dir, 'agent-token'), ...extra };
}

const mode = (f: string) => fs.statSync(f).mode & 0o777;

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('server join tokens', () => {
  it('creates server/token (0600, K10 form, random password) and node-token as a link to it, then reuses it', async () => {
    const cfg = files();
    const first = await ensureJoinTokens(cfg, CA);
    expect(first.created).toBe(true);
    expect(first.server).toMatch(new RegExp(`^K10${caHash(CA)}::server:[0-9a-f]{32}$`));
    expect(fs.readFileSync(cfg.tokenFile, 'utf8')).toBe(`${first.server}\n`);
    expect(mode(cfg.tokenFile)).toBe(0o600);
    expect(fs.lstatSync(cfg.nodeTokenFile).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(cfg.nodeTokenFile, 'utf8')).toBe(`${first.server}\n`);
    expect(fs.existsSync(cfg.agentTokenFile)).toBe(false);
    const again = await ensureJoinTokens(cfg, CA);
    expect(again).toEqual({ server: first.server, created: false });
  });

  it('takes --token (bare, user:password or K10 pinning this CA) and --agent-token', async () => {
    const cfg = files({ token: 'sekrit', agentToken: 'agentpw' });
    const t = await ensureJoinTokens(cfg, CA);
    expect(t.server).toBe(`K10${caHash(CA)}::server:sekrit`);
    expect(t.agent).toBe(`K10${caHash(CA)}::node:agentpw`);
    expect(mode(cfg.agentTokenFile)).toBe(0o600);
    expect(parseToken(fs.readFileSync(cfg.agentTokenFile, 'utf8'))).toEqual({ caHash: caHash(CA), user: 'node', password: 'agentpw' });
    // The full token of this server is accepted on a restart.
    expect((await ensureJoinTokens({ ...cfg, token: t.server }, CA)).server).toBe(t.server);
  });

  it('reads --token-file', async () => {
    const cfg = files();
    const f = path.join(path.dirname(cfg.tokenFile), 'given');
    fs.writeFileSync(f, 'fromfile\n');
    expect((await ensureJoinTokens({ ...cfg, tokenFromFile: f }, CA)).server).toBe(`K10${caHash(CA)}::server:fromfile`);
  });

  it('refuses a token for another CA and a token that differs from the stored one', async () => {
    const cfg = files();
    const other = `K10${caHash(OTHER_CA)}::server:pw`;
    await expect(ensureJoinTokens({ ...cfg, token: other }, CA)).rejects.toThrow(/CA hash does not match/);
    await ensureJoinTokens({ ...cfg, token: 'first' }, CA);
    const err = await ensureJoinTokens({ ...cfg, token: 'second' }, CA).catch((e: unknown) => e);
    expect(isTokenError(err, 'invalid-option')).toBe(true);
    expect(String(err)).toMatch(/does not match the token this server was started with/);
  });
});
