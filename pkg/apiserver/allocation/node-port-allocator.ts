// Service node ports out of --service-node-port-range (30000-32767 by default). Random allocation
// prefers the upper part of the range and leaves the lowest ports to static requests (upstream's
// reserved band, KEP-3668).
import type { Backend } from '../../storage/backend';
import { AllocationError } from './errors';
import { MarkerRange, type Band, type MarkerOwner, type RangeMarker } from './marker-range';

export const NODE_PORTS_PREFIX = '/registry/ranges/servicenodeports/';

export interface NodePortRange {
  readonly base: number;
  readonly size: number;
}

/** `30000-32767` (or a single port `30000`) → base and size. */
export function parsePortRange(text: string): NodePortRange {
  const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5}))?\s*$/.exec(text);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2] ?? m[1]) : NaN;
  if (!m || lo < 1 || hi > 65535 || hi < lo) throw new AllocationError('invalid-config', `invalid node port range "${text}": expected <low>-<high> within 1-65535`);
  return { base: lo, size: hi - lo + 1 };
}

/** Upstream's reserved band for static node ports: min(max(16, size/32), 128). */
export function staticPortBandSize(size: number): number {
  return Math.min(Math.max(16, Math.floor(size / 32)), 128);
}

export interface NodePortAllocatorConfig {
  readonly backend: Backend;
  readonly range: string;
  readonly now: () => number;
  readonly random?: () => number;
}

export class NodePortAllocator {
  readonly rangeText: string;
  readonly #range: NodePortRange;
  readonly #markers: MarkerRange;
  readonly #bands: readonly Band[];

  constructor(cfg: NodePortAllocatorConfig) {
    this.#range = parsePortRange(cfg.range);
    this.rangeText = `${this.#range.base}-${this.#range.base + this.#range.size - 1}`;
    const band = Math.min(staticPortBandSize(this.#range.size), this.#range.size);
    this.#bands = [
      { start: band, end: this.#range.size },
      { start: 0, end: band },
    ];
    this.#markers = new MarkerRange({
      backend: cfg.backend,
      prefix: NODE_PORTS_PREFIX,
      size: this.#range.size,
      format: (o) => String(this.#range.base + o),
      parse: (s) => (/^\d+$/.test(s) ? Number(s) - this.#range.base : undefined),
      now: cfg.now,
      random: cfg.random,
    });
  }

  contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.#range.base && port < this.#range.base + this.#range.size;
  }

  #requireOffset(port: number): number {
    if (!this.contains(port)) throw new AllocationError('not-in-range', `provided port is not in the valid range. The range of valid ports is ${this.rangeText}`);
    return port - this.#range.base;
  }

  async allocate(port: number, owner: MarkerOwner): Promise<void> {
    const o = this.#requireOffset(port);
    try {
      await this.#markers.allocate(o, owner);
    } catch (e) {
      if (e instanceof AllocationError && e.code === 'allocated') throw new AllocationError('allocated', 'provided port is already allocated');
      throw e;
    }
  }

  async check(port: number): Promise<void> {
    if (await this.#markers.isAllocated(this.#requireOffset(port))) throw new AllocationError('allocated', 'provided port is already allocated');
  }

  async allocateNext(owner: MarkerOwner): Promise<number> {
    return this.#range.base + (await this.#markers.allocateNext(owner, this.#bands, () => false));
  }

  async peekNext(): Promise<number> {
    return this.#range.base + (await this.#markers.peekFree(this.#bands, () => false));
  }

  async release(port: number, uid: string): Promise<boolean> {
    return this.contains(port) ? this.#markers.release(port - this.#range.base, uid) : false;
  }

  async list(): Promise<(RangeMarker & { readonly port: number })[]> {
    return (await this.#markers.list()).map((m) => ({ ...m, port: this.#range.base + m.offset }));
  }

  releaseMarker(port: number, modRevision: number): Promise<boolean> {
    return this.contains(port) ? this.#markers.releaseMarker(port - this.#range.base, modRevision) : Promise.resolve(false);
  }
}
