// Service cluster IPs out of --service-cidr (IPv4). The network and broadcast addresses are never
// handed out; the first address belongs to the `kubernetes` Service and the tenth is the cluster
// DNS default, so both are given only to whoever asks for them by value. Random allocation prefers
// the upper part of the range and leaves the lowest addresses to static requests (upstream's
// reserved band, KEP-3070).
import type { Backend } from '../../storage/backend';
import { cidrContains, intToIpv4, ipv4ToInt, parseCidr, type Ipv4Cidr } from '../../network/cidr';
import { AllocationError } from './errors';
import { MarkerRange, type Band, type MarkerOwner, type RangeMarker } from './marker-range';

export const SERVICE_IPS_PREFIX = '/registry/ranges/serviceips/';

export interface ServiceIPAllocatorConfig {
  readonly backend: Backend;
  /** e.g. 10.43.0.0/16. */
  readonly cidr: string;
  readonly now: () => number;
  readonly random?: () => number;
}

function parseIPv4(text: string): number | undefined {
  try {
    return ipv4ToInt(text);
  } catch {
    return undefined;
  }
}

/** Upstream's reserved band for static allocation: min(max(16, size/16), 256) addresses. */
export function staticBandSize(size: number): number {
  return Math.min(Math.max(16, Math.floor(size / 16)), 256);
}

export class ServiceIPAllocator {
  readonly cidrText: string;
  readonly #cidr: Ipv4Cidr;
  readonly #range: MarkerRange;
  /** First and last usable offsets (inclusive). */
  readonly #first: number;
  readonly #last: number;
  readonly #bands: readonly Band[];
  readonly #explicitOnly: ReadonlySet<number>;

  constructor(cfg: ServiceIPAllocatorConfig) {
    try {
      this.#cidr = parseCidr(cfg.cidr);
    } catch (e) {
      throw new AllocationError('invalid-config', `invalid service CIDR: ${(e as Error).message}`);
    }
    if (this.#cidr.prefix > 30) throw new AllocationError('invalid-config', `service CIDR ${cfg.cidr} is too small: expected a prefix of /30 or shorter`);
    this.cidrText = `${intToIpv4(this.#cidr.base)}/${this.#cidr.prefix}`;
    const size = this.#cidr.size;
    this.#first = 1;
    this.#last = size - 2;
    const band = Math.min(staticBandSize(size), this.#last);
    this.#bands = [
      { start: band + 1, end: this.#last + 1 },
      { start: this.#first, end: band + 1 },
    ];
    this.#explicitOnly = new Set([1, 10]);
    this.#range = new MarkerRange({
      backend: cfg.backend,
      prefix: SERVICE_IPS_PREFIX,
      size,
      format: (o) => intToIpv4(this.#cidr.base + o),
      parse: (s) => {
        const v = parseIPv4(s);
        return v === undefined ? undefined : v - this.#cidr.base;
      },
      now: cfg.now,
      random: cfg.random,
    });
  }

  /** Whether `ip` is an address this allocator hands out (inside the range, not network/broadcast). */
  contains(ip: string): boolean {
    return this.#offset(ip) !== undefined;
  }

  #offset(ip: string): number | undefined {
    const v = parseIPv4(ip);
    if (v === undefined || !cidrContains(this.#cidr, ip)) return undefined;
    const o = v - this.#cidr.base;
    return o >= this.#first && o <= this.#last ? o : undefined;
  }

  #requireOffset(ip: string): number {
    const o = this.#offset(ip);
    if (o === undefined) throw new AllocationError('not-in-range', `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidrText}`);
    return o;
  }

  /** Claims `ip` for `owner`. */
  async allocate(ip: string, owner: MarkerOwner): Promise<void> {
    const o = this.#requireOffset(ip);
    try {
      await this.#range.allocate(o, owner);
    } catch (e) {
      if (e instanceof AllocationError && e.code === 'allocated') throw new AllocationError('allocated', 'provided IP is already allocated');
      throw e;
    }
  }

  /** Checks that `ip` could be claimed now, without claiming it (dry run). */
  async check(ip: string): Promise<void> {
    if (await this.#range.isAllocated(this.#requireOffset(ip))) throw new AllocationError('allocated', 'provided IP is already allocated');
  }

  async allocateNext(owner: MarkerOwner): Promise<string> {
    const o = await this.#range.allocateNext(owner, this.#bands, (x) => this.#explicitOnly.has(x));
    return intToIpv4(this.#cidr.base + o);
  }

  async peekNext(): Promise<string> {
    return intToIpv4(this.#cidr.base + (await this.#range.peekFree(this.#bands, (x) => this.#explicitOnly.has(x))));
  }

  /** Releases `ip` if `uid` holds it; false when it did not (or it was not in range). */
  async release(ip: string, uid: string): Promise<boolean> {
    const o = this.#offset(ip);
    return o === undefined ? false : this.#range.release(o, uid);
  }

  async list(): Promise<(RangeMarker & { readonly ip: string })[]> {
    return (await this.#range.list()).map((m) => ({ ...m, ip: intToIpv4(this.#cidr.base + m.offset) }));
  }

  releaseMarker(ip: string, modRevision: number): Promise<boolean> {
    const o = this.#offset(ip);
    return o === undefined ? Promise.resolve(false) : this.#range.releaseMarker(o, modRevision);
  }
}
