// The JSON text forms Go gives the apimachinery well-known types: metav1.Time (RFC 3339, whole
// seconds, UTC), metav1.MicroTime (six fraction digits) and metav1.Duration (time.Duration's
// String form, e.g. "1h0m0s", "1.5s", "300ms").
import { ProtobufDecodeError } from './errors';

const MIN_SECONDS = -62167219200n; // 0000-01-01T00:00:00Z
const MAX_SECONDS = 253402300799n; // 9999-12-31T23:59:59Z

function utcParts(seconds: bigint): string {
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    throw new ProtobufDecodeError('bad-value', `time ${seconds}s since the epoch is outside years 0-9999, which JSON times cannot express`);
  }
  const iso = new Date(Number(seconds) * 1000).toISOString(); // 2006-01-02T15:04:05.000Z
  return iso.slice(0, 19);
}

/** metav1.Time: `2006-01-02T15:04:05Z`. */
export function formatTime(seconds: bigint): string {
  return `${utcParts(seconds)}Z`;
}

/** metav1.MicroTime: `2006-01-02T15:04:05.000000Z` (nanoseconds truncated to microseconds). */
export function formatMicroTime(seconds: bigint, nanos: number): string {
  const micros = Math.floor(Math.max(0, Math.min(999_999_999, nanos)) / 1000);
  return `${utcParts(seconds)}.${String(micros).padStart(6, '0')}Z`;
}

/** `whole.fraction` of value / 10^digits, the fraction without trailing zeros (and '.' if none). */
function decimal(value: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const whole = value / scale;
  const fraction = (value % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

/** time.Duration.String() of a count of nanoseconds. */
export function formatDuration(nanos: bigint): string {
  if (nanos === 0n) return '0s';
  const sign = nanos < 0n ? '-' : '';
  const n = nanos < 0n ? -nanos : nanos;
  if (n < 1000n) return `${sign}${n}ns`;
  if (n < 1_000_000n) return `${sign}${decimal(n, 3)}µs`;
  if (n < 1_000_000_000n) return `${sign}${decimal(n, 6)}ms`;
  const totalSeconds = n / 1_000_000_000n;
  const seconds = `${decimal((totalSeconds % 60n) * 1_000_000_000n + (n % 1_000_000_000n), 9)}s`;
  const totalMinutes = totalSeconds / 60n;
  if (totalMinutes === 0n) return `${sign}${seconds}`;
  const hours = totalMinutes / 60n;
  const minutes = `${totalMinutes % 60n}m`;
  return hours === 0n ? `${sign}${minutes}${seconds}` : `${sign}${hours}h${minutes}${seconds}`;
}
