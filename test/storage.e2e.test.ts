// Storage orchestration with real containerd pods (issue 12): the built-in local-path provisioner
// gives a PVC a directory on the node the scheduler picked; data outlives the pod; StatefulSet
// replicas keep their own claims across a rolling restart; reclaim Delete removes the directory,
// Retain keeps it; a node without local paths leaves the claim Pending with a clear event.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentSuiteUnavailable, startAgentServer, type AgentServer } from './helpers/agent-cluster';
import { eventually } from './helpers/cluster';

const unavailable = agentSuiteUnavailable();
const IMAGE = 'k3ts.local/busybox:1';

describe.skipIf(unavailable !== undefined)('persistent volumes with local-path (real containerd)', () => {
  let s: AgentServer;
  const storage = () => path.join(s.dataDir, 'storage');

  const claim = (name: string, cls = 'local-path') => `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ${name}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: ${cls}
  resources: {requests: {storage: 64Mi}}
`;
  const pod = (name: string, claimName: string, command: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  terminationGracePeriodSeconds: 1
  restartPolicy: Never
  containers:
  - name: c
    image: ${IMAGE}
    imagePullPolicy: Never
    command: [sh, -c, ${JSON.stringify(command)}]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: ${claimName}}
`;
  const phaseOf = async (kind: string, name: string) => (await s.kubectl(['get', kind, name, '-o', 'jsonpath={.status.phase}'])).stdout;
  const logsOf = async (name: string) => (await s.kubectl(['logs', name])).stdout;
  const volumeOf = async (claimName: string) => (await s.ok(['get', 'pvc', claimName, '-o', 'jsonpath={.spec.volumeName}'])).trim();
  const dirOf = async (pv: string) => (await s.ok(['get', 'pv', pv, '-o', 'jsonpath={.spec.hostPath.path}'])).trim();

  beforeAll(async () => {
    s = await startAgentServer({ nodeName: 'storage-node' });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('has the default local-path StorageClass', async () => {
    await eventually(async () => (await s.kubectl(['get', 'storageclass'])).stdout.includes('local-path (default)'), 'the default class', 30_000);
  });

  it('a pod writes to a PVC; a new pod on the same claim reads the data back', async () => {
    await s.ok(['apply', '-f', '-'], claim('notes'));
    // WaitForFirstConsumer: no volume before a pod uses the claim.
    expect(await phaseOf('pvc', 'notes')).toBe('Pending');
    await s.ok(['apply', '-f', '-'], pod('writer', 'notes', 'echo kept-across-pods > /data/note && echo written'));
    await eventually(async () => (await phaseOf('pod', 'writer')) === 'Succeeded', 'the writer to finish', 90_000);
    expect(await phaseOf('pvc', 'notes')).toBe('Bound');
    const pv = await volumeOf('notes');
    const dir = await dirOf(pv);
    expect(dir).toBe(path.join(storage(), `${pv}_default_notes`));
    expect(fs.readFileSync(path.join(dir, 'note'), 'utf8')).toBe('kept-across-pods\n');
    await s.ok(['delete', 'pod', 'writer', '--wait=true']);

    await s.ok(['apply', '-f', '-'], pod('reader', 'notes', 'cat /data/note'));
    await eventually(async () => (await phaseOf('pod', 'reader')) === 'Succeeded', 'the reader to finish', 90_000);
    expect(await logsOf('reader')).toBe('kept-across-pods');
    await s.ok(['delete', 'pod', 'reader', '--wait=true']);
  }, 240_000);

  it('deleting the claim of a Delete volume removes its directory and the volume', async () => {
    const pv = await volumeOf('notes');
    const dir = await dirOf(pv);
    await s.ok(['delete', 'pvc', 'notes', '--wait=true']);
    await eventually(async () => (await s.kubectl(['get', 'pv', pv])).exitCode !== 0, 'the volume to be deleted', 60_000);
    expect(fs.existsSync(dir)).toBe(false);
  }, 120_000);

  it('a Retain class keeps the directory and leaves the volume Released', async () => {
    await s.ok(['apply', '-f', '-'], 'apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: keep}\nprovisioner: rancher.io/local-path\nvolumeBindingMode: WaitForFirstConsumer\nreclaimPolicy: Retain\n');
    await s.ok(['apply', '-f', '-'], claim('kept', 'keep'));
    await s.ok(['apply', '-f', '-'], pod('keeper', 'kept', 'echo retained > /data/f'));
    await eventually(async () => (await phaseOf('pod', 'keeper')) === 'Succeeded', 'the pod to finish', 90_000);
    const pv = await volumeOf('kept');
    const dir = await dirOf(pv);
    await s.ok(['delete', 'pod', 'keeper', '--wait=true']);
    await s.ok(['delete', 'pvc', 'kept', '--wait=true']);
    await eventually(async () => (await phaseOf('pv', pv)) === 'Released', 'the volume to be Released', 60_000);
    expect(fs.readFileSync(path.join(dir, 'f'), 'utf8')).toBe('retained\n');
    await s.ok(['delete', 'pv', pv, '--wait=true']);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  it('a StatefulSet of 3 keeps each replica’s data across a rolling restart', async () => {
    await s.ok(
      ['apply', '-f', '-'],
      `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: ${IMAGE}
        imagePullPolicy: Never
        command: [sh, -c, '[ -f /data/id ] || echo "$HOSTNAME" > /data/id; while true; do sleep 1; done']
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 32Mi}}
`,
    );
    const ready = () => eventually(async () => (await s.kubectl(['get', 'statefulset', 'web', '-o', 'jsonpath={.status.readyReplicas}/{.status.updatedReplicas}'])).stdout === '3/3', 'three ready replicas', 180_000);
    await ready();
    const ids = async () => Promise.all([0, 1, 2].map(async (i) => (await s.ok(['exec', `web-${i}`, '--', 'cat', '/data/id'])).trim()));
    expect(await ids()).toEqual(['web-0', 'web-1', 'web-2']);
    const volumes = await Promise.all([0, 1, 2].map((i) => volumeOf(`data-web-${i}`)));
    const uids = (await s.ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.uid}'])).trim();
    await s.ok(['rollout', 'restart', 'statefulset/web']);
    await eventually(
      async () => {
        const now = (await s.ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.uid}'])).trim().split(' ');
        return now.length === 3 && now.every((u) => !uids.includes(u));
      },
      'every replica to be replaced',
      240_000,
    );
    await ready();
    expect(await ids()).toEqual(['web-0', 'web-1', 'web-2']);
    expect(await Promise.all([0, 1, 2].map((i) => volumeOf(`data-web-${i}`)))).toEqual(volumes);
    await s.ok(['delete', 'statefulset', 'web', '--wait=true']);
  }, 600_000);

  it('a claim for a node with no local path stays Pending with a clear event', async () => {
    const config = JSON.stringify({ nodePathMap: [{ node: 'DEFAULT_PATH_FOR_NON_LISTED_NODES', paths: [storage()] }, { node: 'storage-node', paths: [] }] });
    await s.ok(['-n', 'kube-system', 'patch', 'configmap', 'local-path-config', '--type=merge', '-p', JSON.stringify({ data: { 'config.json': config } })]);
    await s.ok(['apply', '-f', '-'], claim('nowhere'));
    await s.ok(['apply', '-f', '-'], pod('stuck', 'nowhere', 'true'));
    await eventually(
      async () => (await s.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=nowhere', '-o', 'jsonpath={.items[*].message}'])).stdout.includes('no local path is configured for node "storage-node"'),
      'the ProvisioningFailed event',
      60_000,
    );
    expect(await phaseOf('pvc', 'nowhere')).toBe('Pending');
    expect(await phaseOf('pod', 'stuck')).toBe('Pending');
  }, 120_000);
});
