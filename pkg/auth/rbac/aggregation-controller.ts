// ClusterRole aggregation: a ClusterRole with an aggregationRule holds the union of the rules of
// every ClusterRole whose labels match one of its selectors. Level-triggered: any ClusterRole change
// queues every aggregating role's name, and reconciling a name recomputes its rules from the cache.
import type { KubeObject } from '../../api/types';
import { labelSelectorMatches } from '../../api/validation/labels';
import type { Logger } from '../../log/logger';
import type { ReadonlyCache } from '../cache/store-cache';
import { ruleToJson, sameRule, type PolicyRule } from './policy-rule';
import type { RoleView } from './rbac-objects';

/** What the controller needs to write a ClusterRole (Store satisfies it). */
export interface ClusterRoleWriter {
  update(namespace: undefined, name: string, mutate: (current: KubeObject | undefined) => KubeObject, opts: { retryOnConflict: boolean }): Promise<unknown>;
}

export interface AggregationControllerOptions {
  readonly log: Logger;
  /** Delay before retrying a failed reconcile (default 1 s). */
  readonly retryDelayMs?: number;
  readonly setTimer?: (fn: () => void, ms: number) => { unref?(): void };
}

/** The rules `role` should hold: those of the roles its selectors pick, in name order, without duplicates. */
export function aggregatedRules(role: RoleView, all: Iterable<RoleView>): PolicyRule[] {
  const selectors = role.aggregationSelectors ?? [];
  const picked = [...all].filter((r) => r.name !== role.name && selectors.some((s) => labelSelectorMatches(s, r.labels))).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: PolicyRule[] = [];
  for (const r of picked) for (const rule of r.rules) if (!out.some((o) => sameRule(o, rule))) out.push(rule);
  return out;
}

export class AggregationController {
  private readonly queue = new Set<string>();
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly cache: ReadonlyCache<RoleView>,
    private readonly writer: ClusterRoleWriter,
    private readonly opts: AggregationControllerOptions,
  ) {}

  /** Watch the cache: every change queues all aggregating roles. */
  start(): () => void {
    return this.cache.subscribe(() => this.enqueueAll());
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.queue.clear();
    return this.running ?? Promise.resolve();
  }

  enqueueAll(): void {
    for (const r of this.cache.values()) if (r.aggregationSelectors) this.enqueue(r.name);
  }

  private enqueue(name: string): void {
    if (this.stopped) return;
    this.queue.add(name);
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  private async drain(): Promise<void> {
    // Let a burst of cache events collapse into one pass.
    await Promise.resolve();
    while (this.queue.size > 0 && !this.stopped) {
      const name = this.queue.values().next().value as string;
      this.queue.delete(name);
      try {
        await this.reconcile(name);
      } catch (e) {
        this.opts.log.warn('ClusterRole aggregation failed; retrying', { clusterRole: name, error: e instanceof Error ? e.message : String(e) });
        const timer = (this.opts.setTimer ?? setTimeout)(() => this.enqueue(name), this.opts.retryDelayMs ?? 1000);
        timer.unref?.();
      }
    }
  }

  /** Writes the role's aggregated rules if they differ from the cached ones; returns what it wrote. */
  async reconcile(name: string): Promise<readonly PolicyRule[] | undefined> {
    const role = this.cache.get(name);
    if (!role?.aggregationSelectors) return undefined;
    const want = aggregatedRules(role, this.cache.values());
    if (sameRules(want, role.rules)) return undefined;
    await this.writer.update(undefined, name, (current) => {
      if (!current) throw new Error(`clusterrole ${name} disappeared`);
      return { ...current, rules: want.map(ruleToJson) };
    }, { retryOnConflict: true });
    this.opts.log.debug('aggregated ClusterRole rules', { clusterRole: name, rules: want.length });
    return want;
  }

  /**
   * Reconciles every aggregating role until none changes (roles aggregating aggregated roles, such
   * as admin ← edit ← view, take a round each), waiting for the cache to show each write. Used at
   * start-up so that the server serves complete roles from its first request.
   */
  async settle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const written = new Map<string, readonly PolicyRule[]>();
      for (const r of [...this.cache.values()]) {
        const rules = await this.reconcile(r.name);
        if (rules) written.set(r.name, rules);
      }
      if (written.size === 0) return;
      const caughtUp = () => [...written].every(([name, rules]) => sameRules(rules, this.cache.get(name)?.rules ?? []));
      await new Promise<void>((resolve, reject) => {
        if (caughtUp()) return resolve();
        const timer = setTimeout(() => {
          off();
          reject(new Error(`ClusterRole aggregation did not settle within ${timeoutMs} ms`));
        }, Math.max(0, deadline - Date.now()));
        const off = this.cache.subscribe(() => {
          if (!caughtUp()) return;
          clearTimeout(timer);
          off();
          resolve();
        });
      });
    }
  }
}

function sameRules(a: readonly PolicyRule[], b: readonly PolicyRule[]): boolean {
  return a.length === b.length && a.every((r, i) => sameRule(r, b[i]!));
}
