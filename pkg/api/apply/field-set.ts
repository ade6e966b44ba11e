// A set of field paths stored as a trie, the form managedFields record ownership in. A path is a
// member when its node is owned as a whole (a leaf, a list item, a map entry); children hold the
// deeper paths. FieldsV1 encodes it as nested objects keyed by path elements, `{}` for a member
// without children and `".": {}` (written first) for a member that also has children.
import type { JsonObject } from '../types';
import { isJsonObject } from '../patch/json-value';
import { compareElements, parseElement, serializeElement, type PathElement } from './path-element';

interface Child {
  readonly pe: PathElement;
  readonly set: FieldSet;
}

/**
 * Built with insert/descend/addMember, then never changed: set operations return sets that share
 * unchanged subtrees with their operands (and may return an operand itself).
 */
export class FieldSet {
  private readonly members = new Map<string, PathElement>();
  private readonly children = new Map<string, Child>();

  static of(paths: Iterable<readonly PathElement[]>): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Add a path (mutates; for building). The empty path (the root) is never a member. */
  insert(path: readonly PathElement[]): this {
    if (path.length === 0) return this;
    let level: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) level = level.descend(path[i] as PathElement);
    level.addMember(path[path.length - 1] as PathElement);
    return this;
  }

  /** The subtree under `pe`, created when missing (mutates; for building level by level). */
  descend(pe: PathElement): FieldSet {
    const key = serializeElement(pe);
    let child = this.children.get(key);
    if (!child) {
      child = { pe, set: new FieldSet() };
      this.children.set(key, child);
    }
    return child.set;
  }

  /** Add `pe` as a member at this level (mutates; `insert([pe])` without the path). */
  addMember(pe: PathElement): this {
    this.members.set(serializeElement(pe), pe);
    return this;
  }

  isEmpty(): boolean {
    return this.members.size === 0 && this.children.size === 0;
  }

  hasMember(pe: PathElement): boolean {
    return this.members.has(serializeElement(pe));
  }

  /** The subtree under `pe` (empty when there is none). */
  child(pe: PathElement): FieldSet {
    return this.children.get(serializeElement(pe))?.set ?? new FieldSet();
  }

  /** Whether `pe` is a member or has paths under it. */
  touches(pe: PathElement): boolean {
    const key = serializeElement(pe);
    return this.members.has(key) || this.children.has(key);
  }

  has(path: readonly PathElement[]): boolean {
    if (path.length === 0) return false;
    const [head, ...rest] = path as [PathElement, ...PathElement[]];
    return rest.length === 0 ? this.hasMember(head) : this.child(head).has(rest);
  }

  /** Path elements present at this level (members and children), in upstream's order. */
  elements(): PathElement[] {
    const all = new Map<string, PathElement>(this.members);
    for (const [k, c] of this.children) all.set(k, c.pe);
    return [...all.values()].sort(compareElements);
  }

  union(other: FieldSet): FieldSet {
    if (other.isEmpty()) return this;
    if (this.isEmpty()) return other;
    const out = new FieldSet();
    for (const s of [this, other]) for (const [k, pe] of s.members) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      out.children.set(k, o ? { pe: c.pe, set: c.set.union(o.set) } : c);
    }
    for (const [k, c] of other.children) if (!out.children.has(k)) out.children.set(k, c);
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      if (!o) continue;
      const s = c.set.intersection(o.set);
      if (!s.isEmpty()) out.children.set(k, { pe: c.pe, set: s });
    }
    return out;
  }

  /** Paths of this set that are not in `other` (membership compared path by path). */
  difference(other: FieldSet): FieldSet {
    if (other.isEmpty() || this.isEmpty()) return this;
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      if (!o) {
        out.children.set(k, c);
        continue;
      }
      const s = c.set.difference(o.set);
      if (!s.isEmpty()) out.children.set(k, { pe: c.pe, set: s });
    }
    return out;
  }

  /** Like `difference`, but a member of `other` also removes every path under it. */
  recursiveDifference(other: FieldSet): FieldSet {
    if (other.isEmpty() || this.isEmpty()) return this;
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      if (other.members.has(k)) continue;
      const o = other.children.get(k);
      if (!o) {
        out.children.set(k, c);
        continue;
      }
      const s = c.set.recursiveDifference(o.set);
      if (!s.isEmpty()) out.children.set(k, { pe: c.pe, set: s });
    }
    return out;
  }

  /** A copy where every named field with paths under it is also a member (upstream's pruning view). */
  withNamedFieldsAsMembers(): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      out.children.set(k, { pe: c.pe, set: c.set.withNamedFieldsAsMembers() });
      if (c.pe.kind === 'field') out.members.set(k, c.pe);
    }
    return out;
  }

  /** Every member path, in upstream's order. */
  paths(prefix: readonly PathElement[] = []): PathElement[][] {
    const out: PathElement[][] = [];
    for (const pe of this.elements()) {
      const key = serializeElement(pe);
      if (this.members.has(key)) out.push([...prefix, pe]);
      const c = this.children.get(key);
      if (c) out.push(...c.set.paths([...prefix, pe]));
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).isEmpty() && other.difference(this).isEmpty();
  }

  /** The FieldsV1 JSON of this set, keys in upstream's order, `"."` first. */
  toFieldsV1(): JsonObject {
    const out: JsonObject = {};
    for (const pe of this.elements()) {
      const key = serializeElement(pe);
      const c = this.children.get(key);
      if (!c || c.set.isEmpty()) {
        out[key] = {};
        continue;
      }
      out[key] = this.members.has(key) ? { '.': {}, ...c.set.toFieldsV1() } : c.set.toFieldsV1();
    }
    return out;
  }

  /** Parse FieldsV1 JSON. Throws for a value that is not FieldsV1. */
  static fromFieldsV1(json: unknown): FieldSet {
    if (!isJsonObject(json)) throw new Error('fieldsV1 must be a JSON object');
    const out = new FieldSet();
    for (const [key, value] of Object.entries(json)) {
      if (key === '.') continue;
      const pe = parseElement(key);
      if (!pe) continue;
      if (!isJsonObject(value)) throw new Error(`fieldsV1 entry ${key} must be a JSON object`);
      const sub = FieldSet.fromFieldsV1(value);
      const k = serializeElement(pe);
      if (sub.isEmpty() || Object.prototype.hasOwnProperty.call(value, '.')) out.members.set(k, pe);
      if (!sub.isEmpty()) out.children.set(k, { pe, set: sub });
    }
    return out;
  }
}
