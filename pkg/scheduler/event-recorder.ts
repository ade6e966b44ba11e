// Events about pods (FailedScheduling, Scheduled, Preempted), written asynchronously through the
// API as core/v1 Events from "default-scheduler". Like upstream's broadcaster it never blocks
// scheduling: at most `maxQueued` events wait (more are dropped), writes are paced by a token
// bucket (kube-scheduler's default client rate, 50/s with bursts of 100) so a burst of bindings
// does not double the API server's load, warnings go before normal events, and a repeat of the
// same event on the same pod bumps the earlier one's count instead of creating another.
import type { KubeObject } from '../api/types';
import type { Clock } from '../client/clock';
import { RESOURCES } from '../client/resource-ref';
import type { RestClient } from '../client/rest-client';
import type { Logger } from '../log/logger';

export interface EventRecorderConfig {
  readonly client: RestClient;
  readonly clock: Clock;
  readonly log: Logger;
  /** reportingController / source.component (the profile's schedulerName). */
  readonly component: string;
  /** reportingInstance / source.host. */
  readonly instance: string;
  readonly maxQueued?: number;
  readonly concurrency?: number;
  /** Writes per second (default 50) and burst (default 100). */
  readonly qps?: number;
  readonly burst?: number;
}

export interface PodEvent {
  readonly pod: KubeObject;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly action: string;
  readonly message: string;
  /** reportingController / source.component when not the recorder's (the pod's scheduler profile). */
  readonly component?: string;
}

/** Upstream caps an event's note at 1 KiB. */
const NOTE_LIMIT = 1024;

function truncate(message: string): string {
  return message.length <= NOTE_LIMIT ? message : `${message.slice(0, NOTE_LIMIT - 3)}...`;
}

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface Recorded {
  name: string;
  count: number;
  firstTimestamp: string;
}

export class EventRecorder {
  #warnings: PodEvent[] = [];
  #normal: PodEvent[] = [];
  #inFlight = 0;
  #tokens: number;
  #refilledAt: number;
  #wakeup: (() => void) | undefined;
  #dropped = 0;
  readonly #seen = new Map<string, Recorded>();
  #idle: (() => void)[] = [];
  #sequence = 0;

  constructor(private readonly cfg: EventRecorderConfig) {
    this.#tokens = cfg.burst ?? 100;
    this.#refilledAt = cfg.clock.now();
  }

  get #queued(): number {
    return this.#warnings.length + this.#normal.length;
  }

  /** Takes a token if one is there; else arranges a later pump and says no. */
  #take(): boolean {
    const now = this.cfg.clock.now();
    const qps = this.cfg.qps ?? 50;
    const burst = this.cfg.burst ?? 100;
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#refilledAt) * qps) / 1000);
    this.#refilledAt = now;
    if (this.#tokens >= 1) {
      this.#tokens--;
      return true;
    }
    if (!this.#wakeup) {
      this.#wakeup = this.cfg.clock.setTimeout(
        () => {
          this.#wakeup = undefined;
          this.#pump();
        },
        Math.ceil(((1 - this.#tokens) * 1000) / qps),
      );
    }
    return false;
  }

  /** Drops what is queued and stops pacing (shutdown). */
  close(): void {
    this.#wakeup?.();
    this.#wakeup = undefined;
    this.#dropped += this.#queued;
    this.#warnings = [];
    this.#normal = [];
    this.#settleIdle();
  }

  get dropped(): number {
    return this.#dropped;
  }

  record(e: PodEvent): void {
    if (this.#queued >= (this.cfg.maxQueued ?? 1000)) {
      this.#dropped++;
      return;
    }
    (e.type === 'Warning' ? this.#warnings : this.#normal).push(e);
    this.#pump();
  }

  /** Resolves when nothing is queued or being written (tests, shutdown). */
  flushed(): Promise<void> {
    if (this.#queued === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  #settleIdle(): void {
    if (this.#queued !== 0 || this.#inFlight !== 0) return;
    const idle = this.#idle;
    this.#idle = [];
    for (const r of idle) r();
  }

  #pump(): void {
    while (this.#inFlight < (this.cfg.concurrency ?? 4) && this.#queued > 0 && this.#take()) {
      const e = this.#warnings.shift() ?? this.#normal.shift()!;
      this.#inFlight++;
      void this.#write(e)
        .catch((err: unknown) => this.cfg.log.debug('could not write event', { reason: e.reason, pod: `${e.pod.metadata.namespace}/${e.pod.metadata.name}`, error: err instanceof Error ? err.message : String(err) }))
        .finally(() => {
          this.#inFlight--;
          this.#pump();
          this.#settleIdle();
        });
    }
  }

  async #write(e: PodEvent): Promise<void> {
    const events = this.cfg.client.resource(RESOURCES.events);
    const meta = e.pod.metadata;
    const ns = String(meta.namespace ?? 'default');
    const now = this.cfg.clock.now();
    const message = truncate(e.message);
    const key = `${String(meta.uid)}\0${e.reason}\0${message}`;
    const prev = this.#seen.get(key);
    if (prev) {
      prev.count++;
      try {
        await events.patch(ns, prev.name, 'merge', { count: prev.count, lastTimestamp: rfc3339(now) });
        return;
      } catch {
        this.#seen.delete(key);
      }
    }
    // Upstream names events <object>.<unix nanoseconds in hex>; the counter keeps names unique within a millisecond.
    const name = `${String(meta.name)}.${(BigInt(now) * 1_000_000n + BigInt(this.#sequence++ % 1_000_000)).toString(16)}`;
    const stamp = rfc3339(now);
    await events.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: ns, name: meta.name, uid: meta.uid, resourceVersion: meta.resourceVersion },
      reason: e.reason,
      message,
      type: e.type,
      action: e.action,
      source: { component: e.component ?? this.cfg.component },
      reportingComponent: e.component ?? this.cfg.component,
      reportingInstance: this.cfg.instance,
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      eventTime: microTime(now),
      count: 1,
    });
    if (this.#seen.size >= 4096) this.#seen.delete(this.#seen.keys().next().value!);
    this.#seen.set(key, { name, count: 1, firstTimestamp: stamp });
  }
}
