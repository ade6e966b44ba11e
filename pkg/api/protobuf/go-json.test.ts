import { describe, expect, it } from 'vitest';
import { ProtobufDecodeError } from './errors';
import { formatDuration, formatMicroTime, formatTime } from './go-json';

describe('Go JSON forms of the well-known types', () => {
  it('formats durations as time.Duration.String does', () => {
    const cases: Array<[bigint, string]> = [
      [0n, '0s'],
      [1n, '1ns'],
      [1500n, '1.5µs'],
      [2_000_000n, '2ms'],
      [300_500_000n, '300.5ms'],
      [1_000_000_000n, '1s'],
      [1_500_000_000n, '1.5s'],
      [60_000_000_000n, '1m0s'],
      [3_600_000_000_000n, '1h0m0s'],
      [3_723_000_000_000n, '1h2m3s'],
      [-90_000_000_000n, '-1m30s'],
      [-1500n, '-1.5µs'],
    ];
    for (const [nanos, text] of cases) expect(formatDuration(nanos)).toBe(text);
  });
  it('formats times in UTC with whole seconds and micro times with six digits', () => {
    expect(formatTime(0n)).toBe('1970-01-01T00:00:00Z');
    expect(formatTime(1700000000n)).toBe('2023-11-14T22:13:20Z');
    expect(formatMicroTime(1700000000n, 5000)).toBe('2023-11-14T22:13:20.000005Z');
    expect(formatMicroTime(1700000000n, 999)).toBe('2023-11-14T22:13:20.000000Z');
  });
  it('refuses times JSON cannot express', () => {
    expect(() => formatTime(253402300800n)).toThrow(ProtobufDecodeError);
  });
});
