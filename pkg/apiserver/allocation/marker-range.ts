// A range of values (service IPs, node ports) whose allocations live in the datastore as one small
// marker key per allocated value, created with create-if-absent semantics: the datastore decides
// which of several concurrent claimants (in this server or another one on the same datastore) gets
// a value, so no two objects ever hold the same one. This is the shape of upstream's IPAddress
// allocator (one object per IP) rather than its RangeAllocation bitmap, which serialises every
// allocation of a range on one key and makes concurrent creates retry against each other.
//
// What this server believes is taken is only a hint for picking candidates; a stale hint costs one
// failed create, never a duplicate.
import type { Backend, KeyValue } from '../../storage/backend';
import { isStorageError } from '../../storage/errors';
import { AllocationError } from './errors';

/** Who holds a value. */
export interface MarkerOwner {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

export interface RangeMarker {
  readonly offset: number;
  readonly owner: MarkerOwner;
  /** When the marker was written (ms since the epoch, by the writer's clock). */
  readonly createdAtMs: number;
  readonly modRevision: number;
}

/** Offsets [start, end) searched in order by allocateNext. */
export interface Band {
  readonly start: number;
  readonly end: number;
}

export interface MarkerRangeConfig {
  readonly backend: Backend;
  /** Key prefix ending in '/', e.g. `/registry/ranges/serviceips/`. */
  readonly prefix: string;
  /** Offsets are 0 … size-1. */
  readonly size: number;
  /** The key suffix naming an offset (`10.43.0.5`, `30080`). */
  readonly format: (offset: number) => string;
  /** The offset a key suffix names, undefined when it is not one of this range. */
  readonly parse: (suffix: string) => number | undefined;
  readonly now: () => number;
  readonly random?: () => number;
}

const PAGE = 1000;

export class MarkerRange {
  readonly #cfg: MarkerRangeConfig;
  /** Offsets believed taken (a hint). */
  readonly #taken = new Set<number>();
  #loaded: Promise<void> | undefined;

  constructor(cfg: MarkerRangeConfig) {
    this.#cfg = cfg;
  }

  key(offset: number): string {
    return this.#cfg.prefix + this.#cfg.format(offset);
  }

  /** Claims `offset` for `owner`; AllocationError('allocated') when someone holds it. */
  async allocate(offset: number, owner: MarkerOwner): Promise<void> {
    const value = Buffer.from(JSON.stringify({ ...owner, createdAt: new Date(this.#cfg.now()).toISOString() }));
    try {
      await this.#cfg.backend.create(this.key(offset), value);
      this.#taken.add(offset);
    } catch (e) {
      if (isStorageError(e, 'exists')) {
        this.#taken.add(offset);
        throw new AllocationError('allocated', 'already allocated');
      }
      throw e;
    }
  }

  /** Whether a marker for `offset` exists now. */
  async isAllocated(offset: number): Promise<boolean> {
    const { kv } = await this.#cfg.backend.get(this.key(offset));
    if (kv) this.#taken.add(offset);
    else this.#taken.delete(offset);
    return kv !== undefined;
  }

  /**
   * Claims a free offset from `bands`, searched in order, each from a random point onwards (with
   * wrap-around); `skip` offsets are never handed out here. AllocationError('full') when none is left.
   */
  async allocateNext(owner: MarkerOwner, bands: readonly Band[], skip: (offset: number) => boolean): Promise<number> {
    await this.#load();
    for (let pass = 0; pass < 2; pass++) {
      for (const band of bands) {
        for (const offset of this.#candidates(band, skip)) {
          try {
            await this.allocate(offset, owner);
            return offset;
          } catch (e) {
            if (e instanceof AllocationError && e.code === 'allocated') continue;
            throw e;
          }
        }
      }
      // Everything looked taken: values freed by other servers are unknown here, read them again.
      await this.reload();
    }
    throw new AllocationError('full', 'range is full');
  }

  /** A free-looking offset without claiming it (dry run). */
  async peekFree(bands: readonly Band[], skip: (offset: number) => boolean): Promise<number> {
    await this.#load();
    for (const band of bands) for (const offset of this.#candidates(band, skip)) return offset;
    throw new AllocationError('full', 'range is full');
  }

  /** Deletes the marker of `offset` if `uid` holds it (never someone else's); true when it was deleted. */
  async release(offset: number, uid: string): Promise<boolean> {
    const { kv } = await this.#cfg.backend.get(this.key(offset));
    if (!kv) {
      this.#taken.delete(offset);
      return false;
    }
    if (decodeOwner(kv)?.uid !== uid) return false;
    return this.releaseMarker(offset, kv.modRevision);
  }

  /** Deletes a marker if it is still the version seen (the repair loop's release of a leak). */
  async releaseMarker(offset: number, modRevision: number): Promise<boolean> {
    try {
      await this.#cfg.backend.delete(this.key(offset), { expectedModRevision: modRevision });
      this.#taken.delete(offset);
      return true;
    } catch (e) {
      if (isStorageError(e, 'not-found')) {
        this.#taken.delete(offset);
        return false;
      }
      if (isStorageError(e, 'conflict')) return false;
      throw e;
    }
  }

  /** Every marker in the datastore (also refreshes the hint). */
  async list(): Promise<RangeMarker[]> {
    const out: RangeMarker[] = [];
    let from: string | undefined;
    let revision: number | undefined;
    for (;;) {
      const page = await this.#cfg.backend.list(this.#cfg.prefix, { limit: PAGE, continueFrom: from, revision });
      revision = page.revision;
      for (const kv of page.kvs) {
        from = kv.key;
        const offset = this.#cfg.parse(kv.key.slice(this.#cfg.prefix.length));
        const owner = decodeOwner(kv);
        if (offset === undefined || offset < 0 || offset >= this.#cfg.size || !owner) continue;
        out.push({ offset, owner, createdAtMs: createdAt(kv), modRevision: kv.modRevision });
      }
      if (!page.more) break;
    }
    this.#taken.clear();
    for (const m of out) this.#taken.add(m.offset);
    return out;
  }

  async reload(): Promise<void> {
    await this.list();
  }

  #load(): Promise<void> {
    this.#loaded ??= this.list().then(
      () => undefined,
      (e: unknown) => {
        this.#loaded = undefined;
        throw e;
      },
    );
    return this.#loaded;
  }

  *#candidates(band: Band, skip: (offset: number) => boolean): Generator<number> {
    const width = band.end - band.start;
    if (width <= 0) return;
    const first = Math.floor((this.#cfg.random ?? Math.random)() * width);
    for (let i = 0; i < width; i++) {
      const offset = band.start + ((first + i) % width);
      if (!this.#taken.has(offset) && !skip(offset)) yield offset;
    }
  }
}

function decodeOwner(kv: KeyValue): MarkerOwner | undefined {
  try {
    const v = JSON.parse(Buffer.from(kv.value).toString('utf8')) as Record<string, unknown>;
    if (typeof v.namespace === 'string' && typeof v.name === 'string' && typeof v.uid === 'string') return { namespace: v.namespace, name: v.name, uid: v.uid };
  } catch {
    // not one of ours
  }
  return undefined;
}

function createdAt(kv: KeyValue): number {
  try {
    const v = JSON.parse(Buffer.from(kv.value).toString('utf8')) as { createdAt?: unknown };
    const t = typeof v.createdAt === 'string' ? Date.parse(v.createdAt) : NaN;
    return Number.isFinite(t) ? t : 0;
  } catch {
    return 0;
  }
}
