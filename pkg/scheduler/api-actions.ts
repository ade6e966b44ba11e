// The scheduler's writes through the API: bindings, the PodScheduled condition and
// nominatedNodeName on pods/status, and preemption (DisruptionTarget condition, then delete).
import type { KubeObject } from '../api/types';
import type { Clock } from '../client/clock';
import { isNotFound } from '../client/errors';
import { RESOURCES, resourcePath } from '../client/resource-ref';
import type { RestClient } from '../client/rest-client';
import type { Logger } from '../log/logger';
import type { EventRecorder } from './event-recorder';
import type { ClusterActions, VolumeWriter } from './framework/interfaces';
import { VOLUME_RESOURCES } from './volume-resources';
import type { PodInfo } from './framework/pod-info';

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

type Json = Record<string, unknown>;

function conditionOf(pod: KubeObject, type: string): Json | undefined {
  const conds = (pod.status as { conditions?: unknown } | undefined)?.conditions;
  return Array.isArray(conds) ? (conds.find((c) => (c as Json)?.type === type) as Json | undefined) : undefined;
}

/**
 * Bindings in flight at once. The REST client keeps 16 idle connections alive; more concurrent
 * requests would open (and then drop) fresh TLS connections, which costs far more than waiting.
 */
export const MAX_CONCURRENT_BINDINGS = 16;

export class ApiActions implements ClusterActions, VolumeWriter {
  #binding = 0;
  #waiting: (() => void)[] = [];

  constructor(
    private readonly client: RestClient,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly events: EventRecorder,
  ) {}

  async bind(pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<void> {
    if (this.#binding >= MAX_CONCURRENT_BINDINGS) await new Promise<void>((r) => this.#waiting.push(r));
    this.#binding++;
    try {
      await this.#bind(pod, nodeName, signal);
    } finally {
      this.#binding--;
      this.#waiting.shift()?.();
    }
  }

  async #bind(pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<void> {
    const body = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: pod.name, namespace: pod.namespace, uid: pod.uid },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    };
    await this.client.request({ method: 'POST', path: resourcePath(RESOURCES.pods, pod.namespace, pod.name, 'binding'), body: JSON.stringify(body), signal });
  }

  /**
   * PodScheduled=False with the reason and message (and the nominated node when given), written
   * only when something changed, as upstream's updatePod.
   */
  async markUnschedulable(pod: KubeObject, reason: string, message: string, nominatedNodeName: string | undefined): Promise<void> {
    const prev = conditionOf(pod, 'PodScheduled');
    const nominatedNow = String((pod.status as Json | undefined)?.nominatedNodeName ?? '');
    const conditionSame = prev?.status === 'False' && prev.reason === reason && prev.message === message;
    const nominationSame = nominatedNodeName === undefined || nominatedNodeName === nominatedNow;
    if (conditionSame && nominationSame) return;
    const lastTransitionTime = prev?.status === 'False' && typeof prev.lastTransitionTime === 'string' ? prev.lastTransitionTime : rfc3339(this.clock.now());
    const status: Json = { conditions: [{ type: 'PodScheduled', status: 'False', reason, message, lastTransitionTime }] };
    if (!nominationSame) status.nominatedNodeName = nominatedNodeName || null;
    await this.#patchStatus(pod.metadata.namespace ?? '', String(pod.metadata.name), { status });
  }

  setNominatedNodeName(pod: PodInfo, nodeName: string): void {
    void this.#patchStatus(pod.namespace, pod.name, { status: { nominatedNodeName: nodeName || null } }).catch((e: unknown) =>
      this.log.debug('could not update nominatedNodeName', { pod: pod.key, error: e instanceof Error ? e.message : String(e) }),
    );
  }

  preemptVictim(victim: PodInfo, preemptor: PodInfo, nodeName: string): void {
    void this.#preempt(victim, preemptor, nodeName).catch((e: unknown) => this.log.warn('could not preempt pod', { pod: victim.key, error: e instanceof Error ? e.message : String(e) }));
  }

  async #preempt(victim: PodInfo, preemptor: PodInfo, nodeName: string): Promise<void> {
    const message = `${preemptor.schedulerName}: preempting to accommodate a higher priority pod`;
    try {
      await this.#patchStatus(victim.namespace, victim.name, {
        status: { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message, lastTransitionTime: rfc3339(this.clock.now()) }] },
      });
    } catch (e) {
      if (isNotFound(e)) return;
      this.log.debug('could not mark the preemption victim', { pod: victim.key, error: e instanceof Error ? e.message : String(e) });
    }
    try {
      await this.client.resource(RESOURCES.pods).delete(victim.namespace, victim.name, { preconditions: { uid: victim.uid } });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    this.log.info('preempted pod', { pod: victim.key, preemptor: preemptor.key, node: nodeName });
    this.events.record({ pod: victim.pod, type: 'Normal', reason: 'Preempted', action: 'Preempting', message: `Preempted by pod ${preemptor.uid} on node ${nodeName}`, component: preemptor.schedulerName });
  }

  /** PreBind of a static volume: the PV names the claim in spec.claimRef (a conflict fails the binding). */
  async bindVolume(pv: KubeObject, claim: KubeObject, signal: AbortSignal): Promise<void> {
    const claimRef = { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion };
    const annotations = { ...(pv.metadata.annotations ?? {}), 'pv.kubernetes.io/bound-by-controller': 'yes' };
    await this.client.resource(VOLUME_RESOURCES.volumes).update({ ...pv, metadata: { ...pv.metadata, annotations }, spec: { ...((pv.spec as Json | undefined) ?? {}), claimRef } }, { signal });
  }

  /** PreBind of a claim to provision: `volume.kubernetes.io/selected-node` names the node. */
  async selectNode(claim: KubeObject, nodeName: string, signal: AbortSignal): Promise<void> {
    const patch = { metadata: { resourceVersion: claim.metadata.resourceVersion, annotations: { 'volume.kubernetes.io/selected-node': nodeName } } };
    await this.client.resource(VOLUME_RESOURCES.claims).patch(claim.metadata.namespace, String(claim.metadata.name), 'merge', patch, { signal });
  }

  async #patchStatus(namespace: string, name: string, patch: Json): Promise<void> {
    await this.client.resource(RESOURCES.pods).patch(namespace, name, 'strategic', patch, { subresource: 'status' });
  }
}
