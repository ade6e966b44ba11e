import { describe, expect, it } from 'vitest';
import { humanDuration, timeSince } from './human-duration';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('humanDuration', () => {
  const cases: [number, string][] = [
    [-2 * s, '<invalid>'],
    [-1999, '0s'], // within the 2s skew allowance
    [-1 * s, '0s'],
    [0, '0s'],
    [999, '0s'],
    [5 * s, '5s'],
    [70 * s, '70s'],
    [119 * s, '119s'],
    [120 * s, '2m'],
    [122 * s, '2m2s'],
    [190 * s, '3m10s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m, '10m'],
    [10 * m + 30 * s, '10m'],
    [70 * m, '70m'],
    [179 * m + 59 * s, '179m'],
    [3 * h, '3h'],
    [3 * h + 5 * m, '3h5m'],
    [7 * h + 59 * m, '7h59m'],
    [8 * h + 30 * m, '8h'],
    [47 * h, '47h'],
    [48 * h, '2d'],
    [49 * h, '2d1h'],
    [5 * d, '5d'],
    [7 * d + 23 * h, '7d23h'],
    [8 * d + 2 * h, '8d'],
    [367 * d, '367d'],
    [729 * d, '729d'],
    [730 * d, '2y'],
    [365 * 2 * d + 25 * h, '2y1d'],
    [365 * 8 * d - d, '7y364d'],
    [365 * 8 * d + 2 * h, '8y'],
    [365 * 20 * d, '20y'],
  ];
  for (const [ms, want] of cases) {
    it(`${ms}ms → ${want}`, () => expect(humanDuration(ms)).toBe(want));
  }
});

describe('timeSince', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  it('reads RFC 3339 timestamps, with or without fractions', () => {
    expect(timeSince('2024-05-01T11:55:00Z', now)).toBe('5m');
    expect(timeSince('2024-05-01T11:59:59.500000Z', now)).toBe('0s');
  });
  it('prints <unknown> for a missing or bad timestamp', () => {
    expect(timeSince(undefined, now)).toBe('<unknown>');
    expect(timeSince('', now)).toBe('<unknown>');
    expect(timeSince('yesterday', now)).toBe('<unknown>');
  });
});
