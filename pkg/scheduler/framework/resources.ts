// Resource amounts as the scheduler counts them: CPU in millicores, everything else in whole
// units (bytes, pods, devices), as plain numbers. Quantities are parsed once per object; the
// common forms (`100m`, `2`, `512Mi`) take a fast path, the rest go through the API's exact parser.
import { toQuantity } from '../../api/validation/quantity';

export const CPU = 'cpu';
export const MEMORY = 'memory';
export const EPHEMERAL_STORAGE = 'ephemeral-storage';
export const PODS = 'pods';

/** Defaults the scoring uses for containers that request no CPU / memory (upstream's non-zero requests). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

const SUFFIX: Readonly<Record<string, number>> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const SIMPLE = /^(\d{1,15})(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/** The quantity × `scale`, rounded up (scale 1000 gives milli-units); 0 when absent or unparsable. */
export function scaledValue(q: unknown, scale: 1 | 1000): number {
  if (typeof q === 'string') {
    const m = SIMPLE.exec(q);
    if (m) {
      const n = Number(m[1]);
      const suffix = m[2] ?? '';
      if (suffix === 'm') return scale === 1000 ? n : Math.ceil(n / 1000);
      return n * SUFFIX[suffix]! * scale;
    }
  } else if (typeof q === 'number' && Number.isFinite(q)) {
    return Math.ceil(q * scale);
  }
  const parsed = toQuantity(q);
  if (!parsed) return 0;
  // nanos × scale / 1e9, rounded up.
  const num = parsed.nanos * BigInt(scale);
  const den = 1_000_000_000n;
  const v = num / den + (num % den > 0n ? 1n : 0n);
  return Number(v);
}

/** An amount of every resource kind the scheduler tracks. */
export class Resource {
  milliCPU = 0;
  memory = 0;
  ephemeralStorage = 0;
  allowedPodNumber = 0;
  /** Extended and hugepage resources by name. */
  scalars: Map<string, number> | undefined;

  static fromList(list: unknown): Resource {
    const r = new Resource();
    r.addList(list);
    return r;
  }

  /** Adds a ResourceList (`{cpu: '1', memory: '1Gi', …}`). */
  addList(list: unknown): void {
    if (!list || typeof list !== 'object') return;
    for (const [name, q] of Object.entries(list as Record<string, unknown>)) this.addNamed(name, name === CPU ? scaledValue(q, 1000) : scaledValue(q, 1));
  }

  /** Raises each resource of this to at least the ResourceList's amount. */
  maxList(list: unknown): void {
    if (!list || typeof list !== 'object') return;
    for (const [name, q] of Object.entries(list as Record<string, unknown>)) {
      const v = name === CPU ? scaledValue(q, 1000) : scaledValue(q, 1);
      if (v > this.get(name)) this.set(name, v);
    }
  }

  addNamed(name: string, v: number): void {
    this.set(name, this.get(name) + v);
  }

  get(name: string): number {
    switch (name) {
      case CPU:
        return this.milliCPU;
      case MEMORY:
        return this.memory;
      case EPHEMERAL_STORAGE:
        return this.ephemeralStorage;
      case PODS:
        return this.allowedPodNumber;
      default:
        return this.scalars?.get(name) ?? 0;
    }
  }

  set(name: string, v: number): void {
    switch (name) {
      case CPU:
        this.milliCPU = v;
        return;
      case MEMORY:
        this.memory = v;
        return;
      case EPHEMERAL_STORAGE:
        this.ephemeralStorage = v;
        return;
      case PODS:
        this.allowedPodNumber = v;
        return;
      default:
        if (!isScalarResourceName(name)) return;
        (this.scalars ??= new Map()).set(name, v);
    }
  }

  add(o: Resource, sign: 1 | -1 = 1): void {
    this.milliCPU += sign * o.milliCPU;
    this.memory += sign * o.memory;
    this.ephemeralStorage += sign * o.ephemeralStorage;
    this.allowedPodNumber += sign * o.allowedPodNumber;
    if (o.scalars) for (const [k, v] of o.scalars) (this.scalars ??= new Map()).set(k, (this.scalars.get(k) ?? 0) + sign * v);
  }

  clone(): Resource {
    const r = new Resource();
    r.milliCPU = this.milliCPU;
    r.memory = this.memory;
    r.ephemeralStorage = this.ephemeralStorage;
    r.allowedPodNumber = this.allowedPodNumber;
    if (this.scalars) r.scalars = new Map(this.scalars);
    return r;
  }

  isZero(): boolean {
    return this.milliCPU === 0 && this.memory === 0 && this.ephemeralStorage === 0 && (!this.scalars || [...this.scalars.values()].every((v) => v === 0));
  }
}

/** Extended resources (`example.com/gpu`), hugepages and attachable volumes count as scalars. */
export function isScalarResourceName(name: string): boolean {
  if (name.startsWith('hugepages-') || name.startsWith('attachable-volumes-')) return true;
  // Extended resources are fully qualified and outside the kubernetes.io domain (except requests.*).
  return name.includes('/') && !name.startsWith('kubernetes.io/') && !name.includes('.kubernetes.io/');
}
