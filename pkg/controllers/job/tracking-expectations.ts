// Finalizer-removal expectations (upstream's uidTrackingExpectations): the pod UIDs whose tracking
// finalizer a job's sync removed but whose update the pod informer has not shown yet. Until it
// has, the cached pod still carries the finalizer and must not be counted a second time.
export class TrackingExpectations {
  readonly #uids = new Map<string, Set<string>>();

  get(jobKey: string): ReadonlySet<string> {
    return this.#uids.get(jobKey) ?? new Set();
  }

  expectRemoved(jobKey: string, uids: readonly string[]): void {
    if (!uids.length) return;
    let set = this.#uids.get(jobKey);
    if (!set) this.#uids.set(jobKey, (set = new Set()));
    for (const u of uids) set.add(u);
  }

  observed(jobKey: string, uid: string | undefined): void {
    const set = this.#uids.get(jobKey);
    if (!set || uid === undefined) return;
    set.delete(uid);
    if (set.size === 0) this.#uids.delete(jobKey);
  }

  delete(jobKey: string): void {
    this.#uids.delete(jobKey);
  }
}
