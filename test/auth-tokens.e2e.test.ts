// Authentication tokens through the built dist/k3ts and the real kubectl: `kubectl create token`,
// tampered and expired service-account tokens, `k3ts token create|list|delete|generate`, and the
// server's join-token files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundTokenClaims, signJwt, signingKey } from '../pkg/auth/tokens';
import { caHash } from '../pkg/certs';
import { PATH_WITH_HOST_TOOLS, runK3ts } from './helpers/binary';
import { bearerGet } from './helpers/bearer';
import { eventually, startTestServer, type TestServer } from './helpers/cluster';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';

describe('authentication tokens against k3ts', () => {
  let s: TestServer;
  let ca: string;
  const ok = async (args: string[]) => {
    const r = await s.kubectl(args);
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
  const k3ts = (args: string[]) => runK3ts(args, { cwd: s.dir, env: { PATH: PATH_WITH_HOST_TOOLS, HOME: s.dir } });
  /** A kubeconfig that carries only the token (the admin one also has a client certificate, which wins). */
  const tokenKubeconfig = (token: string) => {
    const file = path.join(s.dir, `token-${Math.random().toString(36).slice(2)}.yaml`);
    const caFile = path.join(s.dataDir, 'server', 'tls', 'server-ca.crt');
    fs.writeFileSync(
      file,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${s.port}", certificate-authority: ${caFile}}}]\nusers: [{name: u, user: {token: "${token}"}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n`,
      { mode: 0o600 },
    );
    return file;
  };

  beforeAll(async () => {
    s = await startTestServer({ extraArgs: ['--agent-token', 'agent-secret-1'] });
    ca = fs.readFileSync(path.join(s.dataDir, 'server', 'tls', 'server-ca.crt'), 'utf8');
    const sa = await s.kubectl(['create', 'serviceaccount', 'default', '-n', 'default']);
    if (sa.exitCode !== 0 && !/AlreadyExists|already exists/.test(sa.stderr)) throw new Error(sa.stderr);
  }, 120_000);
  afterAll(async () => s?.stop());

  it('kubectl create token gives a token that authenticates as the service account', async () => {
    const token = (await ok(['create', 'token', 'default', '-n', 'default'])).trim();
    expect(token.split('.')).toHaveLength(3);
    const api = await bearerGet(s.port, ca, token);
    expect(api.status).not.toBe(401);
    expect(api.status).toBe(200);
    const who = await s.kubectl(['--kubeconfig', tokenKubeconfig(token), 'auth', 'whoami', '-o', 'json']);
    if (who.exitCode === 0) {
      expect(JSON.parse(who.stdout).status.userInfo).toMatchObject({ username: 'system:serviceaccount:default:default', groups: expect.arrayContaining(['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']) });
    } else {
      // SelfSubjectReview may not be served by this build; the raw request above already proved authentication.
      expect(who.stderr).not.toMatch(/Unauthorized/);
    }
  });

  it('honours --duration and --audience', async () => {
    const token = (await ok(['create', 'token', 'default', '-n', 'default', '--duration=10m', '--audience', ISSUER, '--audience', 'extra'])).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims.aud).toEqual([ISSUER, 'extra']);
    expect(claims.exp - claims.iat).toBe(600);
    expect(claims.sub).toBe('system:serviceaccount:default:default');
    expect((await bearerGet(s.port, ca, token)).status).toBe(200);
    const short = await s.kubectl(['create', 'token', 'default', '-n', 'default', '--duration=5m']);
    expect(short.exitCode).not.toBe(0);
    expect(short.stderr).toContain('may not specify a duration less than 10 minutes');
  });

  it('refuses tampered and expired tokens with 401', async () => {
    const token = (await ok(['create', 'token', 'default', '-n', 'default'])).trim();
    const [h, p, sig] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url')}.${sig}`;
    expect((await bearerGet(s.port, ca, forged)).status).toBe(401);
    expect((await bearerGet(s.port, ca, `${h}.${p}.${sig.slice(0, -6)}AAAAAA`)).status).toBe(401);
    // Expired: signed with the server's own key, valid in every way but exp (two hours ago).
    const key = signingKey(createPrivateKey(fs.readFileSync(path.join(s.dataDir, 'server', 'tls', 'service.key'))));
    const uid = claims['kubernetes.io'].serviceaccount.uid;
    const sign = (now: Date, audiences = [ISSUER]) =>
      signJwt(boundTokenClaims({ issuer: ISSUER, audiences, namespace: 'default', serviceAccount: { name: 'default', uid }, now, expirationSeconds: 3600, id: 'e2e' }), key);
    expect((await bearerGet(s.port, ca, sign(new Date()))).status).toBe(200);
    expect((await bearerGet(s.port, ca, sign(new Date(Date.now() - 3 * 3600_000)))).status).toBe(401);
    expect((await bearerGet(s.port, ca, sign(new Date(), ['somebody-else']))).status).toBe(401);
    const r = await s.kubectl(['--kubeconfig', tokenKubeconfig(forged), 'get', '--raw', '/api']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/Unauthorized/);
  });

  it('stops accepting a token once its service account is deleted', async () => {
    await ok(['create', 'serviceaccount', 'shortlived', '-n', 'default']);
    const token = (await ok(['create', 'token', 'shortlived', '-n', 'default'])).trim();
    expect((await bearerGet(s.port, ca, token)).status).toBe(200);
    await ok(['delete', 'serviceaccount', 'shortlived', '-n', 'default']);
    await eventually(async () => (await bearerGet(s.port, ca, token)).status === 401, 'the token of a deleted service account to be refused', 10_000);
  });

  it('k3ts token create/list/delete round trip; the bootstrap token authenticates until deleted', async () => {
    const created = await k3ts(['token', 'create', '--data-dir', s.dataDir, '--description', 'e2e token', '--ttl', '2h']);
    expect(created.exitCode, created.stderr).toBe(0);
    const m = /^K10([0-9a-f]{64})::([a-z0-9]{6})\.([a-z0-9]{16})$/.exec(created.stdout.trim());
    expect(m, created.stdout).not.toBeNull();
    const [, hash, id, secret] = m!;
    expect(hash).toBe(caHash(ca));
    const list = await k3ts(['token', 'list', '--data-dir', s.dataDir]);
    expect(list.stdout.split('\n')[0]).toMatch(/^TOKEN\s+TTL\s+EXPIRES\s+USAGES\s+DESCRIPTION\s+EXTRA GROUPS$/);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\.${secret}\\s+(1h|119m|120m)\\s+\\S+Z\\s+authentication,signing\\s+e2e token\\s+system:bootstrappers:k3ts:default-node-token$`, 'm'));
    const secretJson = JSON.parse(await ok(['get', 'secret', `bootstrap-token-${id}`, '-n', 'kube-system', '-o', 'json']));
    expect(secretJson.type).toBe('bootstrap.kubernetes.io/token');
    expect(Buffer.from(secretJson.data['token-id'], 'base64').toString()).toBe(id);
    const bearer = `${id}.${secret}`;
    expect((await bearerGet(s.port, ca, bearer)).status).toBe(200);
    const who = await s.kubectl(['--kubeconfig', tokenKubeconfig(bearer), 'auth', 'whoami', '-o', 'json']);
    if (who.exitCode === 0) expect(JSON.parse(who.stdout).status.userInfo).toMatchObject({ username: `system:bootstrap:${id}`, groups: expect.arrayContaining(['system:bootstrappers', 'system:bootstrappers:k3ts:default-node-token']) });
    expect((await bearerGet(s.port, ca, `${id}.${'x'.repeat(16)}`)).status).toBe(401);
    const del = await k3ts(['token', 'delete', '--data-dir', s.dataDir, id]);
    expect(del.exitCode, del.stderr).toBe(0);
    expect(del.stdout).toContain(`bootstrap token "${id}" deleted`);
    expect((await k3ts(['token', 'list', '--data-dir', s.dataDir])).stdout).not.toContain(id);
    await eventually(async () => (await bearerGet(s.port, ca, bearer)).status === 401, 'the deleted bootstrap token to be refused', 10_000);
    const again = await k3ts(['token', 'delete', '--data-dir', s.dataDir, id]);
    expect(again.exitCode).not.toBe(0);
    expect(again.stderr).toContain('not found');
  });

  it('k3ts token create takes a given token and an expired one stops working; generate prints a fresh one', async () => {
    const given = await k3ts(['token', 'create', 'e2eabc.0123456789abcdef', '--kubeconfig', path.join(s.dataDir, 'server', 'cred', 'admin.kubeconfig'), '--ttl', '0']);
    expect(given.exitCode, given.stderr).toBe(0);
    expect(given.stdout.trim().endsWith('::e2eabc.0123456789abcdef')).toBe(true);
    expect((await k3ts(['token', 'list', '-d', s.dataDir])).stdout).toMatch(/^e2eabc\.0123456789abcdef\s+<forever>\s+<never>/m);
    expect((await bearerGet(s.port, ca, 'e2eabc.0123456789abcdef')).status).toBe(200);
    // An expired bootstrap secret (written directly) is refused.
    const expired = `apiVersion: v1\nkind: Secret\nmetadata: {name: bootstrap-token-old123, namespace: kube-system}\ntype: bootstrap.kubernetes.io/token\nstringData: {token-id: old123, token-secret: 0123456789abcdef, expiration: "2020-01-01T00:00:00Z", usage-bootstrap-authentication: "true"}\n`;
    const r = await s.kubectl(['apply', '-f', '-'], { input: expired });
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await bearerGet(s.port, ca, 'old123.0123456789abcdef')).status).toBe(401);
    expect((await k3ts(['token', 'list', '-d', s.dataDir])).stdout).toMatch(/^old123\.0123456789abcdef\s+<invalid>\s+2020-01-01T00:00:00Z/m);
    const gen = await k3ts(['token', 'generate']);
    expect(gen.stdout.trim()).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  });

  it('writes the join tokens in the K10 format', () => {
    const server = path.join(s.dataDir, 'server');
    const token = fs.readFileSync(path.join(server, 'token'), 'utf8').trim();
    expect(token).toMatch(new RegExp(`^K10${caHash(ca)}::server:[0-9a-f]{32}$`));
    expect(fs.readFileSync(path.join(server, 'node-token'), 'utf8').trim()).toBe(token);
    expect(fs.readFileSync(path.join(server, 'agent-token'), 'utf8').trim()).toBe(`K10${caHash(ca)}::node:agent-secret-1`);
  });

  it('keeps the join token across a restart', async () => {
    const file = path.join(s.dataDir, 'server', 'token');
    const before = fs.readFileSync(file, 'utf8');
    await s.restart();
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });
});
