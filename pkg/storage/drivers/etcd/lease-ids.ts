// Backend.KeyValue.lease is a TTL in seconds, while etcd stores only a lease ID on a key (and
// raises small TTLs to its minimum, so the granted TTL is not what was asked for). The driver
// therefore chooses its own lease IDs and writes the requested TTL into them:
//
//   bit 63 = 0 (positive) | bits 54..60 = 0x6b tag ('k') | bits 24..53 random | bits 0..23 TTL
//
// so any k3ts server can read a key's TTL back without a lookup. Leases made by other clients
// (no tag) are looked up once with LeaseTimeToLive and cached by the caller.

const TAG = 0x6bn;
const TAG_SHIFT = 54n;
const RANDOM_BITS = 30;
const TTL_BITS = 24n;
export const MAX_LEASE_TTL = Number((1n << TTL_BITS) - 1n);

/** A fresh lease ID (decimal int64) carrying `ttl`; `random` returns [0, 1). */
export function makeLeaseId(ttl: number, random: () => number): string {
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_LEASE_TTL) {
    throw new RangeError(`lease TTL must be a whole number of seconds from 1 to ${MAX_LEASE_TTL}, got ${ttl}`);
  }
  const r = BigInt(Math.floor(random() * 2 ** RANDOM_BITS));
  return ((TAG << TAG_SHIFT) | (r << TTL_BITS) | BigInt(ttl)).toString();
}

/** The TTL a k3ts lease ID carries, or undefined for 0 / IDs made by other etcd clients. */
export function ttlFromLeaseId(id: string): number | undefined {
  if (id === '0' || id === '') return undefined;
  let v: bigint;
  try {
    v = BigInt(id);
  } catch {
    return undefined;
  }
  if (v <= 0n || v >> TAG_SHIFT !== TAG) return undefined;
  return Number(v & ((1n << TTL_BITS) - 1n));
}
