// The outcome of one plugin call, as upstream's framework Status: a code, human reasons (the texts
// FailedScheduling events count per node) and the plugin that produced it.

export const Code = Object.freeze({
  /** The plugin ran and the pod may proceed. */
  Success: 'Success',
  /** Something broke (not the pod's fault); the pod is retried with backoff. */
  Error: 'Error',
  /** The node does not fit now; preemption may help. */
  Unschedulable: 'Unschedulable',
  /** The node does not fit and preemption cannot change that. */
  UnschedulableAndUnresolvable: 'UnschedulableAndUnresolvable',
  /** Permit: hold the pod until allowed, rejected or timed out. */
  Wait: 'Wait',
  /** PreFilter/PreScore: this plugin has nothing to do for the pod (its Filter/Score are skipped). Bind: let the next plugin bind. */
  Skip: 'Skip',
  /** The pod waits for something outside the scheduler (not retried until an event says so). */
  Pending: 'Pending',
} as const);

export type StatusCode = (typeof Code)[keyof typeof Code];

export class Status {
  /** The success status (shared; never mutated). */
  static readonly SUCCESS = Object.freeze(new Status(Code.Success));
  static readonly SKIP = Object.freeze(new Status(Code.Skip));

  constructor(
    readonly code: StatusCode,
    readonly reasons: readonly string[] = [],
    readonly plugin = '',
    readonly error?: Error,
  ) {}

  static unschedulable(...reasons: string[]): Status {
    return new Status(Code.Unschedulable, reasons);
  }

  static unresolvable(...reasons: string[]): Status {
    return new Status(Code.UnschedulableAndUnresolvable, reasons);
  }

  static error(e: unknown): Status {
    const err = e instanceof Error ? e : new Error(String(e));
    return new Status(Code.Error, [err.message], '', err);
  }

  isSuccess(): boolean {
    return this.code === Code.Success;
  }

  isSkip(): boolean {
    return this.code === Code.Skip;
  }

  isWait(): boolean {
    return this.code === Code.Wait;
  }

  /** Unschedulable, UnschedulableAndUnresolvable or Pending: the pod was turned down, not failed. */
  isRejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable || this.code === Code.Pending;
  }

  message(): string {
    return this.reasons.join(', ');
  }

  /** This status attributed to `plugin` (a copy; SUCCESS stays shared). */
  withPlugin(plugin: string): Status {
    if (this.plugin === plugin || this.code === Code.Success) return this;
    return new Status(this.code, this.reasons, plugin, this.error);
  }
}
