// The per-node filter chain compiled once per set of active Filter plugins (the scheduler's
// hottest path: every pod is filtered against hundreds of nodes).
import type { CycleState } from './cycle-state';
import type { FilterPlugin } from './interfaces';
import type { NodeInfo } from './node-info';
import type { PodInfo } from './pod-info';
import { Status } from './status';

/** Filters one node with a set of plugins (the first rejection, attributed to its plugin, wins). */
export type NodeFilter = (state: CycleState, pod: PodInfo, node: NodeInfo) => Status;

/**
 * One function running `plugins` in order. Unrolled for the usual counts so each call site sees a
 * single plugin method (the per-node loop is the scheduler's hottest path); a throw is attributed
 * to its plugin by running them once more one by one.
 */
export function composeFilters(plugins: readonly FilterPlugin[]): NodeFilter {
  const slow: NodeFilter = (state, pod, node) => {
    for (const p of plugins) {
      let s: Status;
      try {
        s = p.filter(state, pod, node);
      } catch (e) {
        return Status.error(e).withPlugin(p.name);
      }
      if (s.code !== 'Success') return s.withPlugin(p.name);
    }
    return Status.SUCCESS;
  };
  const ok = Status.SUCCESS;
  const f = plugins.map((p) => p.filter.bind(p));
  const n = plugins.map((p) => p.name);
  const guard =
    (fast: NodeFilter): NodeFilter =>
    (state, pod, node) => {
      try {
        return fast(state, pod, node);
      } catch {
        return slow(state, pod, node);
      }
    };
  switch (plugins.length) {
    case 0:
      return () => ok;
    case 1: {
      const [f0] = f as [typeof f[0]];
      return guard((s, p, x) => {
        const r = f0(s, p, x);
        return r.code === 'Success' ? ok : r.withPlugin(n[0]!);
      });
    }
    case 2: {
      const [f0, f1] = f as [typeof f[0], typeof f[0]];
      return guard((s, p, x) => {
        let r = f0(s, p, x);
        if (r.code !== 'Success') return r.withPlugin(n[0]!);
        r = f1(s, p, x);
        return r.code === 'Success' ? ok : r.withPlugin(n[1]!);
      });
    }
    case 3: {
      const [f0, f1, f2] = f as [typeof f[0], typeof f[0], typeof f[0]];
      return guard((s, p, x) => {
        let r = f0(s, p, x);
        if (r.code !== 'Success') return r.withPlugin(n[0]!);
        r = f1(s, p, x);
        if (r.code !== 'Success') return r.withPlugin(n[1]!);
        r = f2(s, p, x);
        return r.code === 'Success' ? ok : r.withPlugin(n[2]!);
      });
    }
    case 4: {
      const [f0, f1, f2, f3] = f as [typeof f[0], typeof f[0], typeof f[0], typeof f[0]];
      return guard((s, p, x) => {
        let r = f0(s, p, x);
        if (r.code !== 'Success') return r.withPlugin(n[0]!);
        r = f1(s, p, x);
        if (r.code !== 'Success') return r.withPlugin(n[1]!);
        r = f2(s, p, x);
        if (r.code !== 'Success') return r.withPlugin(n[2]!);
        r = f3(s, p, x);
        return r.code === 'Success' ? ok : r.withPlugin(n[3]!);
      });
    }
    default:
      return slow;
  }
}

