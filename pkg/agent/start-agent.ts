// The agent's composition root: containerd (supervised, or an existing CRI socket) → one CRI
// client → images (the built-in pause image, then `<data-dir>/agent/images/*`) → the kubelet
// (node registration, pods) → the CNI conflist for the node's pod range → the kubelet API on
// :10250. stop() reverses it; running pods stay up (they are re-adopted at the next start).
import { LocalPathNodeAgent } from '../controllers/localpath/local-path-node-agent';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HttpsTransport } from '../client/transport';
import { RestClient } from '../client/rest-client';
import { systemClock, type Clock } from '../client/clock';
import { Cgroups } from '../containerd/cgroups';
import { ContainerdSupervisor, findExecutable } from '../containerd/containerd-supervisor';
import { INSTALL_ADVICE } from '../containerd/errors';
import { writeRegistryHosts } from '../containerd/registries';
import { CtrImporter, DEFAULT_PAUSE_IMAGE, buildPauseImage, importImageDirectory, ociArch } from '../images';
import { kubernetesServiceEnv } from '../kubelet/container-env';
import { CriClient } from '../kubelet/cri/cri-client';
import { messageOf } from '../kubelet/errors';
import { readHostFacts } from '../kubelet/host-facts';
import { Kubelet } from '../kubelet/kubelet';
import { parseLabel, parseTaint } from '../kubelet/node-status';
import { readHostResolv } from '../kubelet/sandbox-config';
import { startKubeletServer, type RunningKubeletServer } from '../kubelet/server/kubelet-server';
import { subjectAccessReviewAuthorizer } from '../kubelet/server/kubelet-authz';
import type { Logger } from '../log/logger';
import { startPodNetwork } from '../flannel/start-pod-network';
import { Proxier, enableProxySysctls } from '../proxy/proxier';
import { ClusterDns, NODE_DNS_METRICS_PORT } from '../dns/cluster-dns';
import { systemIptables } from '../proxy/iptables';
import { cleanNetworkPolicyRules } from '../netpol/cleanup';
import { NetworkPolicyController } from '../netpol/network-policy-controller';
import { policyIptables } from '../netpol/policy-iptables';
import { versionInfo } from '../version/version';
import { localMirrorHost, startAgentMirror } from '../mirror/agent-mirror';
import { fallbackPodCidr, type AgentConfig } from './agent-config';
import { writeCniConflist } from './cni-conflist';
import { AgentError } from './errors';
import type { NodeCredentials } from './node-credentials';

export interface AgentDeps {
  readonly log: Logger;
  readonly credentials: NodeCredentials;
  /** `https://127.0.0.1:6443`: where the API server answers. */
  readonly apiServer: string;
  readonly clock?: Clock;
  /** Defaults to process.getuid() === 0. */
  readonly isRoot?: boolean;
  /** Enforce NetworkPolicies on this node (default true; false with --disable-network-policy). */
  readonly networkPolicy?: boolean;
}

export interface RunningAgent {
  readonly kubelet: Kubelet;
  readonly kubeletPort: number;
  /** Stops the kubelet, its API and containerd; containers keep running. */
  stop(): Promise<void>;
}

export async function startAgent(cfg: AgentConfig, deps: AgentDeps): Promise<RunningAgent> {
  const log = deps.log;
  const clock = deps.clock ?? systemClock;
  const t0 = performance.now();
  if (!(deps.isRoot ?? process.getuid?.() === 0)) throw new AgentError('not-root', 'the agent must run as root (containerd, cgroups, network namespaces); run k3ts as root or pass --disable-agent');
  const p = cfg.paths;
  const cgroups = new Cgroups();
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch((e: unknown) => log.warn('agent stop step failed', { error: messageOf(e) }));
  };
  try {
    // 1. The container runtime.
    let endpoint = cfg.containerd.endpoint;
    if (!endpoint) {
      const runDir = p.runDir;
      const address = path.join(runDir, 'containerd', 'containerd.sock');
      const supervisor = new ContainerdSupervisor(
        {
          binary: cfg.containerd.binary,
          configFile: p.containerdConfig,
          logFile: p.containerdLog,
          cgroup: `${cfg.cgroupRoot}/containerd`,
          searchPath: cfg.searchPath,
          root: p.containerdRoot,
          state: path.join(runDir, 'containerd'),
          address,
          runcRoot: path.join(runDir, 'runc'),
          sandboxImage: cfg.containerd.pauseImage,
          snapshotter: cfg.containerd.snapshotter,
          cniBinDir: ['/usr/lib/cni', '/opt/cni/bin'].find((d) => fs.existsSync(path.join(d, 'bridge'))) ?? '/usr/lib/cni',
          cniConfDir: p.cniConfDir,
          registryConfigDir: cfg.containerd.registryHostsDir,
        },
        { log: log.child('containerd'), clock, cgroups },
      );
      const registries = writeRegistryHosts(cfg.containerd.privateRegistry, cfg.containerd.registryHostsDir, cfg.embeddedRegistry ? localMirrorHost(p.agentDir) : undefined);
      if (registries.length > 0) log.info('wrote registry hosts from the private registry config', { file: cfg.containerd.privateRegistry, registries });
      await supervisor.start();
      stops.push(() => supervisor.stop());
      endpoint = `unix://${address}`;
    }
    const cri = new CriClient({ endpoint });
    stops.push(async () => cri.close());
    await cri.waitForConnected(30_000);
    const version = await cri.version();
    log.info('container runtime connected', { endpoint, runtime: `${version.runtime_name} ${version.runtime_version}`, api: version.runtime_api_version });

    // 2. Images: the built-in pause image, then the air-gap tarballs.
    const ctr = findExecutable('ctr', cfg.searchPath);
    const socket = endpoint.replace(/^unix:\/\//, '');
    const importer = ctr ? new CtrImporter({ ctr, address: socket, snapshotter: cfg.containerd.snapshotter, searchPath: cfg.searchPath }) : undefined;
    if (cfg.containerd.pauseImage === DEFAULT_PAUSE_IMAGE && !(await cri.imageStatus(DEFAULT_PAUSE_IMAGE))) {
      if (!importer) throw new AgentError('runtime', `ctr is not on PATH, so the built-in pause image cannot be imported: ${INSTALL_ADVICE}`);
      const arch = ociArch();
      if (!arch) throw new AgentError('runtime', `no built-in pause image for ${process.arch}; pass --pause-image with an imported image`);
      const built = buildPauseImage(arch);
      await importer.importBuffer(built.archive, 'pause image');
      log.info('imported the built-in pause image', { image: DEFAULT_PAUSE_IMAGE, digest: built.manifestDigest, bytes: built.archive.length });
    }
    fs.mkdirSync(p.images, { recursive: true });
    if (importer) await importImageDirectory(p.images, importer, log.child('images'));
    else log.warn('ctr is not on PATH: image tarballs are not imported', { dir: p.images });

    // 3. The kubelet.
    const facts = readHostFacts(p.agentDir);
    const abort = new AbortController();
    const client = new RestClient({
      transport: new HttpsTransport({ server: deps.apiServer, caPem: deps.credentials.serverCaPem, certPem: deps.credentials.clientCertPem, keyPem: deps.credentials.clientKeyPem }),
      userAgent: `kubelet/${versionInfo().version} (linux/${facts.architecture})`,
    });
    // The pod network between nodes (pkg/flannel, with the kubelet's identity): routes to the other
    // nodes' pod ranges, masquerade, subnet.env; its MTU goes into the CNI config.
    const flannelClient = new RestClient({
      transport: new HttpsTransport({ server: deps.apiServer, caPem: deps.credentials.serverCaPem, certPem: deps.credentials.clientCertPem, keyPem: deps.credentials.clientKeyPem }),
      userAgent: `flannel/${versionInfo().version} (linux/${facts.architecture})`,
    });
    const podNetwork = await startPodNetwork(
      { backend: cfg.network.flannelBackend, iface: cfg.network.flannelIface, nodeIPs: cfg.nodeIPs, nodeName: cfg.nodeName, clusterCidr: cfg.network.clusterCidr, runDir: p.runDir, searchPath: cfg.searchPath },
      { client: flannelClient, clock, log: log.child('flannel') },
    ).catch((e: unknown) => {
      flannelClient.close();
      throw e;
    });
    stops.push(async () => {
      await podNetwork.stop();
      flannelClient.close();
    });
    const bandwidth = ['/usr/lib/cni', '/opt/cni/bin'].some((d) => fs.existsSync(path.join(d, 'bandwidth')));
    const fallback = fallbackPodCidr(cfg.network.clusterCidr);
    const writeCni = (cidr: string) => {
      if (writeCniConflist(p.cniConfDir, { podCidr: cidr, bridge: cfg.network.bridge, ipamDataDir: path.join(p.runDir, 'cni-ipam'), mtu: podNetwork.mtu, bandwidth })) log.info('wrote the CNI config', { podCIDR: cidr, dir: p.cniConfDir, mtu: podNetwork.mtu });
    };
    // Node IPAM (in the controller manager) usually assigns spec.podCIDR within a second of
    // registration; without it (e.g. --disable-controller-manager style setups) fall back after 3 s.
    let cancelFallback: (() => void) | undefined;
    const onPodCidr = (cidr: string | undefined) => {
      cancelFallback?.();
      cancelFallback = undefined;
      if (cidr) return writeCni(cidr);
      cancelFallback = clock.setTimeout(() => {
        log.warn('the node has no spec.podCIDR (no node IPAM); using a range from --cluster-cidr', { podCIDR: fallback });
        writeCni(fallback);
      }, 3000);
    };
    stops.push(async () => cancelFallback?.());
    // The kubelet API (logs, exec) for the API server's proxy; its port goes into the Node's status.
    let kubeletRef: Kubelet | undefined;
    const server: RunningKubeletServer = await startKubeletServer(
      { port: cfg.kubeletPort, host: '0.0.0.0', certPem: deps.credentials.servingCertPem, keyPem: deps.credentials.servingKeyPem, clientCaPem: deps.credentials.clientCaPem },
      {
        runtime: cri,
        nodeName: cfg.nodeName,
        // Callers other than the API server are authorized by the API server (SubjectAccessReview on nodes/stats|metrics|log|proxy).
        authorize: subjectAccessReviewAuthorizer(cfg.nodeName, (body) => client.request({ method: 'POST', path: '/apis/authorization.k8s.io/v1/subjectaccessreviews', body: JSON.stringify(body), contentType: 'application/json' }), clock),
        kubelet: { pod: (ns, name) => kubeletRef?.pod(ns, name), allPods: () => kubeletRef?.allPods() ?? [] }, podLogsDir: p.podLogsDir, log: log.child('kubelet-server') },
    );
    stops.push(() => server.close());
    const kubelet = new Kubelet(
      {
        node: {
          nodeName: cfg.nodeName,
          hostname: cfg.hostname,
          nodeIPs: cfg.nodeIPs,
          externalIPs: cfg.externalIPs,
          labels: Object.fromEntries(cfg.labels.map(parseLabel)),
          taints: cfg.taints.map(parseTaint),
          kubeletPort: server.port,
          maxPods: 110,
          kubeletVersion: versionInfo().version,
          reservedMemoryBytes: 100 * 1024 * 1024,
          reservedStorageFraction: 0.1,
        },
        pods: {
          sandbox: { clusterDns: [cfg.network.clusterDns], clusterDomain: cfg.network.clusterDomain, hostResolv: readHostResolv(cfg.network.resolvConf), podLogsDir: p.podLogsDir, cgroupRoot: cfg.cgroupRoot },
          kubeletDir: p.kubeletDir,
          serviceEnv: kubernetesServiceEnv(cfg.network.apiServiceIP),
        },
        staticPodDir: path.join(p.agentDir, 'pod-manifests'),
      },
      { client, runtime: cri, facts, clock, log: log.child('kubelet'), removeCgroup: (g) => void cgroups.remove(g), cgroups, onPodCidr },
    );
    kubeletRef = kubelet;
    await kubelet.start(abort.signal);
    stops.push(async () => {
      abort.abort();
      await kubelet.done;
      client.close();
    });

    // 4. The service proxy (iptables), with its own system:kube-proxy identity when issued.
    if (deps.credentials.proxyCertPem && deps.credentials.proxyKeyPem) {
      enableProxySysctls(log.child('proxy'));
      const iptables = systemIptables();
      const proxyClient = new RestClient({
        transport: new HttpsTransport({ server: deps.apiServer, caPem: deps.credentials.serverCaPem, certPem: deps.credentials.proxyCertPem, keyPem: deps.credentials.proxyKeyPem }),
        userAgent: `kube-proxy/${versionInfo().version} (linux/${facts.architecture})`,
      });
      const proxyAbort = new AbortController();
      const proxier = new Proxier({ clusterCidr: cfg.network.clusterCidr, nodeName: cfg.nodeName }, { client: proxyClient, iptables, clock, log: log.child('proxy') });
      const started = proxier.start(proxyAbort.signal).catch((e: unknown) => log.error('service proxy failed', { error: messageOf(e) }));
      log.info('service proxy started', { iptables: iptables.mode });
      stops.push(async () => {
        proxyAbort.abort();
        await started;
        await proxier.done;
        proxyClient.close();
      });
      // The built-in cluster DNS on the node address (the kube-dns EndpointSlice of this node points here).
      if (cfg.network.builtinDns !== false && cfg.nodeIPs[0]) {
        const dns = new ClusterDns(
          { domain: cfg.network.clusterDomain, host: cfg.nodeIPs[0], metricsPort: NODE_DNS_METRICS_PORT, allowedSources: [cfg.network.clusterCidr, ...cfg.nodeIPs.filter((ip) => !ip.includes(':')).map((ip) => `${ip}/32`)], upstreams: readHostResolv(cfg.network.resolvConf).servers },
          { client: proxyClient, clock, log: log.child('dns') },
        );
        const dnsAbort = new AbortController();
        await dns.start(dnsAbort.signal).catch((e: unknown) => log.error('cluster DNS could not start', { error: messageOf(e) }));
        stops.push(async () => {
          dnsAbort.abort();
          await dns.done;
        });
      }
    }

    // 4b. NetworkPolicy enforcement (pkg/netpol), as system:k3ts-controller like K3s's embedded
    // kube-router; its rules go when it stops. Disabled: leftovers of an earlier run are removed.
    if (deps.networkPolicy === false) {
      if (cleanNetworkPolicyRules() > 0) log.info('removed the network policy rules (--disable-network-policy)');
    } else if (deps.credentials.controllerCertPem && deps.credentials.controllerKeyPem) {
      enableProxySysctls(log.child('netpol'));
      const iptables = policyIptables();
      const npClient = new RestClient({
        transport: new HttpsTransport({ server: deps.apiServer, caPem: deps.credentials.serverCaPem, certPem: deps.credentials.controllerCertPem, keyPem: deps.credentials.controllerKeyPem }),
        userAgent: `k3ts-agent/${versionInfo().version} (network-policy)`,
      });
      const npAbort = new AbortController();
      const netpol = new NetworkPolicyController({ nodeName: cfg.nodeName }, { client: npClient, iptables, clock, log: log.child('netpol') });
      const npStarted = netpol.start(npAbort.signal).catch((e: unknown) => log.error('network policy controller failed', { error: messageOf(e) }));
      log.info('network policy controller started', { iptables: iptables.mode });
      stops.push(async () => {
        npAbort.abort();
        await npStarted;
        await netpol.done;
        npClient.close();
      });
    }

    // 5. The node half of the local-path provisioner, as system:k3ts-controller.
    if (deps.credentials.controllerCertPem && deps.credentials.controllerKeyPem) {
      const controllerClient = new RestClient({
        transport: new HttpsTransport({ server: deps.apiServer, caPem: deps.credentials.serverCaPem, certPem: deps.credentials.controllerCertPem, keyPem: deps.credentials.controllerKeyPem }),
        userAgent: `k3ts-agent/${versionInfo().version} (local-path)`,
      });
      const localPathAbort = new AbortController();
      const localPath = new LocalPathNodeAgent({ client: controllerClient, clock, log: log.child('local-path'), nodeName: cfg.nodeName });
      localPath.start(localPathAbort.signal);
      stops.push(async () => {
        localPathAbort.abort();
        await localPath.done;
        controllerClient.close();
      });
    }

    // 6. The embedded registry mirror (--embedded-registry): serves this node's images to its peers.
    if (cfg.embeddedRegistry) {
      const mirror = await startAgentMirror({ nodeName: cfg.nodeName, nodeIPs: cfg.nodeIPs, containerdAddress: socket, apiServer: deps.apiServer, credentials: deps.credentials, clock, log: log.child('mirror') });
      stops.push(() => mirror.stop());
    }

    log.info('agent is ready', { node: cfg.nodeName, kubeletPort: server.port, ms: Math.round(performance.now() - t0) });
    return { kubelet, kubeletPort: server.port, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
