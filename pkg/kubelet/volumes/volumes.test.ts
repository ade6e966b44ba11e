import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../client/clock';
import type { Pod } from '../pod-types';
import { writePayloadAtomically } from './atomic-writer';
import { downwardFieldValue } from './downward-api';
import { tmpfsSize } from './empty-dir';
import type { Mounter } from './mounts';
import { containerMounts, prepareVolumes, removePodDir, ServiceAccountTokens, type VolumeSources } from './index';
import type { TokenRequestSpec, VolumeSpec } from './volume-types';

function recordingMounter(): Mounter & { mounts: Map<string, number | undefined>; calls: string[] } {
  const mounts = new Map<string, number | undefined>();
  const calls: string[] = [];
  return {
    mounts,
    calls,
    mountsUnder: (dir) => [...mounts.keys()].filter((m) => m === dir || m.startsWith(`${dir}/`)),
    isMountPoint: (dir) => mounts.has(dir),
    mountTmpfs: (dir, size) => {
      calls.push(`mount ${dir} ${size}`);
      mounts.set(dir, size);
    },
    unmount: (dir) => {
      calls.push(`umount ${dir}`);
      mounts.delete(dir);
    },
  };
}

/** prepareVolumes with a recording mounter unless a test passes its own: unit tests mount nothing. */
function prep(...[p, d, r, o]: Parameters<typeof prepareVolumes>): ReturnType<typeof prepareVolumes> {
  return prepareVolumes(p, d, r, { mounter: recordingMounter(), ...o });
}

function pod(spec: Omit<Partial<Pod['spec']>, 'volumes'> & { volumes?: readonly VolumeSpec[] }, meta: Partial<Pod['metadata']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns1', uid: 'uid-1', labels: { app: 'web', tier: 'a"b' }, annotations: { note: 'x' }, ...meta },
    spec: { serviceAccountName: 'builder', containers: [{ name: 'c', image: 'i', resources: { limits: { memory: '64Mi' }, requests: { cpu: '250m' } } }], ...spec },
  } as unknown as Pod;
}

function refs(extra: Partial<VolumeSources> = {}, data: Record<string, Record<string, string>> = {}): VolumeSources {
  return {
    configMap: async (ns, name) => data[`cm/${ns}/${name}`],
    secret: async (ns, name) => data[`secret/${ns}/${name}`],
    ...extra,
  };
}

describe('atomic writer', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-aw-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lays files out behind ..data and swaps the whole payload on change', () => {
    const v = path.join(dir, 'vol');
    expect(writePayloadAtomically(v, new Map([['a', { data: '1', mode: 0o644 }], ['sub/b', { data: '2', mode: 0o600 }]]), Date.UTC(2026, 0, 2, 3, 4, 5))).toBe(true);
    const first = fs.readlinkSync(path.join(v, '..data'));
    expect(first).toMatch(/^\.\.2026_01_02_03_04_05\./);
    expect(fs.readlinkSync(path.join(v, 'a'))).toBe('..data/a');
    expect(fs.readlinkSync(path.join(v, 'sub'))).toBe('..data/sub');
    expect(fs.readFileSync(path.join(v, 'sub/b'), 'utf8')).toBe('2');
    expect(fs.statSync(path.join(v, 'sub/b')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(v, 'a')).mode & 0o777).toBe(0o644);

    // Same payload: nothing is touched.
    expect(writePayloadAtomically(v, new Map([['a', { data: '1', mode: 0o644 }], ['sub/b', { data: '2', mode: 0o600 }]]), Date.now())).toBe(false);
    expect(fs.readlinkSync(path.join(v, '..data'))).toBe(first);

    // New content, a key removed: a new timestamped dir, the old one and the stale link are gone.
    expect(writePayloadAtomically(v, new Map([['a', { data: 'changed', mode: 0o644 }]]), Date.now())).toBe(true);
    const second = fs.readlinkSync(path.join(v, '..data'));
    expect(second).not.toBe(first);
    expect(fs.readFileSync(path.join(v, 'a'), 'utf8')).toBe('changed');
    expect(fs.readdirSync(v).sort()).toEqual(['..data', second, 'a'].sort());
  });

  it('converts a directory of plain files and refuses paths that escape', () => {
    const v = path.join(dir, 'old');
    fs.mkdirSync(v);
    fs.writeFileSync(path.join(v, 'a'), 'flat');
    writePayloadAtomically(v, new Map([['a', { data: 'new', mode: 0o644 }]]), Date.now());
    expect(fs.lstatSync(path.join(v, 'a')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(v, 'a'), 'utf8')).toBe('new');
    for (const bad of ['../x', '/abs', '..hidden', 'a/../../b']) expect(() => writePayloadAtomically(v, new Map([[bad, { data: '', mode: 0o644 }]]), Date.now())).toThrow(/must be relative/);
  });
});

describe('prepareVolumes', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-vol-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes downwardAPI files as upstream formats them', async () => {
    const p = pod({
      volumes: [
        {
          name: 'info',
          downwardAPI: {
            items: [
              { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
              { path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } },
              { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' } },
              { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
              { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' }, mode: 0o400 },
              { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } },
              { path: 'cpu', resourceFieldRef: { containerName: 'c', resource: 'requests.cpu', divisor: '1m' } },
              { path: 'cpu-limit', resourceFieldRef: { containerName: 'c', resource: 'limits.cpu' } },
            ],
          },
        },
      ],
    });
    const vols = await prep(p, dir, refs(), { allocatable: { cpuMilli: 2000, memoryBytes: 1 << 30 } });
    const d = vols.get('info')!;
    expect(d).toBe(path.join(dir, 'pods/uid-1/volumes/kubernetes.io~downward-api/info'));
    const read = (f: string) => fs.readFileSync(path.join(d, f), 'utf8');
    expect([read('name'), read('ns'), read('uid')]).toEqual(['p', 'ns1', 'uid-1']);
    expect(read('labels')).toBe('app="web"\ntier="a\\"b"');
    expect(read('annotations')).toBe('note="x"');
    expect(fs.statSync(path.join(d, 'annotations')).mode & 0o777).toBe(0o400);
    expect([read('mem'), read('cpu'), read('cpu-limit')]).toEqual(['64', '250', '2']);
    expect(downwardFieldValue(p, "metadata.labels['app']")).toBe('web');
    expect(() => downwardFieldValue(p, 'status.podIP')).toThrow(/unsupported downwardAPI/);
  });

  it('projects a service account token, kube-root-ca.crt, downwardAPI and a secret into one volume', async () => {
    const requests: TokenRequestSpec[] = [];
    const p = pod({
      volumes: [
        {
          name: 'kube-api-access-x1',
          projected: {
            defaultMode: 0o640,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
              { secret: { name: 'missing', optional: true } },
              { secret: { name: 's1', items: [{ key: 'k', path: 'dir/k', mode: 0o600 }] } },
            ],
          },
        },
      ],
    });
    const r = refs({ serviceAccountToken: async (s) => (requests.push(s), 'jwt-1') }, { 'cm/ns1/kube-root-ca.crt': { 'ca.crt': 'PEM' }, 'secret/ns1/s1': { k: 'v', other: 'no' } });
    const d = (await prep(p, dir, r)).get('kube-api-access-x1')!;
    expect(d).toContain('kubernetes.io~projected');
    expect(fs.readFileSync(path.join(d, 'token'), 'utf8')).toBe('jwt-1');
    expect(fs.readFileSync(path.join(d, 'ca.crt'), 'utf8')).toBe('PEM');
    expect(fs.readFileSync(path.join(d, 'namespace'), 'utf8')).toBe('ns1');
    expect(fs.readFileSync(path.join(d, 'dir/k'), 'utf8')).toBe('v');
    expect(fs.existsSync(path.join(d, 'other'))).toBe(false);
    expect(fs.statSync(path.join(d, 'token')).mode & 0o777).toBe(0o640);
    expect(fs.statSync(path.join(d, 'dir/k')).mode & 0o777).toBe(0o600);
    expect(requests).toEqual([{ namespace: 'ns1', serviceAccountName: 'builder', audience: undefined, expirationSeconds: 3607, pod: { name: 'p', uid: 'uid-1' } }]);
    // A required source that is missing fails the volume.
    await expect(prep(pod({ volumes: [{ name: 'x', projected: { sources: [{ configMap: { name: 'nope' } }] } }] }), dir, r)).rejects.toThrow(/configmap "ns1\/nope" not found/);
  });

  it('configMap and secret volumes: keys, items, optional, defaultMode, updates', async () => {
    const data: Record<string, Record<string, string>> = { 'cm/ns1/c': { a: '1', b: '2' } };
    const p = pod({ volumes: [{ name: 'cfg', configMap: { name: 'c' } }, { name: 'opt', secret: { secretName: 'gone', optional: true } }, { name: 'sel', configMap: { name: 'c', items: [{ key: 'b', path: 'only-b' }], defaultMode: 0o400 } }] });
    const v = await prep(p, dir, refs({}, data));
    const cfg = v.get('cfg')!;
    expect(fs.readFileSync(path.join(cfg, 'a'), 'utf8')).toBe('1');
    expect(fs.statSync(path.join(cfg, 'a')).mode & 0o777).toBe(0o644);
    expect(fs.readdirSync(v.get('opt')!).filter((n) => !n.startsWith('..'))).toEqual([]);
    expect(fs.readdirSync(v.get('sel')!).filter((n) => !n.startsWith('..'))).toEqual(['only-b']);
    expect(fs.statSync(path.join(v.get('sel')!, 'only-b')).mode & 0o777).toBe(0o400);
    data['cm/ns1/c'] = { a: 'updated', b: '2' };
    await prep(p, dir, refs({}, data));
    expect(fs.readFileSync(path.join(cfg, 'a'), 'utf8')).toBe('updated');
    await expect(prep(pod({ volumes: [{ name: 's', secret: { secretName: 'gone' } }] }), dir, refs())).rejects.toThrow(/secret "ns1\/gone" not found/);
  });

  it('emptyDir medium Memory is a tmpfs of sizeLimit, unmounted before the pod dir goes', async () => {
    const m = recordingMounter();
    const p = pod({ volumes: [{ name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } }, { name: 'plain', emptyDir: {} }] });
    const v = await prep(p, dir, refs(), { mounter: m });
    await prep(p, dir, refs(), { mounter: m });
    expect(m.calls).toEqual([`mount ${v.get('cache')} ${16 * 1024 * 1024}`]);
    expect(fs.statSync(v.get('plain')!).mode & 0o777).toBe(0o777);
    removePodDir(dir, 'uid-1', m);
    expect(m.calls.at(-1)).toBe(`umount ${v.get('cache')}`);
    expect(fs.existsSync(path.join(dir, 'pods/uid-1'))).toBe(false);
    // A mount that will not go keeps the directory.
    await prep(p, dir, refs(), { mounter: m });
    const stuck: Mounter = { ...m, unmount: () => undefined };
    expect(() => removePodDir(dir, 'uid-1', stuck)).toThrow(/mounts remain/);
    expect(fs.existsSync(path.join(dir, 'pods/uid-1'))).toBe(true);
  });

  it('writes binary secret and configMap binaryData bytes exactly when the byte readers exist', async () => {
    const bin = Buffer.from([0, 0xff, 0xfe, 0x80, 0x0a]);
    const r: VolumeSources = { ...refs(), secretData: async () => ({ 'keystore.p12': bin }), configMapData: async () => ({ text: Buffer.from('é'), blob: bin }) };
    const v = await prep(pod({ volumes: [{ name: 's', secret: { secretName: 'x' } }, { name: 'c', configMap: { name: 'y' } }] }), dir, r);
    expect(fs.readFileSync(path.join(v.get('s')!, 'keystore.p12')).equals(bin)).toBe(true);
    expect(fs.readFileSync(path.join(v.get('c')!, 'blob')).equals(bin)).toBe(true);
    expect(fs.readFileSync(path.join(v.get('c')!, 'text'), 'utf8')).toBe('é');
  });

  it('secret and projected volumes live on a tmpfs sized by the pod memory limit', async () => {
    const m = recordingMounter();
    const p = pod({ volumes: [{ name: 's', secret: { secretName: 's1' } }, { name: 'pr', projected: { sources: [{ downwardAPI: { items: [{ path: 'n', fieldRef: { fieldPath: 'metadata.name' } }] } }] } }, { name: 'c', configMap: { name: 'c1' } }] });
    const v = await prep(p, dir, refs({}, { 'secret/ns1/s1': { k: 'v' }, 'cm/ns1/c1': { k: 'v' } }), { mounter: m });
    expect(m.calls).toEqual([`mount ${v.get('s')} ${64 * 1024 * 1024}`, `mount ${v.get('pr')} ${64 * 1024 * 1024}`]);
    expect(fs.readFileSync(path.join(v.get('s')!, 'k'), 'utf8')).toBe('v');
  });

  it('persistentVolumeClaim resolves to the bound PV path; unbound claims wait', async () => {
    const pvDir = path.join(dir, 'pv1');
    fs.mkdirSync(pvDir);
    const claims: Record<string, { volumeName?: string; phase?: string }> = { data: { volumeName: 'pv1', phase: 'Bound' }, pending: { phase: 'Pending' } };
    const r = refs({ persistentVolumeClaim: async (_ns, n) => claims[n], persistentVolume: async (n) => (n === 'pv1' ? { path: pvDir, hostPathType: 'Directory' } : undefined) });
    const p = pod({ volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }], containers: [{ name: 'c', image: 'i', volumeMounts: [{ name: 'd', mountPath: '/data' }] }] });
    const v = await prep(p, dir, r);
    expect(v.get('d')).toBe(pvDir);
    expect(containerMounts(p.spec.containers[0]!, v)).toEqual([{ container_path: '/data', host_path: pvDir, readonly: false }]);
    await expect(prep(pod({ volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'pending' } }] }), dir, r)).rejects.toThrow(/is not bound/);
    await expect(prep(pod({ volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'none' } }] }), dir, r)).rejects.toThrow(/not found/);
  });
});

describe('memory-backed emptyDir size', () => {
  it('is the smallest of sizeLimit and the pod memory limit, else node allocatable', () => {
    const mi = 1024 * 1024;
    const two = (a?: string, b?: string) => pod({ containers: [{ name: 'a', image: 'i', resources: a ? { limits: { memory: a } } : {} }, { name: 'b', image: 'i', resources: b ? { limits: { memory: b } } : {} }] });
    expect(tmpfsSize(two('64Mi', '32Mi'), undefined, 1024 * mi)).toBe(96 * mi);
    expect(tmpfsSize(two('64Mi', '32Mi'), '16Mi', 1024 * mi)).toBe(16 * mi);
    expect(tmpfsSize(two('64Mi', '32Mi'), '1Gi', 1024 * mi)).toBe(96 * mi);
    expect(tmpfsSize(two('64Mi'), undefined, 512 * mi)).toBe(512 * mi);
    expect(tmpfsSize(two(), '8Mi', 512 * mi)).toBe(8 * mi);
    expect(tmpfsSize(two(), undefined, undefined)).toBeUndefined();
  });
});

describe('service account tokens', () => {
  const spec: TokenRequestSpec = { namespace: 'ns', serviceAccountName: 'sa', expirationSeconds: 1000, pod: { name: 'p', uid: 'u1' } };

  it('are cached and requested again after 80% of their lifetime', async () => {
    const clock = new FakeClock();
    let n = 0;
    let fail = false;
    const tokens = new ServiceAccountTokens({
      clock,
      request: async (s) => {
        if (fail) throw new Error('api down');
        n++;
        return { token: `t${n}`, expirationTimestamp: new Date(clock.now() + s.expirationSeconds * 1000).toISOString() };
      },
    });
    expect(await tokens.get(spec)).toBe('t1');
    clock.advance(790_000);
    expect(await tokens.get(spec)).toBe('t1');
    clock.advance(20_000);
    expect(await tokens.get(spec)).toBe('t2');
    expect(await tokens.get({ ...spec, audience: 'vault' })).toBe('t3');
    // The API failing: a token that is still valid keeps serving; an expired one does not.
    fail = true;
    clock.advance(900_000);
    expect(await tokens.get(spec)).toBe('t2');
    clock.advance(200_000);
    await expect(tokens.get(spec)).rejects.toThrow('api down');
    tokens.forgetPod('u1');
    fail = false;
    expect(await tokens.get({ ...spec, audience: 'vault' })).toBe('t4');
  });

  it('a refreshed token replaces the one in the projected volume at the next sync', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-tok-'));
    try {
      const clock = new FakeClock();
      let n = 0;
      const tokens = new ServiceAccountTokens({ clock, request: async (s) => ({ token: `jwt-${++n}`, expirationTimestamp: new Date(clock.now() + s.expirationSeconds * 1000).toISOString() }) });
      const p = pod({ volumes: [{ name: 'kube-api-access-1', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }] } }] });
      const r = refs({ serviceAccountToken: (s) => tokens.get(s) });
      const d = (await prep(p, dir, r, { nowMs: clock.now() })).get('kube-api-access-1')!;
      const first = fs.readlinkSync(path.join(d, '..data'));
      clock.advance(60_000);
      await prep(p, dir, r, { nowMs: clock.now() });
      expect(fs.readFileSync(path.join(d, 'token'), 'utf8')).toBe('jwt-1');
      expect(fs.readlinkSync(path.join(d, '..data'))).toBe(first);
      clock.advance(0.8 * 3600_000);
      await prep(p, dir, r, { nowMs: clock.now() });
      expect(fs.readFileSync(path.join(d, 'token'), 'utf8')).toBe('jwt-2');
      expect(fs.readlinkSync(path.join(d, '..data'))).not.toBe(first);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(process.getuid?.() !== 0)('the system mounter (root)', () => {
  it('mounts a sized tmpfs, sees it as a mount point, and removePodDir unmounts it', async () => {
    const { systemMounter } = await import('./mounts');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-vol-real-'));
    const p = pod({ volumes: [{ name: 'm', emptyDir: { medium: 'Memory', sizeLimit: '4Mi' } }] });
    try {
      const v = (await prepareVolumes(p, dir, refs(), { mounter: systemMounter })).get('m')!;
      expect(systemMounter.isMountPoint(v)).toBe(true);
      expect(systemMounter.mountsUnder(dir)).toEqual([v]);
      expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).toMatch(new RegExp(`${v.replace(/[~.]/g, '\\$&')} .* tmpfs tmpfs rw,.*size=4096k`));
      await prepareVolumes(p, dir, refs(), { mounter: systemMounter });
      expect(systemMounter.mountsUnder(dir)).toEqual([v]);
      removePodDir(dir, 'uid-1', systemMounter);
      expect(systemMounter.mountsUnder(dir)).toEqual([]);
      expect(fs.existsSync(path.join(dir, 'pods', 'uid-1'))).toBe(false);
    } finally {
      for (const m of systemMounter.mountsUnder(dir)) systemMounter.unmount(m);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
