import { describe, expect, it } from 'vitest';
import { fromJSON } from '@grpc/proto-loader';
import { containerEnv, expandVars, kubernetesServiceEnv } from './container-env';
import { CRI_PROTO } from './cri/cri-proto';
import { parseLabel, parseTaint } from './node-status';
import { podPhase } from './pod-status';
import type { ContainerStatusApi, Pod } from './pod-types';
import { linuxResources, podCgroupParent } from './resources';
import { RestartBackoff } from './restart-backoff';
import { parseResolvConf, podDnsConfig, podPortMappings } from './sandbox-config';
import { parseCriLog } from './server/container-logs';

const pod = (spec: Partial<Pod['spec']> = {}, status: Pod['status'] = {}): Pod =>
  ({ metadata: { name: 'p', namespace: 'ns', uid: 'u1', labels: { app: 'a' } }, spec: { containers: [{ name: 'c' }], ...spec }, status }) as Pod;

describe('env', () => {
  it('expands $(VAR), keeps unknown references and $$ escapes', () => {
    const vars = new Map([['A', 'x']]);
    expect(expandVars('$(A)-$(B)-$$(A)-$', vars)).toBe('x-$(B)-$(A)-$');
  });

  it('resolves envFrom, env and valueFrom in upstream order', async () => {
    const refs = { configMap: async (_ns: string, n: string) => (n === 'cm' ? { K: 'from-cm', MODE: 'm' } : undefined), secret: async () => ({ pw: 'p' }) };
    const env = await containerEnv(
      pod(),
      {
        name: 'c',
        envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'P_' }],
        env: [
          { name: 'P_K', value: 'override' },
          { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: 'PW', valueFrom: { secretKeyRef: { name: 's', key: 'pw' } } },
          { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
          { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'missing', key: 'x', optional: true } } },
        ],
      },
      { hostIPs: ['192.0.2.1'], podIPs: ['10.42.0.5'], allocatable: { cpuMilli: 2000, memoryBytes: 512 * 1024 * 1024 }, serviceEnv: kubernetesServiceEnv('10.43.0.1'), refs },
    );
    const m = Object.fromEntries(env.map((e) => [e.key, e.value]));
    expect(m).toMatchObject({ P_K: 'override', P_MODE: 'm', NS: 'ns', APP: 'a', PW: 'p', MEM: '512', KUBERNETES_SERVICE_HOST: '10.43.0.1', KUBERNETES_SERVICE_PORT: '443' });
    expect(m.OPT).toBeUndefined();
  });

  it('fails with CreateContainerConfigError when a secret key is missing', async () => {
    const refs = { configMap: async () => undefined, secret: async () => undefined };
    await expect(containerEnv(pod(), { name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }] }, { hostIPs: [], podIPs: [], allocatable: { cpuMilli: 1, memoryBytes: 1 }, serviceEnv: {}, refs })).rejects.toMatchObject({ reason: 'CreateContainerConfigError', message: 'secret "nope" not found' });
  });
});

describe('sandbox config', () => {
  it('builds cluster DNS with search paths and merges dnsConfig', () => {
    const ctx = { clusterDns: ['10.43.0.10'], clusterDomain: 'cluster.local', hostResolv: parseResolvConf('nameserver 1.1.1.1\nsearch corp.example\n'), podLogsDir: '/l', cgroupRoot: '/k3ts' };
    expect(podDnsConfig(pod({ dnsConfig: { options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }), ctx)).toEqual({ servers: ['10.43.0.10'], searches: ['ns.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'], options: ['ndots:2', 'edns0'] });
    expect(podDnsConfig(pod({ dnsPolicy: 'Default' }), ctx)).toEqual({ servers: ['1.1.1.1'], searches: ['corp.example'], options: [] });
    expect(podDnsConfig(pod({ hostNetwork: true }), ctx).servers).toEqual(['1.1.1.1']);
  });

  it('maps hostPorts and puts pods under their QoS cgroup', () => {
    expect(podPortMappings(pod({ containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81 }] }] }))).toEqual([{ protocol: 'TCP', container_port: 80, host_port: 8080 }]);
    expect(podCgroupParent('/k3ts', pod({}, { qosClass: 'Guaranteed' }))).toBe('/k3ts/kubepods/podu1');
    expect(podCgroupParent('/k3ts', pod({}, { qosClass: 'Burstable' }))).toBe('/k3ts/kubepods/burstable/podu1');
  });

  it('turns requests and limits into cgroup v1 values as upstream does', () => {
    expect(linuxResources({ name: 'c', resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } } }, 'Burstable', 1 << 30)).toEqual({
      cpu_shares: 256,
      cpu_period: 100000,
      cpu_quota: 50000,
      memory_limit_in_bytes: 134217728,
      oom_score_adj: 938,
    });
    expect(linuxResources({ name: 'c' }, 'BestEffort', 1 << 30)).toEqual({ cpu_shares: 2, oom_score_adj: 1000 });
  });
});

describe('pod phase', () => {
  const cs = (state: ContainerStatusApi['state'], lastState: ContainerStatusApi['lastState'] = {}): ContainerStatusApi => ({ name: 'c', state, lastState, ready: false, restartCount: 0, image: '', imageID: '' });
  it('follows upstream getPhase', () => {
    expect(podPhase(pod(), [cs({ waiting: { reason: 'ContainerCreating' } })], true, false)).toBe('Pending');
    expect(podPhase(pod(), [cs({ running: {} })], true, false)).toBe('Running');
    expect(podPhase(pod(), [cs({ waiting: { reason: 'CrashLoopBackOff' } }, { terminated: { exitCode: 1 } })], true, false)).toBe('Running');
    expect(podPhase(pod({ restartPolicy: 'Never' }), [cs({ terminated: { exitCode: 0 } })], true, false)).toBe('Succeeded');
    expect(podPhase(pod({ restartPolicy: 'Never' }), [cs({ terminated: { exitCode: 2 } })], true, false)).toBe('Failed');
    expect(podPhase(pod({ restartPolicy: 'OnFailure' }), [cs({ terminated: { exitCode: 0 } })], true, false)).toBe('Succeeded');
    expect(podPhase(pod(), [cs({ running: {} })], false, false)).toBe('Pending');
    expect(podPhase(pod({ restartPolicy: 'Never' }), [], false, true)).toBe('Failed');
  });
});

describe('restart back-off', () => {
  it('restarts at once, then waits 10 s, 20 s… and resets after 10 minutes of running', () => {
    const b = new RestartBackoff();
    expect(b.next('u/c', 0, 0).restart).toBe(true);
    expect(b.next('u/c', 5_000, 5_000)).toEqual({ restart: false, waitMs: 5_000, backoffMs: 10_000 });
    expect(b.next('u/c', 10_000, 9_000).restart).toBe(true);
    expect(b.next('u/c', 20_000, 20_000)).toMatchObject({ restart: false, backoffMs: 20_000 });
    expect(b.next('u/c', 30_000, 30_000).restart).toBe(true);
    expect(b.next('u/c', 700_000, 700_000)).toMatchObject({ restart: true });
    expect(b.next('u/c', 701_000, 701_000)).toMatchObject({ restart: false, backoffMs: 10_000 });
  });
});

describe('node flags', () => {
  it('parses --node-taint and --node-label', () => {
    expect(parseTaint('dedicated=gpu:NoSchedule')).toEqual({ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' });
    expect(parseTaint('maint:NoExecute')).toEqual({ key: 'maint', effect: 'NoExecute' });
    expect(() => parseTaint('bad')).toThrow(/key=value:effect/);
    expect(parseLabel('a=b=c')).toEqual(['a', 'b=c']);
  });
});

describe('CRI log files', () => {
  it('joins partial records and keeps the unfinished tail', () => {
    const carry = {};
    const r = parseCriLog('2025-01-01T00:00:00.1Z stdout P hel\n2025-01-01T00:00:00.2Z stdout F lo\n2025-01-01T00:00:01Z stderr F oops\n2025-01-01T00:00:02Z std', carry);
    expect(r.lines).toEqual([
      { time: '2025-01-01T00:00:00.1Z', stream: 'stdout', text: 'hello\n' },
      { time: '2025-01-01T00:00:01Z', stream: 'stderr', text: 'oops\n' },
    ]);
    expect(r.rest).toBe('2025-01-01T00:00:02Z std');
  });
});

describe('CRI descriptor', () => {
  it('encodes maps, enums and int64 with upstream field numbers', () => {
    const defs = fromJSON(CRI_PROTO, { keepCase: true, longs: String, enums: String, defaults: true });
    const m = (defs['runtime.v1.RuntimeService'] as Record<string, { requestSerialize: (o: object) => Buffer; requestDeserialize: (b: Buffer) => object }>)['RunPodSandbox']!;
    const req = { config: { metadata: { name: 'p', uid: 'u', namespace: 'n', attempt: 1 }, labels: { a: 'b' }, port_mappings: [{ protocol: 'UDP', container_port: 53, host_port: 5353 }] } };
    const bytes = m.requestSerialize(req);
    // field 1 (config), length-delimited → tag 0x0a; inside, metadata is field 1 → 0x0a again
    expect(bytes[0]).toBe(0x0a);
    expect(m.requestDeserialize(bytes)).toMatchObject(req);
  });
});
