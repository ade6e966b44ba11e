// Leader election on a coordination.k8s.io/v1 Lease, with upstream's timings: a candidate takes
// the lease once its holder has not renewed it for the lease's own leaseDurationSeconds (the
// holder's setting, 15 s by default — not the candidate's); the leader renews every
// retryPeriod (2 s) and steps down when it could not renew for renewDeadline (10 s), which is
// before anyone else may take over. Only durations measured on the local clock are compared, never
// timestamps written by another machine.
//
// "Not renewed since" is measured from when this candidate saw the lease record change. The change
// happened between the previous read and this one; we date it at the earlier of the two, but never
// more than 1.25 × retryPeriod back — so a dead leader is replaced within leaseDuration of its last
// renewal, while a live one (which steps down 10 s after its last successful renewal) always
// gets at least 12.5 s.
import type { KubeObject } from '../api/types';
import { sleep, type Clock } from '../client/clock';
import { childSignal, deadline } from '../client/deadline';
import { isAlreadyExists, isConflict, isNotFound } from '../client/errors';
import { RESOURCES } from '../client/resource-ref';
import type { RestClient } from '../client/rest-client';
import type { Logger } from '../log/logger';

export interface LeaderElectionConfig {
  readonly client: RestClient;
  readonly clock: Clock;
  readonly log: Logger;
  readonly namespace: string;
  readonly name: string;
  /** This candidate's identity (holderIdentity when it leads). */
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /** Hand the lease back on a clean stop so a successor need not wait for it to expire (default true). */
  readonly releaseOnStop?: boolean;
  readonly random?: () => number;
}

export interface LeaderCallbacks {
  /** Runs while this candidate leads; `signal` aborts when leadership ends. */
  onStartedLeading(signal: AbortSignal): Promise<void> | void;
  onStoppedLeading?(): void;
  /** Called whenever the observed holder changes (including to this candidate). */
  onNewLeader?(identity: string): void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

type Lease = KubeObject & { spec?: LeaseSpec };

/** metav1.MicroTime text: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const JITTER = 1.2;

export class LeaderElector {
  readonly #leaseDuration: number;
  readonly #renewDeadline: number;
  readonly #retry: number;
  #observed: string | undefined;
  #observedHolder = '';
  #observedAt = 0;
  /** The observed record's own leaseDurationSeconds (ms), which other candidates honour. */
  #observedDuration = 0;
  #lastReadAt: number | undefined;
  #leading = false;

  constructor(private readonly cfg: LeaderElectionConfig) {
    this.#leaseDuration = cfg.leaseDurationMs ?? 15_000;
    this.#renewDeadline = cfg.renewDeadlineMs ?? 10_000;
    this.#retry = cfg.retryPeriodMs ?? 2_000;
    if (!(this.#leaseDuration > this.#renewDeadline && this.#renewDeadline > this.#retry * JITTER)) {
      throw new Error(`leader election needs leaseDuration > renewDeadline > ${JITTER} × retryPeriod; got ${this.#leaseDuration}, ${this.#renewDeadline}, ${this.#retry} ms`);
    }
  }

  isLeader(): boolean {
    return this.#leading;
  }

  /** The holder last observed ('' when none). */
  get leader(): string {
    return this.#observedHolder;
  }

  /** Campaigns, leads, and campaigns again after losing the lease, until `signal` aborts. */
  async run(signal: AbortSignal, cb: LeaderCallbacks): Promise<void> {
    while (!signal.aborted) {
      if (!(await this.#acquire(signal, cb))) break;
      const { controller: term, dispose } = childSignal(signal);
      this.#leading = true;
      this.cfg.log.info('became leader', { lease: `${this.cfg.namespace}/${this.cfg.name}`, identity: this.cfg.identity });
      const leading = Promise.resolve()
        .then(() => cb.onStartedLeading(term.signal))
        .catch((e: unknown) => this.cfg.log.error('leader work failed', { error: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
      await this.#renewLoop(term.signal);
      dispose();
      this.#leading = false;
      term.abort();
      if (!signal.aborted) this.cfg.log.warn('lost leadership', { lease: `${this.cfg.namespace}/${this.cfg.name}`, identity: this.cfg.identity });
      await leading;
      cb.onStoppedLeading?.();
      if (signal.aborted && (this.cfg.releaseOnStop ?? true)) await this.#release();
    }
  }

  async #acquire(signal: AbortSignal, cb: LeaderCallbacks): Promise<boolean> {
    while (!signal.aborted) {
      const prevHolder = this.#observedHolder;
      let ok = false;
      const limit = deadline(signal, this.#renewDeadline);
      try {
        ok = await this.#tryAcquireOrRenew(limit.signal);
      } catch (e) {
        if (!signal.aborted) this.cfg.log.warn('leader election: reading the lease failed', { error: e instanceof Error ? e.message : String(e) });
      } finally {
        limit.dispose();
      }
      if (this.#observedHolder !== prevHolder && this.#observedHolder) cb.onNewLeader?.(this.#observedHolder);
      if (ok) return true;
      // Try again after the retry period, or right when the current holder's lease runs out.
      let wait = this.#retry * (1 + (JITTER - 1) * (this.cfg.random ?? Math.random)());
      if (this.#observedHolder && this.#observedHolder !== this.cfg.identity) {
        const expiresIn = this.#observedAt + this.#observedDuration - this.cfg.clock.now();
        if (expiresIn >= 0 && expiresIn < wait) wait = expiresIn + 1;
      }
      await sleep(this.cfg.clock, wait, signal);
    }
    return false;
  }

  async #renewLoop(signal: AbortSignal): Promise<void> {
    let lastRenew = this.cfg.clock.now();
    while (!signal.aborted) {
      await sleep(this.cfg.clock, this.#retry, signal);
      if (signal.aborted) return;
      const started = this.cfg.clock.now();
      const left = lastRenew + this.#renewDeadline - started;
      if (left <= 0) return;
      let ok = false;
      const limit = deadline(signal, left);
      try {
        ok = await this.#tryAcquireOrRenew(limit.signal);
      } catch (e) {
        if (!signal.aborted) this.cfg.log.warn('leader election: renewing the lease failed', { error: e instanceof Error ? e.message : String(e) });
      } finally {
        limit.dispose();
      }
      if (ok) lastRenew = started;
      else if (this.#observedHolder !== this.cfg.identity) return;
      if (this.cfg.clock.now() - lastRenew >= this.#renewDeadline) return;
    }
  }

  /** One round: read the lease, take or renew it when allowed. True when this candidate holds it now. */
  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const leases = this.cfg.client.resource<Lease>(RESOURCES.leases);
    const readAt = this.cfg.clock.now();
    const durationSeconds = Math.round(this.#leaseDuration / 1000);
    let lease: Lease;
    try {
      lease = await leases.get(this.cfg.namespace, this.cfg.name, { signal });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      const spec: LeaseSpec = { holderIdentity: this.cfg.identity, leaseDurationSeconds: durationSeconds, acquireTime: microTime(readAt), renewTime: microTime(readAt), leaseTransitions: 0 };
      try {
        const created = await leases.create({ metadata: { name: this.cfg.name, namespace: this.cfg.namespace }, spec }, { signal });
        this.#observe(created.spec ?? spec, readAt, true);
        return true;
      } catch (ce) {
        if (isAlreadyExists(ce)) return false;
        throw ce;
      }
    }
    const spec = lease.spec ?? {};
    this.#observe(spec, readAt, false);
    const holder = spec.holderIdentity ?? '';
    const now = this.cfg.clock.now();
    if (holder && holder !== this.cfg.identity && this.#observedAt + this.#observedDuration > now) return false;
    const mine = holder === this.cfg.identity;
    const next: LeaseSpec = {
      ...spec,
      holderIdentity: this.cfg.identity,
      leaseDurationSeconds: durationSeconds,
      renewTime: microTime(now),
      acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(now),
      leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
    };
    try {
      const updated = await leases.update({ ...lease, spec: next }, { signal });
      this.#observe(updated.spec ?? next, now, true);
      return true;
    } catch (e) {
      if (isConflict(e)) return false;
      throw e;
    }
  }

  #observe(spec: LeaseSpec, readAt: number, ownWrite: boolean): void {
    const text = JSON.stringify([spec.holderIdentity ?? '', spec.renewTime ?? '', spec.acquireTime ?? '', spec.leaseDurationSeconds ?? 0]);
    if (text !== this.#observed) {
      const prevRead = this.#lastReadAt;
      const floor = readAt - this.#retry * 1.25;
      this.#observedAt = ownWrite || prevRead === undefined || this.#observed === undefined ? readAt : Math.max(prevRead, floor);
      this.#observed = text;
      this.#observedHolder = spec.holderIdentity ?? '';
      const seconds = spec.leaseDurationSeconds;
      this.#observedDuration = typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : this.#leaseDuration;
    }
    this.#lastReadAt = readAt;
  }

  /** Gives the lease up (holder cleared) if this candidate still holds it. */
  async #release(): Promise<void> {
    const leases = this.cfg.client.resource<Lease>(RESOURCES.leases);
    try {
      const signal = AbortSignal.timeout(this.#retry * 2);
      const lease = await leases.get(this.cfg.namespace, this.cfg.name, { signal });
      if (lease.spec?.holderIdentity !== this.cfg.identity) return;
      const now = microTime(this.cfg.clock.now());
      await leases.update({ ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now } }, { signal });
      this.#observedHolder = '';
      this.cfg.log.info('released the lease', { lease: `${this.cfg.namespace}/${this.cfg.name}` });
    } catch (e) {
      this.cfg.log.warn('could not release the lease', { error: e instanceof Error ? e.message : String(e) });
    }
  }
}
