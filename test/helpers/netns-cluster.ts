// HARNESS-STATUS: ready
//
// A multi-node k3ts cluster on one host, for suites that need several nodes (agent join, pod
// networking across nodes). Each node is a network namespace of its own:
//
//   host netns                         node netns k3ts-t<id>-<i>
//   bridge k3tb<id>  10.X.Y.1/24  ──── veth ──── eth0 10.X.Y.(10+i)/24, lo up,
//                                                default route via 10.X.Y.1
//
// - The /24 is picked at random inside 10.240.0.0/12 and checked against the host's addresses and
//   routes; netns, bridge and veth names carry a random id, so parallel runs never collide.
// - Node 0 runs `k3ts server` (with its agent), every other node `k3ts agent --server
//   https://<node0 IP>:6443 --token <server/token>`, each with its own data dir under one temp dir
//   and the busybox test images in <data-dir>/agent/images. With `servers: N` (N > 1) the first N
//   nodes are servers on one etcd (the host's /usr/bin/etcd, in a namespace of its own at 10.X.Y.5,
//   so it outlives any server), the later ones started with node 0's token. Processes enter their namespace with
//   `nsenter --net` (not `ip netns exec`, which remounts /sys and hides the cgroups: see
//   notes/runtime.md), so mounts and cgroups stay visible to the cleanup below.
// - A non-default data dir gives each agent its own run dir (/run/k3ts-<hash>), cgroup parent
//   (/k3ts-<hash>), CNI lease dir (under the run dir) and node password (<data-dir>/agent/
//   node-password); iptables rules and the CNI bridge live in the node's namespace.
// - No traffic leaves the host: each node namespace drops (mangle POSTROUTING) whatever leaves eth0
//   for anything but the node subnet, the cluster CIDR and the service CIDR.
// - The test process reaches the API at https://<node0 IP>:6443 over the bridge; `kubectl()` runs
//   /usr/bin/kubectl with an admin kubeconfig pointing there (`{ server: i }`: at server node i).
// - stop() deletes every pod through the API, stops the processes (SIGTERM, then SIGKILL), runs
//   killall per node (shims, mounts, cgroups, run dir; not the host's iptables), deletes the
//   namespaces (and with them the veths, CNI bridges and iptables rules), the host bridge and the
//   temp dir. Always call it (afterAll), also after a failed start.
//
// Needs root, containerd, runc, ctr, busybox-static, the CNI plugins, iproute2 and nsenter
// (agentSuiteUnavailable() tells why not). Node processes: cluster.nodes[i].process.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { cgroupRootFor, runDirFor } from '../../pkg/agent/agent-config';
import { killall } from '../../pkg/agent/killall';
import { findExecutable } from '../../pkg/containerd/containerd-supervisor';
import { buildTestImages } from '../../pkg/images/test-images';
import { agentSuiteUnavailable } from './agent-cluster';
import { builtBinary, PATH_WITH_HOST_TOOLS, startProcess, type RunningProcess } from './binary';
import { KUBECTL, eventually } from './cluster';

export const API_PORT = 6443;
const CLUSTER_CIDR = '10.42.0.0/16';
const SERVICE_CIDR = '10.43.0.0/16';

export interface NetnsNode {
  readonly index: number;
  /** Network namespace name (`ip netns` / /run/netns/<name>). */
  readonly netns: string;
  readonly nodeName: string;
  readonly ip: string;
  readonly dataDir: string;
  readonly runDir: string;
  /** The node's k3ts process (server on node 0, agent elsewhere); undefined once stopped. */
  readonly process: RunningProcess | undefined;
}

export interface KubectlResult {
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

export interface NetnsCluster {
  readonly id: string;
  readonly dir: string;
  readonly bridge: string;
  /** `10.X.Y` of the node subnet 10.X.Y.0/24. */
  readonly subnetPrefix: string;
  readonly nodes: readonly NetnsNode[];
  /** https://<node0 IP>:6443 */
  readonly serverUrl: string;
  /** Contents of node 0's server/token (K10<hash>::server:<password>). */
  readonly token: string;
  readonly kubeconfig: string;
  kubectl(args: readonly string[], opts?: { input?: string; timeoutMs?: number; server?: number }): Promise<KubectlResult>;
  /** kubectl that throws on failure and returns stdout. */
  ok(args: readonly string[], input?: string): Promise<string>;
  json(args: readonly string[]): Promise<Record<string, any>>;
  /**
   * Adds a namespace + data dir for one more machine (not started), e.g. to run `k3ts agent` by hand
   * with other flags: run(args) starts the built k3ts inside it and returns the process.
   */
  addMachine(name: string): Promise<{ readonly netns: string; readonly ip: string; readonly dataDir: string; run(args: readonly string[], env?: Record<string, string>): RunningProcess }>;
  /** Runs a command inside node i's network namespace. */
  exec(index: number, file: string, args: readonly string[]): Promise<KubectlResult>;
  /** Waits until every node is registered and Ready (asking server node `server`, default 0). */
  waitReady(timeoutMs?: number, server?: number): Promise<void>;
  /** Stops node i's k3ts process (SIGTERM); its containers keep running until stop(). */
  stopNode(index: number): Promise<void>;
  /** Stops node i's k3ts process (SIGTERM, must exit 0) and starts it again with the same flags. */
  restartNode(index: number): Promise<void>;
  stop(): Promise<void>;
}

export interface NetnsClusterOptions {
  /** Number of nodes, server included (default 2). */
  readonly nodes?: number;
  readonly serverArgs?: readonly string[];
  readonly agentArgs?: readonly string[];
  /** Start only the server (agents can be added with addMachine). */
  readonly serverOnly?: boolean;
  /** How many of the nodes are servers (default 1); more than one puts them on a shared etcd. */
  readonly servers?: number;
}

function run(file: string, args: readonly string[]): string {
  return execFileSync(file, [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryRun(file: string, args: readonly string[]): void {
  try {
    execFileSync(file, [...args], { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

/** A random 10.X.Y prefix inside 10.240.0.0/12 that no host address or route uses. */
function pickSubnet(): string {
  const used = run('ip', ['-4', 'route', 'show', 'table', 'all']) + run('ip', ['-4', 'addr']);
  for (let attempt = 0; attempt < 50; attempt++) {
    const prefix = `10.${240 + randomInt(16)}.${randomInt(256)}`;
    if (!used.includes(`${prefix}.`)) return prefix;
  }
  throw new Error('no free /24 in 10.240.0.0/12');
}

/** Why the netns suites cannot run here, or undefined when they can. */
export function netnsClusterUnavailable(): string | undefined {
  const agent = agentSuiteUnavailable();
  if (agent) return agent;
  for (const tool of ['nsenter', 'ip', 'iptables']) if (!findExecutable(tool, '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')) return `${tool} is not installed`;
  return undefined;
}

export async function startNetnsCluster(opts: NetnsClusterOptions = {}): Promise<NetnsCluster> {
  const count = opts.nodes ?? 2;
  const id = randomBytes(3).toString('hex');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-netns-'));
  const bridge = `k3tb${id}`;
  const prefix = pickSubnet();
  const subnet = `${prefix}.0/24`;
  const kubeconfig = path.join(dir, 'kubeconfig.yaml');
  const namespaces: string[] = [];
  const nodes: {
    index: number;
    netns: string;
    nodeName: string;
    ip: string;
    dataDir: string;
    runDir: string;
    process: RunningProcess | undefined;
    /** How the node's process was started, for restartNode. */
    launch?: () => RunningProcess;
  }[] = [];
  const servers = Math.max(1, Math.min(opts.servers ?? 1, count));
  const extraProcs: RunningProcess[] = [];
  let etcd: RunningProcess | undefined;
  const extraDirs: string[] = [];
  let machines = 0;
  const env = { PATH: PATH_WITH_HOST_TOOLS, HOME: dir };

  const addNamespace = (netns: string, ip: string, hostVeth: string) => {
    run('ip', ['netns', 'add', netns]);
    namespaces.push(netns);
    const peer = `${hostVeth}p`;
    run('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', peer]);
    run('ip', ['link', 'set', peer, 'netns', netns]);
    run('ip', ['link', 'set', hostVeth, 'master', bridge, 'up']);
    const inNs = (...args: string[]) => run('ip', ['-n', netns, ...args]);
    inNs('link', 'set', 'lo', 'up');
    inNs('link', 'set', peer, 'name', 'eth0');
    inNs('addr', 'add', `${ip}/24`, 'dev', 'eth0');
    inNs('link', 'set', 'eth0', 'up');
    inNs('route', 'add', 'default', 'via', `${prefix}.1`);
    // Egress guard: nothing but the node subnet and the cluster ranges leaves the namespace.
    const ipt = (...args: string[]) => run('nsenter', [`--net=/run/netns/${netns}`, 'iptables', '-w', '-t', 'mangle', ...args]);
    ipt('-N', 'NETNS-EGRESS-GUARD');
    for (const d of [subnet, CLUSTER_CIDR, SERVICE_CIDR]) ipt('-A', 'NETNS-EGRESS-GUARD', '-d', d, '-j', 'RETURN');
    ipt('-A', 'NETNS-EGRESS-GUARD', '-j', 'DROP');
    ipt('-A', 'POSTROUTING', '-o', 'eth0', '-j', 'NETNS-EGRESS-GUARD');
  };

  const startIn = (netns: string, args: readonly string[], cwd: string, extraEnv: Record<string, string> = {}): RunningProcess =>
    startProcess('/usr/bin/nsenter', [`--net=/run/netns/${netns}`, '--', builtBinary(), ...args], { cwd, env: { ...env, ...extraEnv } });

  const cleanupNode = (dataDir: string) => {
    killall({ runDir: runDirFor(dataDir), mountRoots: [dataDir], cgroupRoot: cgroupRootFor(dataDir), sameNetworkNamespace: false });
  };

  const kubeconfigOf = (server: number) => (server === 0 ? kubeconfig : path.join(dir, `kubeconfig-${server}.yaml`));
  const kubectl: NetnsCluster['kubectl'] = async (kargs, kopts = {}) => {
    const r = await execa(KUBECTL, [...kargs], { reject: false, input: kopts.input, timeout: kopts.timeoutMs ?? 60_000, env: { ...env, KUBECONFIG: kubeconfigOf(kopts.server ?? 0) }, extendEnv: false });
    return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  const ok = async (kargs: readonly string[], input?: string) => {
    const r = await kubectl(kargs, { input });
    if (r.exitCode !== 0) throw new Error(`kubectl ${kargs.join(' ')} failed (${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // Pods are deleted through the first server still running.
    const live = nodes.slice(0, servers).find((n) => n.process && n.process.child.exitCode === null && n.process.child.signalCode === null && fs.existsSync(kubeconfigOf(n.index)));
    if (live) {
      const k = (args: string[], timeoutMs: number) => kubectl(args, { timeoutMs, server: live.index });
      for (const kind of ['deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs']) await k(['delete', kind, '--all', '--all-namespaces', '--wait=false'], 20_000);
      await k(['delete', 'pods', '--all', '--all-namespaces', '--grace-period=1', '--wait=false'], 20_000);
      // Pods of stopped nodes cannot be torn down by their kubelet: killall below does that.
      const running = new Set(nodes.filter((n) => n.process && n.process.child.exitCode === null && n.process.child.signalCode === null).map((n) => n.nodeName));
      await eventually(
        async () => {
          const r = await k(['get', 'pods', '-A', '-o', 'jsonpath={range .items[*]}{.spec.nodeName}{"\\n"}{end}'], 10_000);
          return r.exitCode === 0 && !r.stdout.split('\n').some((node) => running.has(node.trim()));
        },
        'every pod to be torn down',
        60_000,
      ).catch(() => undefined);
    }
    // Agents first, the server last (agents keep talking to it while they stop).
    for (const p of extraProcs) await p.stop(15_000);
    for (const n of [...nodes].reverse()) await n.process?.stop(30_000);
    await etcd?.stop(10_000);
    for (const d of [...nodes.map((n) => n.dataDir), ...extraDirs]) cleanupNode(d);
    for (const ns of namespaces) tryRun('ip', ['netns', 'del', ns]);
    tryRun('ip', ['link', 'del', bridge]);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    run('ip', ['link', 'add', bridge, 'type', 'bridge']);
    run('ip', ['addr', 'add', `${prefix}.1/24`, 'dev', bridge]);
    run('ip', ['link', 'set', bridge, 'up']);
    for (let i = 0; i < count; i++) {
      const netns = `k3ts-t${id}-${i}`;
      const ip = `${prefix}.${10 + i}`;
      addNamespace(netns, ip, `k3v${id}${i}`);
      const dataDir = path.join(dir, `node${i}`);
      buildTestImages(path.join(dataDir, 'agent', 'images'));
      nodes.push({ index: i, netns, nodeName: `node${i}`, ip, dataDir, runDir: runDirFor(dataDir), process: undefined });
    }
    const n0 = nodes[0]!;
    const datastore: string[] = [];
    if (servers > 1) {
      const dbNs = `k3ts-t${id}-db`;
      const dbIp = `${prefix}.5`;
      addNamespace(dbNs, dbIp, `k3v${id}db`);
      const client = `http://${dbIp}:2379`;
      const peer = 'http://127.0.0.1:2380';
      const etcdDir = path.join(dir, 'etcd');
      fs.mkdirSync(etcdDir);
      etcd = startProcess('/usr/bin/nsenter', [`--net=/run/netns/${dbNs}`, '--', '/usr/bin/etcd', '--name', 'k3ts-test', '--data-dir', path.join(etcdDir, 'data'), '--listen-client-urls', client, '--advertise-client-urls', client, '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `k3ts-test=${peer}`, '--log-level', 'warn'], { cwd: etcdDir, env });
      await eventually(async () => {
        if (etcd?.child.exitCode !== null) throw new Error(`etcd exited:\n${etcd?.output()}`);
        const r = await fetch(`${client}/health`).catch(() => undefined);
        return r?.ok === true;
      }, 'etcd to be healthy', 30_000);
      datastore.push('--datastore-endpoint', client);
    }
    const serverKubeconfig = (i: number) => path.join(dir, `server-kubeconfig-${i}.yaml`);
    const startServer = (n: (typeof nodes)[number], extra: readonly string[]) =>
      startIn(
        n.netns,
        // --disable traefik: its image cannot be pulled here, and its LoadBalancer Service would hold ports 80/443.
        ['server', '--data-dir', n.dataDir, '--https-listen-port', String(API_PORT), '--node-name', n.nodeName, '--node-ip', n.ip, '--write-kubeconfig', serverKubeconfig(n.index), '--disable', 'traefik', ...datastore, ...extra, ...(opts.serverArgs ?? [])],
        dir,
      );
    n0.launch = () => startServer(n0, []);
    n0.process = n0.launch();
    await n0.process.waitFor(/k3ts server is ready/, 120_000);
    const serverUrl = `https://${n0.ip}:${API_PORT}`;
    const writeKubeconfig = (n: (typeof nodes)[number]) =>
      fs.writeFileSync(kubeconfigOf(n.index), fs.readFileSync(serverKubeconfig(n.index), 'utf8').replace(/server: https:\/\/[^\s]+/, `server: https://${n.ip}:${API_PORT}`), { mode: 0o600 });
    writeKubeconfig(n0);
    const token = fs.readFileSync(path.join(n0.dataDir, 'server', 'token'), 'utf8').trim();
    for (const n of nodes.slice(1, servers)) {
      n.launch = () => startServer(n, ['--token', token]);
      n.process = n.launch();
      await n.process.waitFor(/k3ts server is ready/, 120_000);
      writeKubeconfig(n);
    }
    if (!opts.serverOnly) {
      for (const n of nodes.slice(servers)) {
        n.launch = () => startIn(n.netns, ['agent', '--server', serverUrl, '--token', token, '--data-dir', n.dataDir, '--node-name', n.nodeName, '--node-ip', n.ip, ...(opts.agentArgs ?? [])], dir);
        n.process = n.launch();
      }
      for (const n of nodes.slice(servers)) await n.process!.waitFor(/k3ts agent is ready/, 120_000);
    }
    const cluster: NetnsCluster = {
      id,
      dir,
      bridge,
      subnetPrefix: prefix,
      nodes,
      serverUrl,
      token,
      kubeconfig,
      kubectl,
      ok,
      json: async (kargs) => JSON.parse(await ok([...kargs, '-o', 'json'])),
      async addMachine(name) {
        const i = 100 + machines++;
        const netns = `k3ts-t${id}-m${i}`;
        const ip = `${prefix}.${i}`;
        addNamespace(netns, ip, `k3v${id}m${i - 100}`);
        const dataDir = path.join(dir, name);
        extraDirs.push(dataDir);
        buildTestImages(path.join(dataDir, 'agent', 'images'));
        return {
          netns,
          ip,
          dataDir,
          run(args, extraEnv) {
            const p = startIn(netns, args, dir, extraEnv);
            extraProcs.push(p);
            return p;
          },
        };
      },
      async exec(index, file, args) {
        const r = await execa('/usr/bin/nsenter', [`--net=/run/netns/${nodes[index]!.netns}`, '--', file, ...args], { reject: false, timeout: 30_000, env, extendEnv: false });
        return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
      },
      async waitReady(timeoutMs = 90_000, server = 0) {
        await eventually(
          async () => {
            const r = await kubectl(['get', 'nodes', '-o', 'json'], { timeoutMs: 10_000, server });
            if (r.exitCode !== 0) return false;
            const items = (JSON.parse(r.stdout) as { items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[] }).items;
            return nodes.every((n) => items.some((it) => it.metadata.name === n.nodeName && it.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')));
          },
          `nodes ${nodes.map((n) => n.nodeName).join(', ')} to be Ready`,
          timeoutMs,
          500,
        );
      },
      async stopNode(index) {
        const n = nodes[index]!;
        await n.process?.stop(30_000);
      },
      async restartNode(index) {
        const n = nodes[index]!;
        const code = await n.process?.stop(30_000);
        if (code !== 0 && code !== undefined) throw new Error(`${n.nodeName} exited with ${code} on SIGTERM:\n${n.process?.output().slice(-4000)}`);
        n.process = n.launch!();
        await n.process.waitFor(index < servers ? /k3ts server is ready/ : /k3ts agent is ready/, 120_000);
      },
      stop,
    };
    return cluster;
  } catch (e) {
    const outputs = nodes.map((n) => `--- ${n.nodeName}:\n${n.process?.output().slice(-3000) ?? ''}`).join('\n');
    await stop();
    throw new Error(`${(e as Error).message}\n${outputs}`);
  }
}
