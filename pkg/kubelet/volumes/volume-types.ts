// Typed views of the volume sources the kubelet mounts (the pod's spec.volumes as the API server
// validated them). Only the fields the kubelet reads are named.

export interface KeyToPath {
  readonly key: string;
  readonly path: string;
  readonly mode?: number;
}

export interface DownwardApiFile {
  readonly path: string;
  readonly fieldRef?: { readonly fieldPath?: string; readonly apiVersion?: string };
  readonly resourceFieldRef?: { readonly containerName?: string; readonly resource?: string; readonly divisor?: string | number };
  readonly mode?: number;
}

export interface ServiceAccountTokenProjection {
  readonly audience?: string;
  readonly expirationSeconds?: number;
  readonly path: string;
}

export interface VolumeProjection {
  readonly secret?: { readonly name?: string; readonly items?: readonly KeyToPath[]; readonly optional?: boolean };
  readonly configMap?: { readonly name?: string; readonly items?: readonly KeyToPath[]; readonly optional?: boolean };
  readonly downwardAPI?: { readonly items?: readonly DownwardApiFile[] };
  readonly serviceAccountToken?: ServiceAccountTokenProjection;
}

export interface VolumeSpec {
  readonly name: string;
  readonly emptyDir?: { readonly medium?: string; readonly sizeLimit?: string | number };
  readonly hostPath?: { readonly path: string; readonly type?: string };
  readonly configMap?: { readonly name?: string; readonly items?: readonly KeyToPath[]; readonly optional?: boolean; readonly defaultMode?: number };
  readonly secret?: { readonly secretName?: string; readonly items?: readonly KeyToPath[]; readonly optional?: boolean; readonly defaultMode?: number };
  readonly downwardAPI?: { readonly items?: readonly DownwardApiFile[]; readonly defaultMode?: number };
  readonly projected?: { readonly sources?: readonly VolumeProjection[]; readonly defaultMode?: number };
  readonly persistentVolumeClaim?: { readonly claimName: string; readonly readOnly?: boolean };
}

/** What a volume needs to read from the API, beyond the ConfigMaps and Secrets of the pod's namespace. */
export interface TokenRequestSpec {
  readonly namespace: string;
  readonly serviceAccountName: string;
  /** Empty: the API server's own audiences. */
  readonly audience?: string;
  readonly expirationSeconds: number;
  readonly pod: { readonly name: string; readonly uid: string };
}

export interface ClaimInfo {
  /** spec.volumeName of the claim once bound. */
  readonly volumeName?: string;
  readonly phase?: string;
}

export interface PersistentVolumeInfo {
  /** spec.hostPath.path or spec.local.path. */
  readonly path?: string;
  readonly hostPathType?: string;
}
