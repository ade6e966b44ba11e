// The poller's ordering rules, against an in-memory log: rows are delivered only as a dense
// prefix, a missing revision is waited for (never skipped), and only compaction may open a hole.
import { afterEach, describe, expect, it } from 'vitest';
import { pollUntil } from '../../contract.test-suite';
import type { LogRow } from './log-row';
import { RevisionPoller, type PollerMessage } from './revision-poller';

function row(id: number): LogRow {
  return {
    id, name: `/k/${id}`, created: true, deleted: false, createRevision: id, prevRevision: 0, lease: 0,
    value: new Uint8Array([id & 0xff]), oldValue: null, prevLease: 0,
  };
}

describe('RevisionPoller', () => {
  let poller: RevisionPoller | undefined;
  afterEach(async () => {
    await poller?.stop();
  });

  let polls = 0;
  /** Resolves after the poller has read the log `n` more times. */
  const morePolls = (n: number): Promise<void> => {
    const target = polls + n;
    return pollUntil(async () => polls >= target, 5_000, `${n} more polls`);
  };

  function setup(log: Map<number, LogRow>, compacted: { value: number }, batchLimit = 100): PollerMessage[] {
    const got: PollerMessage[] = [];
    poller = new RevisionPoller({
      readRowsAfter: async (after, limit) => {
        polls++;
        return [...log.values()].filter((r) => r.id > after).sort((a, b) => a.id - b.id).slice(0, limit);
      },
      compactedRevision: async () => compacted.value,
      intervalMs: 5,
      batchLimit,
      onError: (err) => {
        throw err;
      },
    });
    poller.subscribe((m) => got.push(m));
    return got;
  }

  const revisions = (got: PollerMessage[]): number[] => got.flatMap((m) => (m.kind === 'events' ? m.events.map((e) => e.revision) : []));

  it('delivers the dense prefix, waits at a missing revision, and resumes when it appears', async () => {
    const log = new Map([1, 2, 4, 5].map((i) => [i, row(i)]));
    const got = setup(log, { value: 0 });
    poller!.start(0);
    await pollUntil(async () => poller!.position === 2, 5_000, 'revisions 1-2');
    // Several more polls must not skip revision 3.
    await morePolls(5);
    expect(poller!.position).toBe(2);
    expect(revisions(got)).toEqual([1, 2]);
    log.set(3, row(3));
    await pollUntil(async () => poller!.position === 5, 5_000, 'revisions 3-5');
    expect(revisions(got)).toEqual([1, 2, 3, 4, 5]);
    expect(got.every((m) => m.kind === 'events')).toBe(true);
  });

  it('pages through long runs in order', async () => {
    const log = new Map(Array.from({ length: 250 }, (_, i) => [i + 1, row(i + 1)]));
    const got = setup(log, { value: 0 }, 40);
    poller!.start(0);
    await pollUntil(async () => poller!.position === 250, 5_000, 'all 250 revisions');
    expect(revisions(got)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
  });

  it('a hole at or below the compacted revision is reported as compacted and skipped', async () => {
    // Revisions 3..7 were compacted away while the poller stood at 2; 8 is a kept row.
    const log = new Map([1, 2, 8, 9, 10].map((i) => [i, row(i)]));
    const compacted = { value: 0 };
    const got = setup(log, compacted);
    poller!.start(2);
    await morePolls(3);
    expect(got).toEqual([]);
    compacted.value = 7;
    await pollUntil(async () => poller!.position === 10, 5_000, 'revisions after the compacted hole');
    expect(got[0]).toEqual({ kind: 'compacted', compacted: 7 });
    expect(revisions(got)).toEqual([8, 9, 10]);
  });
});
