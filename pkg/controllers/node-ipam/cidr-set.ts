// The node subnets of a cluster CIDR (10.42.0.0/16 cut into /24s) as a set of indexes: occupy the
// ones nodes already hold, hand out the next free one after the last handed out (so a subnet just
// freed is not reused at once), release on node deletion.
import { intToIpv4, ipv4ToInt, parseCidr, type Ipv4Cidr } from '../../network/cidr';

export class CidrSet {
  readonly #cluster: Ipv4Cidr;
  readonly #maskSize: number;
  readonly #count: number;
  readonly #used = new Set<number>();
  #next = 0;

  constructor(clusterCidr: string, nodeMaskSize: number) {
    this.#cluster = parseCidr(clusterCidr);
    if (!Number.isInteger(nodeMaskSize) || nodeMaskSize < this.#cluster.prefix || nodeMaskSize > 30) {
      throw new Error(`node CIDR mask size ${nodeMaskSize} does not fit cluster CIDR ${clusterCidr}: expected /${this.#cluster.prefix}-/30`);
    }
    this.#maskSize = nodeMaskSize;
    this.#count = 2 ** (nodeMaskSize - this.#cluster.prefix);
  }

  get size(): number {
    return this.#count;
  }

  cidrAt(index: number): string {
    return `${intToIpv4(this.#cluster.base + index * 2 ** (32 - this.#maskSize))}/${this.#maskSize}`;
  }

  /** The index of a subnet of this set, undefined when `cidr` is not one. */
  indexOf(cidr: string): number | undefined {
    const m = /^([\d.]+)\/(\d+)$/.exec(cidr);
    if (!m || Number(m[2]) !== this.#maskSize) return undefined;
    let ip: number;
    try {
      ip = ipv4ToInt(m[1]!);
    } catch {
      return undefined;
    }
    const offset = ip - this.#cluster.base;
    const step = 2 ** (32 - this.#maskSize);
    if (offset < 0 || offset % step !== 0 || offset / step >= this.#count) return undefined;
    return offset / step;
  }

  occupy(index: number): void {
    this.#used.add(index);
  }

  isUsed(index: number): boolean {
    return this.#used.has(index);
  }

  /** The next free subnet index, marked used; undefined when all are taken. */
  allocateNext(): number | undefined {
    for (let i = 0; i < this.#count; i++) {
      const idx = (this.#next + i) % this.#count;
      if (this.#used.has(idx)) continue;
      this.#used.add(idx);
      this.#next = (idx + 1) % this.#count;
      return idx;
    }
    return undefined;
  }

  release(index: number): void {
    this.#used.delete(index);
  }
}
