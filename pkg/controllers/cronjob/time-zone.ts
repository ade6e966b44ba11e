// Wall clocks of IANA time zones through Intl (no tz database of our own): the wall time of an
// instant, and the instant of a wall time (the earlier one when a fall-back repeats it, none when
// a spring-forward skips it). Wall times are handled as "naive" milliseconds: the wall clock read
// as if it were UTC.

const MINUTE = 60_000;

export class TimeZone {
  readonly #fmt: Intl.DateTimeFormat;

  /** `name` is an IANA zone (`Europe/Berlin`, `UTC`); undefined = the process's local zone. */
  constructor(name?: string) {
    this.#fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
  }

  get name(): string {
    return this.#fmt.resolvedOptions().timeZone;
  }

  /** The wall clock at `ms`, as naive milliseconds (whole seconds). */
  wall(ms: number): number {
    const parts: Record<string, string> = {};
    for (const p of this.#fmt.formatToParts(new Date(ms))) parts[p.type] = p.value;
    let year = Number(parts.year);
    if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
    const d = new Date(0);
    d.setUTCFullYear(year, Number(parts.month) - 1, Number(parts.day));
    d.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second), 0);
    return d.getTime();
  }

  /** Offset from UTC at `ms` (wall − instant), in milliseconds. */
  offset(ms: number): number {
    return this.wall(Math.floor(ms / 1000) * 1000) - Math.floor(ms / 1000) * 1000;
  }

  /** The earliest instant whose wall clock reads `naive`, or undefined when that wall time does not exist. */
  instant(naive: number): number | undefined {
    const candidates = new Set<number>();
    // Offsets in force a little before and after cover both sides of any transition.
    for (const probe of [naive - 14 * 60 * MINUTE, naive, naive + 14 * 60 * MINUTE]) {
      const guess = naive - this.offset(probe);
      candidates.add(guess);
      candidates.add(naive - this.offset(guess));
    }
    let best: number | undefined;
    for (const c of candidates) if (this.wall(c) === naive && (best === undefined || c < best)) best = c;
    return best;
  }

  /** RFC 3339 with this zone's offset (`Z` for zero), as Go's time.RFC3339 prints a time in a location. */
  format(ms: number): string {
    const s = Math.floor(ms / 1000) * 1000;
    const wall = new Date(this.wall(s)).toISOString().replace(/\.\d{3}Z$/, '');
    const off = Math.round(this.offset(s) / MINUTE);
    if (off === 0) return `${wall}Z`;
    const a = Math.abs(off);
    return `${wall}${off < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
  }
}
