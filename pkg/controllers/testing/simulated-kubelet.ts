// A simulated kubelet for controller tests (a fake, product code): every pod that is not yet ready
// and not being deleted is reported Running and Ready (each container running and ready) through
// pods/status, as if a node ran it.
// No containers, no node objects; pods marked Failed/Succeeded by a test stay as they are.
import type { KubeObject } from '../../api/types';
import { asObject, objectsOf } from '../../api/validation/json';
import type { Clock } from '../../client/clock';
import { isNotFound } from '../../client/errors';
import { RESOURCES } from '../../client/resource-ref';
import type { RestClient } from '../../client/rest-client';
import { SharedInformer } from '../../client/shared-informer';
import { QueueController } from '../../controller/controller';
import { silentLogger, type Logger } from '../../log/logger';
import { isPodReady, podPhase } from '../internal/pods';

export interface SimulatedKubeletOptions {
  readonly client: RestClient;
  readonly clock: Clock;
  readonly log?: Logger;
  /** Pods this predicate rejects are left Pending (default: all pods become ready). */
  readonly accept?: (pod: KubeObject) => boolean;
  /**
   * Also finish graceful deletions of pods bound to a node (spec.nodeName), deleting them with
   * grace period 0 as a kubelet does once their containers stopped (default false).
   */
  readonly finishDeletions?: boolean;
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Runs until `signal` aborts. */
export async function runSimulatedKubelet(opts: SimulatedKubeletOptions, signal: AbortSignal): Promise<void> {
  const log = opts.log ?? silentLogger();
  const pods = new SharedInformer({ client: opts.client.resource(RESOURCES.pods), clock: opts.clock, log });
  const api = opts.client.resource(RESOURCES.pods);
  const controller = new QueueController({ name: 'simulated-kubelet', workers: 4, ctx: { clock: opts.clock, log }, informers: [pods], reconcile });
  const bound = (pod: KubeObject) => typeof asObject(pod.spec)?.nodeName === 'string' && asObject(pod.spec)?.nodeName !== '';
  const consider = (pod: KubeObject) => {
    if (!pod.metadata.deletionTimestamp && !isPodReady(pod) && podPhase(pod) === 'Pending') controller.enqueue(pod);
    if (opts.finishDeletions && pod.metadata.deletionTimestamp && bound(pod)) controller.enqueue(pod);
  };
  pods.addEventHandler({ add: consider, update: (_o, p) => consider(p) });

  async function reconcile(key: string, s: AbortSignal): Promise<void> {
    const pod = pods.indexer.get(key);
    if (pod && opts.finishDeletions && pod.metadata.deletionTimestamp && bound(pod)) {
      await api.delete(pod.metadata.namespace, String(pod.metadata.name), { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid }, signal: s }).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
      return;
    }
    if (!pod || pod.metadata.deletionTimestamp || isPodReady(pod) || podPhase(pod) !== 'Pending') return;
    if (opts.accept && !opts.accept(pod)) return;
    const now = rfc3339(opts.clock.now());
    const cond = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now });
    const containerStatuses = objectsOf(asObject(pod.spec)?.containers).map(([c]) => ({ name: c.name, image: c.image, imageID: '', containerID: `simulated://${String(c.name)}`, ready: true, started: true, restartCount: 0, state: { running: { startedAt: now } } }));
    const status = { ...(asObject(pod.status) ?? {}), phase: 'Running', startTime: now, podIP: '10.42.0.10', conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map(cond), containerStatuses };
    await api.updateStatus({ ...pod, status }, { signal: s }).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
  }

  const run = pods.run(signal);
  await Promise.all([controller.run(signal), run]);
}
