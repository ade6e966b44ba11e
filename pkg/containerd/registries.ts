// registries.yaml in K3s' format (`mirrors` with endpoints and rewrites, `configs` with auth and
// TLS per registry host) rendered into containerd's per-registry `hosts.toml` files under the
// directory named by `config_path`: `<dir>/<registry>/hosts.toml`, `_default` for the `*` mirror.
// Each mirror endpoint becomes a `[host."<url>"]` tried in order before the registry itself
// (`server`). TLS settings and credentials come from `configs` of the endpoint's host; credentials
// are sent as an Authorization header (basic auth registries), as containerd's hosts.toml has no
// credentials field.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ContainerdError } from './errors';

export interface RegistryAuthConfig {
  readonly username?: string;
  readonly password?: string;
  readonly auth?: string;
  readonly identity_token?: string;
}

export interface RegistryTlsConfig {
  readonly cert_file?: string;
  readonly key_file?: string;
  readonly ca_file?: string;
  readonly insecure_skip_verify?: boolean;
}

export interface RegistriesConfig {
  readonly mirrors: Readonly<Record<string, { readonly endpoint: readonly string[]; readonly rewrite: Readonly<Record<string, string>> }>>;
  readonly configs: Readonly<Record<string, { readonly auth?: RegistryAuthConfig; readonly tls?: RegistryTlsConfig }>>;
}

function bad(file: string, what: string): ContainerdError {
  return new ContainerdError('invalid-registries', `${file}: ${what}`);
}

function record(v: unknown, file: string, where: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(file, `${where} must be a mapping`);
  return v as Record<string, unknown>;
}

function str(v: unknown, file: string, where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(file, `${where} must be a string`);
  return v;
}

/** Parses registries.yaml text; `file` only names it in errors. */
export function parseRegistries(text: string, file = 'registries.yaml'): RegistriesConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw bad(file, `not valid YAML: ${(e as Error).message}`);
  }
  const top = record(doc, file, 'the document');
  for (const k of Object.keys(top)) if (k !== 'mirrors' && k !== 'configs') throw bad(file, `unknown key "${k}" (expected mirrors and configs)`);
  const mirrors: Record<string, { endpoint: string[]; rewrite: Record<string, string> }> = {};
  for (const [reg, raw] of Object.entries(record(top.mirrors, file, 'mirrors'))) {
    const m = record(raw, file, `mirrors."${reg}"`);
    const ep = m.endpoint ?? [];
    if (!Array.isArray(ep) || ep.some((e) => typeof e !== 'string' || !e)) throw bad(file, `mirrors."${reg}".endpoint must be a list of URLs`);
    const rewrite: Record<string, string> = {};
    for (const [re, to] of Object.entries(record(m.rewrite, file, `mirrors."${reg}".rewrite`))) {
      try {
        new RegExp(re);
      } catch {
        throw bad(file, `mirrors."${reg}".rewrite: "${re}" is not a valid regular expression`);
      }
      rewrite[re] = str(to, file, `mirrors."${reg}".rewrite."${re}"`) ?? '';
    }
    mirrors[reg] = { endpoint: ep as string[], rewrite };
  }
  const configs: Record<string, { auth?: RegistryAuthConfig; tls?: RegistryTlsConfig }> = {};
  for (const [host, raw] of Object.entries(record(top.configs, file, 'configs'))) {
    const c = record(raw, file, `configs."${host}"`);
    const a = c.auth === undefined ? undefined : record(c.auth, file, `configs."${host}".auth`);
    const t = c.tls === undefined ? undefined : record(c.tls, file, `configs."${host}".tls`);
    const w = `configs."${host}"`;
    if (t && t.insecure_skip_verify !== undefined && typeof t.insecure_skip_verify !== 'boolean') throw bad(file, `${w}.tls.insecure_skip_verify must be true or false`);
    configs[host] = {
      ...(a ? { auth: { username: str(a.username, file, `${w}.auth.username`), password: str(a.password, file, `${w}.auth.password`), auth: str(a.auth, file, `${w}.auth.auth`), identity_token: str(a.identity_token, file, `${w}.auth.identity_token`) } } : {}),
      ...(t ? { tls: { cert_file: str(t.cert_file, file, `${w}.tls.cert_file`), key_file: str(t.key_file, file, `${w}.tls.key_file`), ca_file: str(t.ca_file, file, `${w}.tls.ca_file`), insecure_skip_verify: t.insecure_skip_verify as boolean | undefined } } : {}),
    };
  }
  return { mirrors, configs };
}

/** The URL containerd is given for an endpoint (https:// when no scheme is written). */
function endpointUrl(ep: string): URL {
  return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(ep) ? ep : `https://${ep}`);
}

function upstreamServer(registry: string): string | undefined {
  if (registry === '*') return undefined;
  return registry === 'docker.io' ? 'https://registry-1.docker.io' : `https://${registry}`;
}

const q = (s: string) => JSON.stringify(s);

function hostBlock(url: string, cfg: RegistriesConfig['configs'][string] | undefined, extra: { overridePath?: boolean; rewrite?: Readonly<Record<string, string>> }): string {
  const lines = [`[host.${q(url)}]`, `  capabilities = ["pull", "resolve"]`];
  if (extra.overridePath) lines.push('  override_path = true');
  const tls = cfg?.tls;
  if (tls?.ca_file) lines.push(`  ca = [${q(tls.ca_file)}]`);
  if (tls?.cert_file && tls.key_file) lines.push(`  client = [[${q(tls.cert_file)}, ${q(tls.key_file)}]]`);
  if (tls?.insecure_skip_verify) lines.push('  skip_verify = true');
  const a = cfg?.auth;
  const basic = a?.auth ?? (a?.username !== undefined ? Buffer.from(`${a.username}:${a.password ?? ''}`).toString('base64') : undefined);
  const header = basic ? `Basic ${basic}` : a?.identity_token ? `Bearer ${a.identity_token}` : undefined;
  if (header) lines.push('', `[host.${q(url)}.header]`, `  Authorization = [${q(header)}]`);
  if (extra.rewrite && Object.keys(extra.rewrite).length > 0) {
    lines.push('', `[host.${q(url)}.rewrite]`);
    for (const [re, to] of Object.entries(extra.rewrite)) lines.push(`  ${q(re)} = ${q(to)}`);
  }
  return lines.join('\n');
}

/** The directory name of a registry under config_path. */
export function hostsDirName(registry: string): string {
  return registry === '*' ? '_default' : registry;
}

/**
 * The node's embedded registry mirror (pkg/mirror), tried first for every registry listed under
 * `mirrors:` when --embedded-registry is on: its URL, the CA that signed its serving certificate and
 * the client certificate containerd presents to it.
 */
export interface LocalMirrorHost {
  readonly url: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

function localMirrorBlock(m: LocalMirrorHost): string {
  const url = `${m.url.replace(/\/+$/, '')}/v2`;
  return [`[host.${q(url)}]`, `  capabilities = ["pull", "resolve"]`, `  ca = [${q(m.caFile)}]`, `  client = [[${q(m.certFile)}, ${q(m.keyFile)}]]`].join('\n');
}

/** registry → hosts.toml text, for every mirror and every config without a mirror. */
export function renderHostsFiles(reg: RegistriesConfig, localMirror?: LocalMirrorHost): Map<string, string> {
  const out = new Map<string, string>();
  const header = '# Written by k3ts from registries.yaml at every agent start; edits are overwritten.\n';
  for (const [registry, m] of Object.entries(reg.mirrors)) {
    const blocks: string[] = localMirror ? [localMirrorBlock(localMirror)] : [];
    for (const ep of m.endpoint) {
      const u = endpointUrl(ep);
      const p = u.pathname.replace(/\/+$/, '');
      const base = `${u.protocol}//${u.host}`;
      const url = p && p !== '/v2' ? `${base}${p}` : `${base}/v2`;
      blocks.push(hostBlock(url, reg.configs[u.host], { overridePath: !!p && p !== '/v2', rewrite: m.rewrite }));
    }
    const server = upstreamServer(registry);
    const own = reg.configs[registry];
    const serverTls = own?.tls;
    const serverLines = server ? [`server = ${q(server)}`, ...(serverTls?.ca_file ? [`ca = [${q(serverTls.ca_file)}]`] : []), ...(serverTls?.insecure_skip_verify ? ['skip_verify = true'] : [])] : [];
    out.set(hostsDirName(registry), `${header}${serverLines.length ? serverLines.join('\n') + '\n' : ''}\n${blocks.join('\n\n')}\n`);
  }
  for (const [host, c] of Object.entries(reg.configs)) {
    if (reg.mirrors[host] || host === '*') continue;
    const server = upstreamServer(host)!;
    out.set(hostsDirName(host), `${header}server = ${q(server)}\n\n${hostBlock(`${server}/v2`, c, {})}\n`);
  }
  return out;
}

/**
 * Reads registries.yaml (absent: no mirrors) and makes `dir` hold exactly its hosts.toml files.
 * Returns the registries written.
 */
export function writeRegistryHosts(file: string, dir: string, localMirror?: LocalMirrorHost): string[] {
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new ContainerdError('invalid-registries', `${file}: cannot be read: ${(e as Error).message}`);
  }
  const files = text === undefined ? new Map<string, string>() : renderHostsFiles(parseRegistries(text, file), localMirror);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const name of fs.readdirSync(dir)) if (!files.has(name)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  for (const [name, body] of files) {
    const sub = path.join(dir, name);
    fs.mkdirSync(sub, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(sub, 'hosts.toml'), body, { mode: 0o600 });
  }
  return [...files.keys()];
}
