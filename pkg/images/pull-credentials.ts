// Registry credentials for an image pull, from the pod's imagePullSecrets (kubernetes.io/
// dockerconfigjson `.dockerconfigjson`, or legacy kubernetes.io/dockercfg `.dockercfg`), matched
// against the image's registry as upstream's credential keyring does: the key's host (each label
// may be a `*` glob, the port must match) and, when the key has a path, a path prefix of the
// repository. More specific keys come first; docker.io and its aliases are one registry.

/** CRI's AuthConfig (the fields k3ts fills). */
export interface RegistryAuth {
  readonly username?: string;
  readonly password?: string;
  readonly auth?: string;
}

export interface ImageRegistry {
  /** `docker.io` for images without a registry part. */
  readonly host: string;
  /** The repository path, e.g. `library/busybox`. */
  readonly repository: string;
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Splits an image reference into its registry host and repository (Docker's normalisation). */
export function imageRegistry(image: string): ImageRegistry {
  const noDigest = image.split('@')[0]!;
  const slash = noDigest.indexOf('/');
  const first = slash < 0 ? '' : noDigest.slice(0, slash);
  const isHost = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  let repo = isHost ? noDigest.slice(slash + 1) : noDigest;
  const colon = repo.lastIndexOf(':');
  if (colon > repo.lastIndexOf('/')) repo = repo.slice(0, colon);
  const host = isHost ? first : 'docker.io';
  if (DOCKER_HUB.has(host) && !repo.includes('/')) repo = `library/${repo}`;
  return { host: DOCKER_HUB.has(host) ? 'docker.io' : host, repository: repo };
}

interface Entry extends RegistryAuth {
  readonly host: string;
  readonly path: string;
}

function parseKey(key: string): { host: string; path: string } {
  let k = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  k = k.replace(/\/+$/, '');
  const slash = k.indexOf('/');
  let host = slash < 0 ? k : k.slice(0, slash);
  let p = slash < 0 ? '' : k.slice(slash + 1);
  if (DOCKER_HUB.has(host)) {
    host = 'docker.io';
    if (p === 'v1' || p === 'v2') p = '';
  }
  return { host: host.toLowerCase(), path: p };
}

function hostMatches(pattern: string, host: string): boolean {
  const [pHost, pPort = ''] = pattern.split(':');
  const [hHost, hPort = ''] = host.toLowerCase().split(':');
  if (pPort !== hPort) return false;
  const pl = pHost!.split('.');
  const hl = hHost!.split('.');
  if (pl.length !== hl.length) return false;
  return pl.every((label, i) => {
    if (!label.includes('*')) return label === hl[i];
    const re = new RegExp(`^${label.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^.]*')}$`);
    return re.test(hl[i]!);
  });
}

/** Entries of one secret's data (already base64-decoded values); unparsable content gives none. */
export function dockerConfigEntries(data: Readonly<Record<string, string>>): Entry[] {
  let auths: unknown;
  try {
    if (data['.dockerconfigjson'] !== undefined) auths = (JSON.parse(data['.dockerconfigjson']) as { auths?: unknown }).auths;
    else if (data['.dockercfg'] !== undefined) auths = JSON.parse(data['.dockercfg']);
  } catch {
    return [];
  }
  if (!auths || typeof auths !== 'object') return [];
  const out: Entry[] = [];
  for (const [key, raw] of Object.entries(auths as Record<string, unknown>)) {
    if (!raw || typeof raw !== 'object') continue;
    const v = raw as Record<string, unknown>;
    let username = typeof v.username === 'string' ? v.username : undefined;
    let password = typeof v.password === 'string' ? v.password : undefined;
    const auth = typeof v.auth === 'string' && v.auth ? v.auth : undefined;
    if (auth && username === undefined) {
      const decoded = Buffer.from(auth, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0) {
        username = decoded.slice(0, i);
        password = decoded.slice(i + 1);
      }
    }
    if (username === undefined && !auth) continue;
    out.push({ ...parseKey(key), username, password, ...(auth ? { auth } : {}) });
  }
  return out;
}

/** Credentials to try for `image`, most specific first (deduplicated). */
export function credentialsFor(image: string, entries: readonly Entry[]): RegistryAuth[] {
  const { host, repository } = imageRegistry(image);
  const matching = entries.filter((e) => hostMatches(e.host, host) && (!e.path || repository === e.path || repository.startsWith(`${e.path}/`)));
  matching.sort((a, b) => b.host.length + b.path.length - (a.host.length + a.path.length));
  const seen = new Set<string>();
  const out: RegistryAuth[] = [];
  for (const e of matching) {
    const k = `${e.username ?? ''}\0${e.password ?? ''}\0${e.auth ?? ''}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ ...(e.username !== undefined ? { username: e.username } : {}), ...(e.password !== undefined ? { password: e.password } : {}), ...(e.auth ? { auth: e.auth } : {}) });
  }
  return out;
}

/** Pulls `image` trying each credential in turn (anonymously when there are none); the last error wins. */
export async function pullWithCredentials(images: { pullImage(image: string, auth?: RegistryAuth): Promise<string> }, image: string, auths: readonly RegistryAuth[]): Promise<string> {
  if (auths.length === 0) return images.pullImage(image);
  let last: unknown;
  for (const a of auths) {
    try {
      return await images.pullImage(image, a);
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

/** Credentials for a pod's image from its imagePullSecrets, read through `secret` (decoded values). */
export function podPullCredentials(secret: (namespace: string, name: string) => Promise<Readonly<Record<string, string>> | undefined>): (pod: { readonly metadata: { readonly namespace?: string }; readonly spec: unknown }, image: string) => Promise<RegistryAuth[]> {
  return async (pod, image) => {
    const refs = (pod.spec as { imagePullSecrets?: readonly { name?: string }[] }).imagePullSecrets ?? [];
    const entries: Entry[] = [];
    for (const r of refs) {
      if (!r.name) continue;
      const data = await secret(String(pod.metadata.namespace), r.name).catch(() => undefined);
      if (data) entries.push(...dockerConfigEntries(data));
    }
    return credentialsFor(image, entries);
  };
}
