// resource.Quantity: parse to an exact value (nano units, rounded up like upstream), compare, and
// print in the canonical form the API returns ("0.5" → "500m", "1024Mi" → "1Gi").

export const QUANTITY_FORMAT_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** Value × 10⁹, rounded up to the next integer when more precise. */
  readonly nanos: bigint;
  readonly format: QuantityFormat;
}

const DECIMAL_SUFFIX_EXP: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX_EXP: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const NANO = 1_000_000_000n;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Divide rounding away from zero (values more precise than a nano are rounded up in magnitude). */
function divUp(num: bigint, den: bigint): bigint {
  const q = num / den;
  return num % den === 0n ? q : num > 0n ? q + 1n : q - 1n;
}

export function parseQuantity(input: string): Quantity | undefined {
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([a-zA-Z]*)([-+]?[0-9]*)$/.exec(input.trim() === input ? input : '');
  if (!m) return undefined;
  const [, sign, intPart = '', fracPart = '', suffixLetters = '', suffixNum = ''] = m;
  if (intPart === '' && fracPart === '') return undefined;
  let format: QuantityFormat;
  let exp10 = 0;
  let exp2 = 0;
  if ((suffixLetters === 'e' || suffixLetters === 'E') && suffixNum !== '') {
    if (!/^[-+]?[0-9]+$/.test(suffixNum)) return undefined;
    format = 'DecimalExponent';
    exp10 = Number.parseInt(suffixNum, 10);
    if (Math.abs(exp10) > 1000) return undefined;
  } else {
    if (suffixNum !== '') return undefined;
    if (suffixLetters in BINARY_SUFFIX_EXP) {
      format = 'BinarySI';
      exp2 = BINARY_SUFFIX_EXP[suffixLetters]!;
    } else if (suffixLetters in DECIMAL_SUFFIX_EXP) {
      format = 'DecimalSI';
      exp10 = DECIMAL_SUFFIX_EXP[suffixLetters]!;
    } else {
      return undefined;
    }
  }
  // mantissa = digits × 10^-(fraction length); value·10⁹ = digits × 2^exp2 × 10^(exp10 + 9 - fracLen)
  const num = BigInt(`${intPart}${fracPart}` || '0') * 2n ** BigInt(exp2);
  const shift = exp10 + 9 - fracPart.length;
  let nanos: bigint;
  if (shift >= 0) nanos = num * pow10(shift);
  else nanos = divUp(num, pow10(-shift));
  if (sign === '-') nanos = -nanos;
  return { nanos, format };
}

export function isQuantity(input: unknown): boolean {
  return (typeof input === 'string' && parseQuantity(input) !== undefined) || (typeof input === 'number' && Number.isFinite(input));
}

/** Quantities arrive as strings, occasionally as JSON numbers. */
export function toQuantity(v: unknown): Quantity | undefined {
  if (typeof v === 'string') return parseQuantity(v);
  if (typeof v === 'number' && Number.isFinite(v)) return parseQuantity(String(v).replace(/e\+?/i, 'e'));
  return undefined;
}

export function compareQuantities(a: Quantity, b: Quantity): number {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

/** Round up (away from zero) to milli precision, as the API does for every ResourceList. */
export function roundUpToMilli(q: Quantity): Quantity {
  const unit = 1_000_000n;
  return { nanos: divUp(q.nanos, unit) * unit, format: q.format };
}

const DECIMAL_SUFFIXES: Array<[number, string]> = [
  [18, 'E'],
  [15, 'P'],
  [12, 'T'],
  [9, 'G'],
  [6, 'M'],
  [3, 'k'],
  [0, ''],
  [-3, 'm'],
  [-6, 'u'],
  [-9, 'n'],
];
const BINARY_SUFFIXES: Array<[number, string]> = [
  [60, 'Ei'],
  [50, 'Pi'],
  [40, 'Ti'],
  [30, 'Gi'],
  [20, 'Mi'],
  [10, 'Ki'],
];

/** The canonical text of a quantity, in its own format family. */
export function formatQuantity(q: Quantity): string {
  const { nanos } = q;
  if (nanos === 0n) return '0';
  const neg = nanos < 0n;
  const abs = neg ? -nanos : nanos;
  const sign = neg ? '-' : '';
  if (q.format === 'BinarySI' && abs >= 1024n * NANO && abs % NANO === 0n) {
    const units = abs / NANO;
    for (const [e, suffix] of BINARY_SUFFIXES) {
      const d = 2n ** BigInt(e);
      if (units % d === 0n) return `${sign}${units / d}${suffix}`;
    }
    return `${sign}${units}`;
  }
  for (const [e, suffix] of DECIMAL_SUFFIXES) {
    const d = pow10(e + 9);
    if (abs % d === 0n) {
      const mantissa = abs / d;
      if (q.format === 'DecimalExponent') return e === 0 ? `${sign}${mantissa}` : `${sign}${mantissa}e${e}`;
      return `${sign}${mantissa}${suffix}`;
    }
  }
  return `${sign}${abs}n`;
}

/** Canonical form of a quantity string after the API's milli rounding; the input when unparsable. */
export function canonicalQuantity(input: string): string {
  const q = parseQuantity(input);
  return q ? formatQuantity(roundUpToMilli(q)) : input;
}
