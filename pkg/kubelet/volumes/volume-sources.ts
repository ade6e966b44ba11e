// What volumes read from the API: the ConfigMaps and Secrets every kubelet reads for env, plus
// service account tokens (TokenRequest) and persistent volume claims and volumes. The extra readers
// are optional so that a kubelet without them reports a clear error for those volume types only.
import type { ReferenceReader } from '../container-env';
import type { ClaimInfo, PersistentVolumeInfo, TokenRequestSpec } from './volume-types';

export interface VolumeSources extends ReferenceReader {
  /** A Secret's values as bytes (binary-safe); without it `secret` (UTF-8 text) is used. */
  secretData?(namespace: string, name: string): Promise<Readonly<Record<string, Buffer>> | undefined>;
  /** A ConfigMap's data and binaryData as bytes; without it `configMap` (data only) is used. */
  configMapData?(namespace: string, name: string): Promise<Readonly<Record<string, Buffer>> | undefined>;
  serviceAccountToken?(spec: TokenRequestSpec): Promise<string>;
  persistentVolumeClaim?(namespace: string, name: string): Promise<ClaimInfo | undefined>;
  persistentVolume?(name: string): Promise<PersistentVolumeInfo | undefined>;
}
