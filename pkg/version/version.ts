// Build facts, filled in by esbuild `define` at build time ("dev" when run from source).

declare const __K3TS_VERSION__: string | undefined;
declare const __K3TS_COMMIT__: string | undefined;
declare const __K3TS_BUILD_DATE__: string | undefined;

/** The Kubernetes release whose API k3ts serves. kubectl picks its behaviour from major/minor. */
export const KUBERNETES_VERSION = { major: '1', minor: '36', patch: '0' } as const;

export interface VersionInfo {
  /** e.g. v1.36.0+k3ts1 */
  readonly version: string;
  readonly commit: string;
  readonly buildDate: string;
  readonly nodeVersion: string;
  readonly platform: string;
  readonly arch: string;
}

export function versionInfo(): VersionInfo {
  const k = KUBERNETES_VERSION;
  return {
    version: typeof __K3TS_VERSION__ === 'string' ? __K3TS_VERSION__ : `v${k.major}.${k.minor}.${k.patch}+k3ts-dev`,
    commit: typeof __K3TS_COMMIT__ === 'string' ? __K3TS_COMMIT__ : 'unknown',
    buildDate: typeof __K3TS_BUILD_DATE__ === 'string' ? __K3TS_BUILD_DATE__ : '1970-01-01T00:00:00Z',
    nodeVersion: process.version,
    platform: process.platform,
    arch: process.arch,
  };
}

/** The text `k3ts --version` prints (K3s prints its version, commit and Go version the same way). */
export function formatVersion(v: VersionInfo): string {
  return `k3ts version ${v.version} (${v.commit.slice(0, 8)})\nnode version ${v.nodeVersion}\narch ${v.platform}/${v.arch}\n`;
}
