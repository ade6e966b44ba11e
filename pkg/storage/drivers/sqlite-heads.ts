// RecentHeads: the newest row of recently written or read keys, kept in memory by SqliteLog so that
// the precondition check of a write (does the key exist? is its modRevision the expected one?) and
// the read of the value it replaces (the watch event's prevKv) need no query for keys the cluster is
// busy with: a pod is created, bound and has its status written within seconds.
//
// Entries are exact, not hints: every commit replaces its key's entry (SqliteLog.noteCommitted), and
// nothing else changes a key's newest row except compaction dropping a tombstone, which calls
// dropTombstonesThrough. Values are the very buffers the writes stored (shared with the watch ring
// and the write results), so the cache mostly holds references to memory kept anyway.
//
// Two generations instead of an exact LRU list: entries go into `young`; when it reaches half the
// bounds (entries or value bytes) it becomes `old` and the previous `old` is dropped whole. Every
// operation is O(1) (evicting one by one from the front of a Map is not: V8 leaves holes that each
// eviction scans again). A key in `young` shadows its older entry in `old`.
import type { Head } from './sqlite-log';

export class RecentHeads {
  private young = new Map<string, Head>();
  private old = new Map<string, Head>();
  private youngBytes = 0;
  private oldBytes = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  /** Entries held (a key in both generations counts twice). */
  get size(): number {
    return this.young.size + this.old.size;
  }

  /** Value bytes held. */
  get bytes(): number {
    return this.youngBytes + this.oldBytes;
  }

  get(key: string): Head | undefined {
    return this.young.get(key) ?? this.old.get(key);
  }

  /** Records `head` as the key's newest row. */
  set(key: string, head: Head): void {
    const prev = this.young.get(key);
    if (prev) this.youngBytes -= sizeOf(prev);
    this.young.set(key, head);
    this.youngBytes += sizeOf(head);
    if (this.young.size * 2 >= this.maxEntries || this.youngBytes * 2 >= this.maxBytes) {
      this.old = this.young;
      this.oldBytes = this.youngBytes;
      this.young = new Map();
      this.youngBytes = 0;
    }
  }

  /** Forgets tombstones with revision <= `rev` (compaction removed them from `current`). */
  dropTombstonesThrough(rev: number): void {
    for (const [k, h] of this.young) {
      if (h.live !== 0 || h.rev > rev) continue;
      this.young.delete(k);
      // The older entry it shadowed is older still: the key has no head in memory any more.
      const o = this.old.get(k);
      if (o) {
        this.old.delete(k);
        this.oldBytes -= sizeOf(o);
      }
    }
    for (const [k, h] of this.old) {
      if (h.live === 0 && h.rev <= rev) this.old.delete(k);
    }
  }
}

function sizeOf(h: Head): number {
  return h.value ? h.value.byteLength : 0;
}
