// One pod's reconcile, level-triggered from (API pod, runtime state): make a sandbox when there is
// no ready one, run init containers in order, start or restart containers as the restart policy
// and the back-off allow, report the status; a pod being deleted is stopped within its grace
// period, torn down (containers, sandbox, network, cgroup, volumes, logs) and then deleted from the
// API; runtime leftovers of pods the API no longer has are torn down the same way.
import * as fs from 'node:fs';
import type { Clock } from '../client/clock';
import { semanticEqual } from '../api/validation/json';
import type { Logger } from '../log/logger';
import { buildContainerConfig } from './container-config';
import type { EnvContext, ReferenceReader } from './container-env';
import type { Container, ContainerStatus, ImageService, PodSandboxConfig, RuntimeService } from './cri/types';
import { runPostStart, stopContainerGracefully } from './container-lifecycle';
import { KubeletError, isCriNotFound, messageOf } from './errors';
import type { PodCgroups } from './pod-cgroups';
import { generatePodStatus, restartCountOf, type Waiting } from './pod-status';
import { podFullName, type ContainerSpec, type Pod, type PodStatus } from './pod-types';
import { podCgroupParent } from './resources';
import { ProberManager, probedContainers } from './prober/prober-manager';
import { RestartBackoff } from './restart-backoff';
import { containerName, type PodRuntime } from './runtime-state';
import { ANNOTATION_GRACE_PERIOD, buildSandboxConfig, podLogDirectory, type SandboxContext } from './sandbox-config';
import { terminationMessage } from './termination-message';
import { prepareVolumes, readTerminationMessage, removePodDir, terminationLogFile } from './volumes';
import { pullWithCredentials, type RegistryAuth } from '../images/pull-credentials';

/** The API writes a pod sync makes (the consumer's seam; the kubelet passes its REST client's). */
export interface PodApi {
  patchStatus(pod: Pod, status: PodStatus): Promise<void>;
  /** Final delete (grace 0, UID precondition) once the pod is torn down. */
  deletePod(pod: Pod): Promise<void>;
}

export interface PodSyncConfig {
  readonly sandbox: SandboxContext;
  /** Pod directories: volumes, termination logs (`<agent>/kubelet`). */
  readonly kubeletDir: string;
  readonly hostIPs: readonly string[];
  readonly allocatable: EnvContext['allocatable'];
  readonly machineMemory: number;
  readonly serviceEnv: Readonly<Record<string, string>>;
}

export interface PodSyncDeps {
  readonly runtime: RuntimeService;
  readonly images: ImageService;
  readonly refs: ReferenceReader;
  readonly api: PodApi;
  readonly clock: Clock;
  readonly log: Logger;
  /** Removes a pod-level cgroup (containerd leaves them). */
  readonly removeCgroup?: (group: string) => void;
  /** Registry credentials for a pod's image (its imagePullSecrets), tried in order. */
  readonly pullCredentials?: (pod: Pod, image: string) => Promise<readonly RegistryAuth[]>;
  /** Creates pod-level cgroups (with limits) before the sandbox and removes them at teardown. */
  readonly podCgroups?: PodCgroups;
  /** Asks for the pod to be synced again soon (a probe result changed). */
  readonly requeue?: (uid: string) => void;
}

export interface SyncResult {
  /** Sync this pod again after this many ms (back-off expiry, retry). */
  readonly requeueAfterMs?: number;
}

const RETRY_MS = 2000;

function waitingFor(e: unknown, fallback: string): Waiting {
  const reason = e instanceof KubeletError && e.reason ? e.reason : fallback;
  return { reason, message: messageOf(e) };
}

export class PodSyncer {
  readonly #backoff = new RestartBackoff();
  /** Image pulls that failed: no new pull of that container's image before `until` (ImagePullBackOff). */
  readonly #pullBackoff = new Map<string, { until: number; backoffMs: number; message: string }>();
  readonly #waiting = new Map<string, Map<string, Waiting>>();
  /** Exited containers never change: their detailed status is fetched once. */
  readonly #exited = new Map<string, ContainerStatus>();
  readonly #sandboxIPs = new Map<string, readonly string[]>();
  readonly #prober: ProberManager;

  constructor(private readonly cfg: PodSyncConfig, private readonly deps: PodSyncDeps) {
    this.#prober = new ProberManager({ runtime: deps.runtime, clock: deps.clock, log: deps.log, onChange: (uid) => deps.requeue?.(uid) });
  }

  /** Stops every probe worker (kubelet shutdown). */
  stop(): void {
    this.#prober.stopAll();
  }

  #grace(pod: Pod): number {
    return pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  }

  #podIP(podIPs: readonly string[]): string {
    return podIPs[0] ?? this.cfg.hostIPs[0] ?? '127.0.0.1';
  }

  async sync(uid: string, pod: Pod | undefined, rt: PodRuntime): Promise<SyncResult> {
    if (!pod) {
      if (rt.sandboxes.length > 0 || rt.containers.length > 0) await this.teardown(uid, undefined, rt);
      return {};
    }
    if (pod.metadata.deletionTimestamp) {
      await this.teardown(uid, pod, rt);
      await this.deps.api.deletePod(pod);
      this.deps.log.info('pod deleted', { pod: podFullName(pod) });
      return {};
    }
    return this.#syncRunning(uid, pod, rt);
  }

  #waitingOf(uid: string): Map<string, Waiting> {
    let m = this.#waiting.get(uid);
    if (!m) this.#waiting.set(uid, (m = new Map()));
    return m;
  }

  /** Every container of `pod` has finished for good under its restart policy. */
  #finished(pod: Pod, latest: ReadonlyMap<string, Container>, exitCodes: ReadonlyMap<string, number>): boolean {
    const policy = pod.spec.restartPolicy ?? 'Always';
    if (policy === 'Always' || pod.spec.containers.length === 0) return false;
    return pod.spec.containers.every((c) => {
      const l = latest.get(c.name);
      if (!l || l.state !== 'CONTAINER_EXITED') return false;
      return policy === 'Never' || exitCodes.get(l.id) === 0;
    });
  }

  async #status(id: string): Promise<ContainerStatus | undefined> {
    const cached = this.#exited.get(id);
    if (cached) return cached;
    try {
      const s = await this.deps.runtime.containerStatus(id);
      if (s.state === 'CONTAINER_EXITED') this.#exited.set(id, s);
      return s;
    } catch (e) {
      if (isCriNotFound(e)) return undefined;
      throw e;
    }
  }

  async #syncRunning(uid: string, pod: Pod, rt: PodRuntime): Promise<SyncResult> {
    const { runtime, clock, log } = this.deps;
    const waiting = this.#waitingOf(uid);
    const policy = pod.spec.restartPolicy ?? 'Always';
    let requeue: number | undefined;
    const later = (ms: number) => (requeue = requeue === undefined ? ms : Math.min(requeue, ms));
    const latestByName = new Map<string, Container>();
    for (const c of rt.containers) if (!latestByName.has(containerName(c))) latestByName.set(containerName(c), c);
    const exitCodes = new Map<string, number>();
    for (const c of latestByName.values()) {
      if (c.state !== 'CONTAINER_EXITED') continue;
      const s = await this.#status(c.id);
      if (s) exitCodes.set(c.id, s.exit_code);
    }
    const finished = this.#finished(pod, latestByName, exitCodes);

    // Sandbox: reuse the ready one, or replace a dead one (its containers go with it).
    let sandbox = rt.sandboxes.find((s) => s.state === 'SANDBOX_READY');
    let sandboxConfig: PodSandboxConfig | undefined;
    let volumes = new Map<string, string>();
    if (!finished) {
      try {
        volumes = await prepareVolumes(pod, this.cfg.kubeletDir, this.deps.refs, { allocatable: this.cfg.allocatable });
      } catch (e) {
        for (const c of pod.spec.containers) if (latestByName.get(c.name)?.state !== 'CONTAINER_RUNNING') waiting.set(c.name, waitingFor(e, 'CreateContainerConfigError'));
        log.warn('pod volumes are not ready', { pod: podFullName(pod), error: messageOf(e) });
        later(RETRY_MS);
        return this.#report(uid, pod, rt.sandboxes[0]?.id, sandbox !== undefined, requeue);
      }
    }
    if (sandbox) {
      sandboxConfig = buildSandboxConfig(pod, sandbox.metadata?.attempt ?? 0, this.cfg.sandbox);
    } else if (!finished) {
      for (const c of rt.containers) if (c.state === 'CONTAINER_RUNNING') await runtime.stopContainer(c.id, 0).catch(() => undefined);
      for (const s of rt.sandboxes) await runtime.stopPodSandbox(s.id).catch(() => undefined);
      const attempt = rt.sandboxes.reduce((m, s) => Math.max(m, (s.metadata?.attempt ?? 0) + 1), 0);
      sandboxConfig = buildSandboxConfig(pod, attempt, this.cfg.sandbox);
      try {
        fs.mkdirSync(podLogDirectory(this.cfg.sandbox.podLogsDir, pod), { recursive: true });
        this.deps.podCgroups?.ensure(pod);
        const t0 = clock.now();
        const id = await runtime.runPodSandbox(sandboxConfig);
        const st = await runtime.podSandboxStatus(id);
        sandbox = { id, metadata: st.metadata, state: st.state, created_at: st.created_at, labels: st.labels, annotations: st.annotations };
        log.info('pod sandbox started', { pod: podFullName(pod), sandbox: id.slice(0, 12), ip: st.network?.ip, attempt, ms: clock.now() - t0 });
        waiting.clear();
      } catch (e) {
        for (const c of pod.spec.containers) waiting.set(c.name, { reason: 'ContainerCreating', message: `failed to create pod sandbox: ${messageOf(e)}` });
        log.warn('creating the pod sandbox failed', { pod: podFullName(pod), error: messageOf(e) });
        later(RETRY_MS);
        return this.#report(uid, pod, undefined, false, requeue);
      }
    }

    if (sandbox && sandboxConfig && !finished) {
      // A hostNetwork pod's IPs are the node's (upstream); the runtime reports none for it.
      const podIPs = pod.spec.hostNetwork ? this.cfg.hostIPs : await this.#podIPs(sandbox.id);
      const start = async (c: ContainerSpec, attempt: number): Promise<boolean> => {
        const ok = await this.#startContainer(pod, c, attempt, sandbox!.id, sandboxConfig!, podIPs, volumes, waiting);
        if (!ok && waiting.get(c.name)?.reason === 'PostStartHookError') later(50);
        return ok;
      };
      const decide = async (c: ContainerSpec, latest: Container | undefined, init: boolean): Promise<'running' | 'done' | 'failed' | 'waiting'> => {
        if (!latest) return (await start(c, 0)) ? 'running' : (later(RETRY_MS), 'waiting');
        if (latest.state === 'CONTAINER_RUNNING') {
          waiting.delete(c.name);
          const failure = this.#prober.failure(latest.id);
          if (!failure) return 'running';
          const probe = c.livenessProbe?.terminationGracePeriodSeconds ?? c.startupProbe?.terminationGracePeriodSeconds;
          await stopContainerGracefully(this.deps, { containerId: latest.id, spec: c, podName: podFullName(pod), podIP: this.#podIP(podIPs), graceSeconds: probe ?? this.#grace(pod), reason: failure });
          later(50);
          return 'waiting';
        }
        if (latest.state === 'CONTAINER_CREATED') {
          await runtime.startContainer(latest.id).catch((e: unknown) => waiting.set(c.name, waitingFor(e, 'RunContainerError')));
          return 'running';
        }
        const s = await this.#status(latest.id);
        const code = s?.exit_code ?? -1;
        if (init && code === 0) return 'done';
        if (policy === 'Never' || (policy === 'OnFailure' && code === 0)) return code === 0 ? 'done' : 'failed';
        const finishedAt = s ? Number(BigInt(s.finished_at || '0') / 1_000_000n) : clock.now();
        const d = this.#backoff.next(`${uid}/${c.name}`, clock.now(), finishedAt);
        if (!d.restart) {
          waiting.set(c.name, { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(d.backoffMs / 1000)}s restarting failed container=${c.name} pod=${podFullName(pod)}` });
          later(d.waitMs);
          return 'waiting';
        }
        const attempt = (s ? restartCountOf(s) : (latest.metadata?.attempt ?? 0)) + 1;
        return (await start(c, attempt)) ? 'running' : (later(RETRY_MS), 'waiting');
      };
      let initDone = true;
      for (const c of pod.spec.initContainers ?? []) {
        const r = await decide(c, latestByName.get(c.name), true);
        if (r !== 'done') {
          initDone = false;
          break;
        }
      }
      if (initDone) for (const c of pod.spec.containers) await decide(c, latestByName.get(c.name), false);
    } else if (finished) {
      // Everything ran to completion: release the sandbox (and its IP), keep the containers for logs.
      for (const s of rt.sandboxes) if (s.state === 'SANDBOX_READY') await runtime.stopPodSandbox(s.id).catch(() => undefined);
    }
    return this.#report(uid, pod, sandbox?.id ?? rt.sandboxes[0]?.id, sandbox !== undefined && !finished, requeue);
  }

  async #podIPs(sandboxId: string): Promise<readonly string[]> {
    const cached = this.#sandboxIPs.get(sandboxId);
    if (cached) return cached;
    const st = await this.deps.runtime.podSandboxStatus(sandboxId);
    const ips = st.network?.ip ? [st.network.ip, ...st.network.additional_ips.map((a) => a.ip)] : [];
    if (st.state === 'SANDBOX_READY') this.#sandboxIPs.set(sandboxId, ips);
    return ips;
  }

  async #ensureImage(c: ContainerSpec, pod?: Pod): Promise<void> {
    const image = c.image ?? '';
    const present = await this.deps.images.imageStatus(image);
    const policy = c.imagePullPolicy ?? (image.endsWith(':latest') || !/:[^/]+$/.test(image) ? 'Always' : 'IfNotPresent');
    if (present && policy !== 'Always') return;
    if (!present && policy === 'Never') throw new KubeletError('image', `Container image "${image}" is not present with pull policy of Never`, { reason: 'ErrImageNeverPull' });
    try {
      await pullWithCredentials(this.deps.images, image, (pod && (await this.deps.pullCredentials?.(pod, image))) ?? []);
    } catch (e) {
      // With no registry reachable, an image that is present is good enough even under Always.
      if (present) return;
      throw new KubeletError('image', `Failed to pull image "${image}": ${messageOf(e)}`, { reason: 'ErrImagePull', cause: e });
    }
  }

  async #startContainer(pod: Pod, c: ContainerSpec, attempt: number, sandboxId: string, sandboxConfig: PodSandboxConfig, podIPs: readonly string[], volumes: Map<string, string>, waiting: Map<string, Waiting>): Promise<boolean> {
    const { runtime, clock, log } = this.deps;
    const uid = String(pod.metadata.uid);
    let stage = 'ErrImagePull';
    const pullKey = `${uid}/${c.name}`;
    const blocked = this.#pullBackoff.get(pullKey);
    if (blocked && clock.now() < blocked.until) {
      waiting.set(c.name, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image ?? ''}": ${blocked.message}` });
      return false;
    }
    try {
      try {
        await this.#ensureImage(c, pod);
        this.#pullBackoff.delete(pullKey);
      } catch (e) {
        if (e instanceof KubeletError && e.reason === 'ErrImagePull') {
          // 10 s, doubling to 5 min between pulls of an image that keeps failing (upstream's back-off).
          const backoffMs = blocked ? Math.min(blocked.backoffMs * 2, 300_000) : 10_000;
          this.#pullBackoff.set(pullKey, { until: clock.now() + backoffMs, backoffMs, message: `ErrImagePull: ${messageOf(e)}` });
        }
        throw e;
      }
      stage = 'CreateContainerConfigError';
      const config = await buildContainerConfig(pod, c, attempt, {
        hostIPs: this.cfg.hostIPs,
        podIPs,
        allocatable: this.cfg.allocatable,
        serviceEnv: pod.spec.enableServiceLinks === false ? {} : this.cfg.serviceEnv,
        refs: this.deps.refs,
        volumes,
        machineMemory: this.cfg.machineMemory,
        terminationLog: terminationLogFile(this.cfg.kubeletDir, uid, c.name, attempt),
      });
      stage = 'CreateContainerError';
      const t0 = clock.now();
      const id = await runtime.createContainer(sandboxId, config, sandboxConfig);
      stage = 'RunContainerError';
      await runtime.startContainer(id);
      const hook = await runPostStart(this.deps, c, id, this.#podIP(podIPs), this.#grace(pod) || 30);
      if (hook && !hook.ok) {
        const message = `PostStartHook failed: ${hook.message.slice(0, 200)}`;
        log.warn('FailedPostStartHook', { pod: podFullName(pod), container: c.name, message });
        await stopContainerGracefully(this.deps, { containerId: id, spec: undefined, podName: podFullName(pod), podIP: this.#podIP(podIPs), graceSeconds: this.#grace(pod), reason: 'FailedPostStartHook' });
        waiting.set(c.name, { reason: 'PostStartHookError', message });
        return false;
      }
      waiting.delete(c.name);
      log.info('container started', { pod: podFullName(pod), container: c.name, id: id.slice(0, 12), attempt, ms: clock.now() - t0 });
      await this.#pruneOld(pod, c.name, id);
      return true;
    } catch (e) {
      waiting.set(c.name, waitingFor(e, stage));
      log.warn('starting a container failed', { pod: podFullName(pod), container: c.name, reason: waitingFor(e, stage).reason, error: messageOf(e) });
      return false;
    }
  }

  /** Keeps the running container and the one before it (for `logs --previous`); removes older ones. */
  async #pruneOld(pod: Pod, name: string, keepId: string): Promise<void> {
    const all = await this.deps.runtime.listContainers({ label_selector: { 'io.kubernetes.pod.uid': String(pod.metadata.uid), 'io.kubernetes.container.name': name } });
    const old = all.filter((c) => c.id !== keepId && c.state === 'CONTAINER_EXITED').sort((a, b) => (BigInt(b.created_at) > BigInt(a.created_at) ? 1 : -1));
    for (const c of old.slice(1)) {
      await this.deps.runtime.removeContainer(c.id).catch(() => undefined);
      this.#exited.delete(c.id);
    }
  }

  async #report(uid: string, pod: Pod, sandboxId: string | undefined, sandboxReady: boolean, requeueAfterMs: number | undefined): Promise<SyncResult> {
    const containers = await this.deps.runtime.listContainers({ label_selector: { 'io.kubernetes.pod.uid': uid } });
    const byName = new Map<string, ContainerStatus[]>();
    const messages = new Map<string, string>();
    for (const c of [...containers].sort((a, b) => (BigInt(b.created_at) > BigInt(a.created_at) ? 1 : -1))) {
      const list = byName.get(containerName(c)) ?? [];
      if (list.length >= 2) continue;
      const s = await this.#status(c.id);
      if (!s) continue;
      list.push(s);
      byName.set(containerName(c), list);
      if (s.state === 'CONTAINER_EXITED') {
        const spec = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((x) => x.name === containerName(c));
        const msg = terminationMessage(spec, readTerminationMessage(this.cfg.kubeletDir, uid, containerName(c), restartCountOf(s)), s.exit_code, s.log_path);
        if (msg) messages.set(s.id, msg);
      }
    }
    const podIPs = pod.spec.hostNetwork ? this.cfg.hostIPs : sandboxId && sandboxReady ? await this.#podIPs(sandboxId) : (pod.status?.podIPs ?? []).map((p) => p.ip);
    this.#prober.update(uid, sandboxReady ? probedContainers(pod, byName, this.#podIP(podIPs)) : []);
    const probes = { ready: (id: string) => this.#prober.ready(id), started: (id: string) => this.#prober.started(id) };
    const status = generatePodStatus(pod, { sandboxReady, podIPs, hostIPs: this.cfg.hostIPs, containers: byName, waiting: this.#waitingOf(uid), messages, nowMs: this.deps.clock.now(), probes });
    if (!semanticEqual(status, pod.status ?? {})) await this.deps.api.patchStatus(pod, status);
    return requeueAfterMs === undefined ? {} : { requeueAfterMs };
  }

  /** Stops everything of the pod within its grace period and removes it from the runtime and the node. */
  async teardown(uid: string, pod: Pod | undefined, rt: PodRuntime): Promise<void> {
    const { runtime, log } = this.deps;
    const annotated = rt.containers.map((c) => Number(c.annotations[ANNOTATION_GRACE_PERIOD])).find((n) => Number.isFinite(n));
    const grace = pod ? this.#grace(pod) : Math.min(annotated ?? 30, 30);
    const running = rt.containers.filter((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED');
    const t0 = this.deps.clock.now();
    this.#prober.removePod(uid);
    const ready = rt.sandboxes.find((s) => s.state === 'SANDBOX_READY');
    const podIP = this.#podIP(ready ? await this.#podIPs(ready.id).catch(() => []) : []);
    const specs = [...(pod?.spec.containers ?? []), ...(pod?.spec.initContainers ?? [])];
    await Promise.all(
      running.map((c) =>
        stopContainerGracefully(this.deps, { containerId: c.id, spec: c.state === 'CONTAINER_RUNNING' ? specs.find((x) => x.name === containerName(c)) : undefined, podName: pod ? podFullName(pod) : uid, podIP, graceSeconds: grace, reason: 'Killing' }),
      ),
    );
    for (const s of rt.sandboxes) {
      await runtime.stopPodSandbox(s.id).catch((e: unknown) => (isCriNotFound(e) ? undefined : log.warn('stopping a sandbox failed', { id: s.id.slice(0, 12), error: messageOf(e) })));
    }
    for (const c of rt.containers) {
      await runtime.removeContainer(c.id).catch(() => undefined);
      this.#exited.delete(c.id);
    }
    for (const s of rt.sandboxes) {
      await runtime.removePodSandbox(s.id).catch(() => undefined);
      this.#sandboxIPs.delete(s.id);
    }
    if (this.deps.podCgroups) this.deps.podCgroups.remove(pod ?? uid);
    if (pod) {
      this.deps.removeCgroup?.(podCgroupParent(this.cfg.sandbox.cgroupRoot, pod));
      fs.rmSync(podLogDirectory(this.cfg.sandbox.podLogsDir, pod), { recursive: true, force: true });
    } else {
      for (const tier of ['', '/burstable', '/besteffort']) this.deps.removeCgroup?.(`${this.cfg.sandbox.cgroupRoot}/kubepods${tier}/pod${uid}`);
      const meta = rt.sandboxes[0]?.metadata;
      if (meta) fs.rmSync(`${this.cfg.sandbox.podLogsDir}/${meta.namespace}_${meta.name}_${uid}`, { recursive: true, force: true });
    }
    removePodDir(this.cfg.kubeletDir, uid);
    this.#backoff.forgetPod(uid);
    for (const k of this.#pullBackoff.keys()) if (k.startsWith(`${uid}/`)) this.#pullBackoff.delete(k);
    this.#waiting.delete(uid);
    if (rt.containers.length + rt.sandboxes.length > 0) log.info('pod torn down', { uid, pod: pod ? podFullName(pod) : '(gone from the API)', containers: rt.containers.length, sandboxes: rt.sandboxes.length, graceSeconds: grace, ms: this.deps.clock.now() - t0 });
  }

  forget(uid: string): void {
    this.#prober.removePod(uid);
    this.#waiting.delete(uid);
    this.#backoff.forgetPod(uid);
    for (const k of this.#pullBackoff.keys()) if (k.startsWith(`${uid}/`)) this.#pullBackoff.delete(k);
  }
}
