import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { isVolumeDirectoryUnder, parseLocalPathConfig, pathsForNode, volumeDirectory } from '../localpath/local-path-config';
import { defaultStorageClass, podUsesClaim } from './persistent-volume-controller';
import { findMatchingVolume, mismatch } from './volume-matching';

const pv = (name: string, size: string, extra: Record<string, unknown> = {}, labels: Record<string, string> = {}): KubeObject => ({
  metadata: { name, labels },
  spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', ...extra },
  status: { phase: 'Available' },
});
const pvc = (size: string, extra: Record<string, unknown> = {}): KubeObject => ({
  metadata: { name: 'data', namespace: 'ns', uid: 'u1' },
  spec: { resources: { requests: { storage: size } }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', ...extra },
});

describe('findMatchingVolume', () => {
  it('takes the smallest volume that is big enough', () => {
    const vols = [pv('big', '10Gi'), pv('small', '1Gi'), pv('mid', '3Gi')];
    expect(findMatchingVolume(pvc('2Gi'), vols)?.metadata.name).toBe('mid');
    expect(findMatchingVolume(pvc('20Gi'), vols)).toBeUndefined();
  });

  it('prefers a volume pre-bound to the claim, and skips volumes bound to others', () => {
    const pre = pv('pre', '10Gi', { claimRef: { namespace: 'ns', name: 'data' } });
    const other = pv('other', '2Gi', { claimRef: { namespace: 'ns', name: 'else' } });
    expect(findMatchingVolume(pvc('1Gi'), [pv('fit', '2Gi'), pre, other])?.metadata.name).toBe('pre');
    expect(mismatch(pvc('1Gi'), other)).toBe('bound to another claim');
  });

  it('checks class, volume mode, access modes, selector and node affinity', () => {
    expect(mismatch(pvc('1Gi', { storageClassName: 'fast' }), pv('a', '2Gi'))).toBe('storage class differs');
    expect(mismatch(pvc('1Gi', { volumeMode: 'Block' }), pv('a', '2Gi'))).toBe('volume mode differs');
    expect(mismatch(pvc('1Gi', { accessModes: ['ReadWriteMany'] }), pv('a', '2Gi'))).toBe('access modes not offered');
    expect(mismatch(pvc('1Gi', { selector: { matchLabels: { disk: 'ssd' } } }), pv('a', '2Gi', {}, { disk: 'hdd' }))).toBe('selector does not match');
    expect(mismatch(pvc('1Gi', { selector: { matchLabels: { disk: 'ssd' } } }), pv('a', '2Gi', {}, { disk: 'ssd' }))).toBeUndefined();
    const pinned = pv('p', '2Gi', { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] } } });
    const node = (name: string): KubeObject => ({ metadata: { name, labels: { 'kubernetes.io/hostname': name } } });
    expect(mismatch(pvc('1Gi'), pinned, { node: node('n1') })).toBeUndefined();
    expect(mismatch(pvc('1Gi'), pinned, { node: node('n2') })).toBe('node affinity excludes the selected node');
  });

  it('a Released volume is not offered again', () => {
    expect(mismatch(pvc('1Gi'), { ...pv('r', '2Gi'), status: { phase: 'Released' } })).toBe('phase Released');
  });
});

describe('claims, classes and pods', () => {
  it('the newest class marked default wins', () => {
    const sc = (name: string, created: string, def: boolean): KubeObject => ({ metadata: { name, creationTimestamp: created, annotations: def ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {} } });
    expect(defaultStorageClass([sc('a', '2026-01-01T00:00:00Z', true), sc('b', '2026-02-01T00:00:00Z', true), sc('c', '2026-03-01T00:00:00Z', false)])?.metadata.name).toBe('b');
    expect(defaultStorageClass([sc('c', '2026-03-01T00:00:00Z', false)])).toBeUndefined();
  });

  it('a finished pod no longer uses its claim', () => {
    const pod = (phase: string): KubeObject => ({ metadata: { name: 'p' }, spec: { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] }, status: { phase } });
    expect(podUsesClaim(pod('Running'), 'data')).toBe(true);
    expect(podUsesClaim(pod('Running'), 'other')).toBe(false);
    expect(podUsesClaim(pod('Succeeded'), 'data')).toBe(false);
  });
});

describe('local-path config', () => {
  it('parses the node path map, with the default entry for unlisted nodes', () => {
    const map = parseLocalPathConfig(JSON.stringify({ nodePathMap: [{ node: 'DEFAULT_PATH_FOR_NON_LISTED_NODES', paths: ['/var/lib/k3ts/storage/'] }, { node: 'full', paths: [] }, { node: 'big', paths: ['/mnt/a', '/mnt/b'] }] }));
    expect(pathsForNode(map, 'any')).toEqual(['/var/lib/k3ts/storage']);
    expect(pathsForNode(map, 'full')).toEqual([]);
    expect(pathsForNode(map, 'big')).toEqual(['/mnt/a', '/mnt/b']);
  });

  it('rejects bad config with a message naming the problem', () => {
    expect(() => parseLocalPathConfig('{')).toThrow(/not JSON/);
    expect(() => parseLocalPathConfig('{}')).toThrow(/no nodePathMap/);
    expect(() => parseLocalPathConfig(JSON.stringify({ nodePathMap: [{ node: 'a', paths: ['relative'] }] }))).toThrow(/nodePathMap\[0\]\.paths\[0\] must be an absolute path/);
    expect(() => parseLocalPathConfig(JSON.stringify({ nodePathMap: [{ node: 'a' }, { node: 'a' }] }))).toThrow(/twice/);
  });

  it('names directories <pv>_<ns>_<claim> and only accepts those directly under a configured path', () => {
    const dir = volumeDirectory('/srv/storage', 'pvc-1234', 'ns', 'data');
    expect(dir).toBe('/srv/storage/pvc-1234_ns_data');
    expect(isVolumeDirectoryUnder(dir, ['/srv/storage'])).toBe(true);
    expect(isVolumeDirectoryUnder(dir, ['/srv'])).toBe(false);
    expect(isVolumeDirectoryUnder('/srv/storage', ['/srv'])).toBe(false);
    expect(isVolumeDirectoryUnder('/srv/storage/../etc_x_y', ['/srv/storage'])).toBe(false);
  });
});
