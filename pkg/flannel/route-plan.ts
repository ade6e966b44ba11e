// Pure planning of the per-node kernel state: what every other node's lease needs (VXLAN: an onlink
// route via the node's .0 address over the VTEP, a permanent neighbour entry .0 → VTEP MAC and a
// forwarding-database entry VTEP MAC → node public IP; host-gw: a route via the node's IP), and the
// `ip -batch` / `bridge -batch` lines that turn the current state into the desired one.
import { nthAddress, parseCidr } from '../network/cidr';
import type { NodeLease } from './annotations';

export interface RouteEntry {
  readonly dst: string;
  readonly gateway: string;
}
export interface NeighborEntry {
  readonly dst: string;
  readonly lladdr: string;
}
export interface FdbEntry {
  readonly mac: string;
  readonly dst: string;
}

export interface VxlanState {
  readonly routes: readonly RouteEntry[];
  readonly neighbors: readonly NeighborEntry[];
  readonly fdb: readonly FdbEntry[];
}

export interface CommandPlan {
  /** Lines for `ip -batch -`. */
  readonly ip: readonly string[];
  /** Lines for `bridge -batch -`. */
  readonly bridge: readonly string[];
}

export const EMPTY_VXLAN: VxlanState = Object.freeze({ routes: [], neighbors: [], fdb: [] });

/** The leases other than our own that `backend` can route (same backend type, other pod range). */
export function peerLeases(leases: readonly NodeLease[], self: { node: string; podCidr: string }, backend: NodeLease['backendType']): NodeLease[] {
  return leases.filter((l) => l.node !== self.node && l.podCidr !== self.podCidr && l.backendType === backend).sort((a, b) => a.podCidr.localeCompare(b.podCidr));
}

/** The pod range's network address: the VTEP address flannel gives each node (`10.42.2.0`). */
export function vtepAddress(podCidr: string): string {
  return nthAddress(parseCidr(podCidr), 0);
}

export function desiredVxlan(peers: readonly NodeLease[]): VxlanState {
  const withMac = peers.filter((p) => p.vtepMac);
  return {
    routes: withMac.map((p) => ({ dst: p.podCidr, gateway: vtepAddress(p.podCidr) })),
    neighbors: withMac.map((p) => ({ dst: vtepAddress(p.podCidr), lladdr: p.vtepMac! })),
    fdb: withMac.map((p) => ({ mac: p.vtepMac!, dst: p.publicIp })),
  };
}

export function desiredHostGw(peers: readonly NodeLease[]): RouteEntry[] {
  return peers.map((p) => ({ dst: p.podCidr, gateway: p.publicIp }));
}

const routeKey = (r: RouteEntry) => `${r.dst} ${r.gateway}`;
const neighKey = (n: NeighborEntry) => `${n.dst} ${n.lladdr.toLowerCase()}`;
const fdbKey = (f: FdbEntry) => `${f.mac.toLowerCase()} ${f.dst}`;

function diff<T>(current: readonly T[], desired: readonly T[], key: (t: T) => string): { remove: T[]; add: T[] } {
  const want = new Set(desired.map(key));
  const have = new Set(current.map(key));
  return { remove: current.filter((c) => !want.has(key(c))), add: desired.filter((d) => !have.has(key(d))) };
}

/** Commands that make the VTEP `dev` hold exactly `desired`. Removals first, then additions. */
export function planVxlan(current: VxlanState, desired: VxlanState, dev: string): CommandPlan {
  const routes = diff(current.routes, desired.routes, routeKey);
  const neigh = diff(current.neighbors, desired.neighbors, neighKey);
  const fdb = diff(current.fdb, desired.fdb, fdbKey);
  const neighWanted = new Set(desired.neighbors.map((n) => n.dst));
  const routeWanted = new Set(desired.routes.map((r) => r.dst));
  const ip = [
    // A changed entry for the same destination is replaced, not deleted then added.
    ...routes.remove.filter((r) => !routeWanted.has(r.dst)).map((r) => `route del ${r.dst} dev ${dev}`),
    ...neigh.remove.filter((n) => !neighWanted.has(n.dst)).map((n) => `neigh del ${n.dst} dev ${dev}`),
    ...neigh.add.map((n) => `neigh replace ${n.dst} lladdr ${n.lladdr} dev ${dev} nud permanent`),
    ...routes.add.map((r) => `route replace ${r.dst} via ${r.gateway} dev ${dev} onlink`),
  ];
  const bridge = [...fdb.remove.map((f) => `fdb del ${f.mac} dev ${dev} dst ${f.dst} self`), ...fdb.add.map((f) => `fdb replace ${f.mac} dev ${dev} dst ${f.dst} self permanent`)];
  return { ip, bridge };
}

/** Commands that make the host-gw routes (pod ranges via node IPs on `dev`) exactly `desired`. */
export function planHostGw(current: readonly RouteEntry[], desired: readonly RouteEntry[], dev: string | undefined): CommandPlan {
  const d = diff(current, desired, routeKey);
  const wanted = new Set(desired.map((r) => r.dst));
  const via = (r: RouteEntry) => `via ${r.gateway}${dev ? ` dev ${dev}` : ''}`;
  return {
    ip: [...d.remove.filter((r) => !wanted.has(r.dst)).map((r) => `route del ${r.dst} via ${r.gateway}`), ...d.add.map((r) => `route replace ${r.dst} ${via(r)}`)],
    bridge: [],
  };
}
