// Which peer holds what, learned from the Kubernetes API: every agent with the mirror on keeps three
// annotations on its own Node (written by node-advertiser.ts) — its mirror URL, its inventory
// (image names → digests, and every digest it holds) and a heartbeat renewed every 10 s. The
// directory watches Nodes and offers a peer only while its heartbeat is younger than the TTL (20 s),
// so a node that leaves without saying so stops being offered within 30 s; one that stops cleanly
// removes its annotations at once. Node annotations were chosen over one ConfigMap or Lease per node
// because the agent's controller identity may already read and patch Nodes (no new RBAC), a deleted
// Node takes its advertisement with it, and the watch every peer needs is a single one.
import type { KubeObject } from '../api/types';
import type { Clock } from '../client/clock';

export const ANN_ENDPOINT = 'mirror.k3ts.io/endpoint';
export const ANN_INVENTORY = 'mirror.k3ts.io/inventory';
export const ANN_HEARTBEAT = 'mirror.k3ts.io/heartbeat';
export const HEARTBEAT_INTERVAL_MS = 10_000;
/** Two missed heartbeats: a node that vanishes is dropped 20 s after its last one at most. */
export const HEARTBEAT_TTL_MS = 20_000;

interface PeerEntry {
  readonly endpoint: string;
  readonly refs: ReadonlyMap<string, string>;
  readonly digests: ReadonlySet<string>;
  readonly heartbeat: number;
}

export interface Peer {
  readonly node: string;
  readonly endpoint: string;
}

function parseEntry(node: KubeObject): PeerEntry | undefined {
  const ann = node.metadata.annotations ?? {};
  const endpoint = ann[ANN_ENDPOINT];
  const heartbeat = Date.parse(ann[ANN_HEARTBEAT] ?? '');
  if (!endpoint || !Number.isFinite(heartbeat)) return undefined;
  let inv: { refs?: unknown; digests?: unknown };
  try {
    inv = JSON.parse(ann[ANN_INVENTORY] ?? '{}') as typeof inv;
  } catch {
    return undefined;
  }
  const refs = new Map<string, string>();
  if (inv.refs && typeof inv.refs === 'object') for (const [k, v] of Object.entries(inv.refs)) if (typeof v === 'string') refs.set(k, v);
  const digests = new Set<string>(Array.isArray(inv.digests) ? inv.digests.filter((d): d is string => typeof d === 'string') : []);
  return { endpoint, refs, digests, heartbeat };
}

export class PeerDirectory {
  readonly #peers = new Map<string, PeerEntry>();

  constructor(private readonly cfg: { readonly self: string; readonly clock: Clock; readonly ttlMs?: number }) {}

  /** A Node was added or changed. */
  update(node: KubeObject): void {
    const name = String(node.metadata.name);
    if (name === this.cfg.self) return;
    const e = parseEntry(node);
    if (e) this.#peers.set(name, e);
    else this.#peers.delete(name);
  }

  remove(node: KubeObject): void {
    this.#peers.delete(String(node.metadata.name));
  }

  #live(): [string, PeerEntry][] {
    const now = this.cfg.clock.now();
    const ttl = this.cfg.ttlMs ?? HEARTBEAT_TTL_MS;
    return [...this.#peers].filter(([, e]) => now - e.heartbeat < ttl);
  }

  /** Live peers holding the image name, with the digest each advertises for it; shuffled. */
  withImage(name: string): (Peer & { readonly digest: string })[] {
    return shuffle(this.#live().flatMap(([node, e]) => (e.refs.has(name) ? [{ node, endpoint: e.endpoint, digest: e.refs.get(name)! }] : [])));
  }

  /** Live peers holding the digest; shuffled. */
  withDigest(digest: string): Peer[] {
    return shuffle(this.#live().flatMap(([node, e]) => (e.digests.has(digest) ? [{ node, endpoint: e.endpoint }] : [])));
  }

  /** Names of the peers currently offered. */
  livePeers(): string[] {
    return this.#live().map(([n]) => n).sort();
  }
}

function shuffle<T>(a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
