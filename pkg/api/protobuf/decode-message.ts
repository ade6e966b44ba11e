// Decodes the protobuf encoding of a Kubernetes object into the JSON value Go's encoding/json would
// produce for the same Go struct, so that a protobuf request body and its JSON twin become the same
// object: field numbers map to JSON names via the fact table; omitempty zero values are dropped;
// pointer fields keep explicit zeros (`replicas: 0` survives, as it is a *int32 that was set);
// absent slices/maps/pointers without omitempty are null; non-pointer structs are always present;
// bytes become base64; the well-known types take their JSON text forms.
import type { FieldFacts, MapValueType, MessageFacts, ScalarType } from '../schema/facts';
import type { SchemaRegistry } from '../schema/schema-registry';
import { ProtobufDecodeError } from './errors';
import { formatDuration, formatMicroTime, formatTime } from './go-json';
import type { Varint } from './wire-reader';
import {
  varintToInt32,
  varintToInt64,
  varintToUint32,
  varintToUint64,
  WIRE_BYTES,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_VARINT,
  WireReader,
} from './wire-reader';

/** Kubernetes types nest far less deeply than this; deeper input is hostile. */
const MAX_DEPTH = 64;

/** A field Go's encoding/json leaves out. */
const OMIT = Symbol('omit');

type ScalarValue = string | number | boolean | Uint8Array;

interface Slot {
  /** Scalars in wire order (repeated fields keep all, singular ones use the last). */
  readonly scalars: ScalarValue[];
  /** Chunks of a message field: items of a repeated one, or parts merged into a singular one. */
  readonly chunks: Uint8Array[];
  /** Map entries, last write wins. */
  readonly entries: Map<string, ScalarValue | Uint8Array[]>;
}

export interface DecodeHooks {
  /** Decodes a nested `k8s\0`-prefixed protobuf object held in a RawExtension. */
  readonly decodeEmbedded?: (bytes: Uint8Array, depth: number) => unknown;
}

const utf8 = new TextDecoder('utf-8');

function wireTypeOf(scalar: ScalarType): number {
  switch (scalar) {
    case 'string':
    case 'bytes':
      return WIRE_BYTES;
    case 'double':
      return WIRE_FIXED64;
    case 'float':
      return WIRE_FIXED32;
    default:
      return WIRE_VARINT;
  }
}

function readScalar(reader: WireReader, scalar: ScalarType): ScalarValue {
  switch (scalar) {
    case 'string':
      return utf8.decode(reader.readBytes());
    case 'bytes':
      return reader.readBytes().slice();
    case 'bool':
      return varintIsNonZero(reader.readVarint());
    case 'int32':
      return varintToInt32(reader.readVarint());
    case 'int64':
      return varintToInt64(reader.readVarint());
    case 'uint32':
      return varintToUint32(reader.readVarint());
    case 'uint64':
      return varintToUint64(reader.readVarint());
    case 'double':
      return reader.readFixed64().getFloat64(0, true);
    case 'float':
      return reader.readFixed32().getFloat32(0, true);
  }
}

function varintIsNonZero(v: Varint): boolean {
  return typeof v === 'bigint' ? v !== 0n : v !== 0;
}

function zeroOf(scalar: ScalarType): ScalarValue {
  switch (scalar) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'bytes':
      return new Uint8Array(0);
    default:
      return 0;
  }
}

function isEmpty(v: ScalarValue): boolean {
  if (v instanceof Uint8Array) return v.length === 0;
  return v === '' || v === 0 || v === false;
}

function scalarJson(v: ScalarValue): string | number | boolean {
  return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : v;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  return Uint8Array.from(Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength))));
}

function mismatch(message: MessageFacts, field: FieldFacts, wire: number): ProtobufDecodeError {
  return new ProtobufDecodeError('bad-wire-type', `field ${field.number} (${field.jsonName}) of ${message.name} arrived with wire type ${wire}, which does not fit its type`);
}

export class MessageDecoder {
  constructor(
    private readonly registry: SchemaRegistry,
    private readonly hooks: DecodeHooks = {},
  ) {}

  /** The JSON value of a message instance; `chunks` undefined means the field was absent. */
  decode(message: MessageFacts, chunks: readonly Uint8Array[] | undefined, depth = 0): unknown {
    if (depth > MAX_DEPTH) throw new ProtobufDecodeError('too-deep', `messages nest deeper than ${MAX_DEPTH} levels`);
    const bytes = chunks && chunks.length > 0 ? concat(chunks) : undefined;
    switch (message.shape) {
      case 'object':
        return this.object(message, bytes, depth);
      case 'time': {
        if (!bytes || bytes.length === 0) return null;
        const slots = this.collect(message, bytes);
        return formatTime(this.int64Big(slots, 1));
      }
      case 'micro-time': {
        if (!bytes || bytes.length === 0) return null;
        const slots = this.collect(message, bytes);
        const nanos = slots.get(2)?.scalars.at(-1);
        return formatMicroTime(this.int64Big(slots, 1), typeof nanos === 'number' ? nanos : 0);
      }
      case 'duration': {
        const slots = bytes ? this.collect(message, bytes) : new Map<number, Slot>();
        return formatDuration(this.int64Big(slots, 1));
      }
      case 'quantity': {
        const s = bytes ? this.collect(message, bytes).get(1)?.scalars.at(-1) : undefined;
        return typeof s === 'string' && s !== '' ? s : '0';
      }
      case 'int-or-string': {
        const slots = bytes ? this.collect(message, bytes) : new Map<number, Slot>();
        const type = slots.get(1)?.scalars.at(-1);
        if (type === 1) {
          const s = slots.get(3)?.scalars.at(-1);
          return typeof s === 'string' ? s : '';
        }
        const n = slots.get(2)?.scalars.at(-1);
        return typeof n === 'number' ? n : 0;
      }
      case 'raw-json':
        return this.rawJson(message, bytes, depth);
      case 'list-wrapper': {
        const inner = message.fields[0];
        if (!inner || !bytes) return [];
        const slot = this.collect(message, bytes).get(inner.number);
        return this.listItems(inner, slot, depth);
      }
    }
  }

  private int64Big(slots: Map<number, Slot>, n: number): bigint {
    const v = slots.get(n)?.scalars.at(-1);
    return typeof v === 'number' ? BigInt(Math.trunc(v)) : 0n;
  }

  private rawJson(message: MessageFacts, bytes: Uint8Array | undefined, depth: number): unknown {
    const rawField = message.fields.find((f) => f.jsonName.toLowerCase() === 'raw' && f.type.kind === 'scalar' && f.type.scalar === 'bytes');
    if (!rawField || !bytes) return null;
    const raw = this.collect(message, bytes).get(rawField.number)?.scalars.at(-1);
    if (!(raw instanceof Uint8Array) || raw.length === 0) return null;
    if (raw.length >= 4 && raw[0] === 0x6b && raw[1] === 0x38 && raw[2] === 0x73 && raw[3] === 0x00 && this.hooks.decodeEmbedded) {
      return this.hooks.decodeEmbedded(raw, depth + 1);
    }
    try {
      return JSON.parse(utf8.decode(raw)) as unknown;
    } catch (err) {
      throw new ProtobufDecodeError('bad-raw', `${message.name} holds ${raw.length} bytes that are neither JSON nor a protobuf object: ${(err as Error).message}`);
    }
  }

  private object(message: MessageFacts, bytes: Uint8Array | undefined, depth: number): Record<string, unknown> {
    const slots = bytes ? this.collect(message, bytes) : new Map<number, Slot>();
    const out: Record<string, unknown> = {};
    const direct = new Set(message.fields.filter((f) => !f.inline && !f.jsonSkip).map((f) => f.jsonName));
    for (const f of message.fields) {
      if (f.jsonSkip) continue;
      const slot = slots.get(f.number);
      if (f.inline && f.type.kind === 'message') {
        const inner = this.decode(this.registry.requireMessage(f.type.ref), slot?.chunks, depth + 1);
        if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
          for (const [k, v] of Object.entries(inner)) if (!direct.has(k) && !(k in out)) out[k] = v;
        }
        continue;
      }
      const value = this.fieldValue(f, slot, depth);
      if (value !== OMIT) out[f.jsonName] = value;
    }
    return out;
  }

  private fieldValue(f: FieldFacts, slot: Slot | undefined, depth: number): unknown {
    const t = f.type;
    if (t.kind === 'map') {
      if (!slot || slot.entries.size === 0) return f.omitEmpty ? OMIT : null;
      const obj: Record<string, unknown> = {};
      for (const [k, v] of slot.entries) obj[k] = this.mapValue(t.value, v, depth);
      return obj;
    }
    if (f.repeated) {
      const n = t.kind === 'message' ? (slot?.chunks.length ?? 0) : (slot?.scalars.length ?? 0);
      if (n === 0) return f.omitEmpty ? OMIT : null;
      return this.listItems(f, slot, depth);
    }
    if (t.kind === 'scalar') {
      const present = slot !== undefined && slot.scalars.length > 0;
      if (t.scalar === 'bytes') {
        if (!present) return f.omitEmpty ? OMIT : null; // a nil []byte
        const v = slot!.scalars.at(-1)!;
        return f.omitEmpty && isEmpty(v) ? OMIT : scalarJson(v);
      }
      if (f.pointer) return present ? scalarJson(slot!.scalars.at(-1)!) : f.omitEmpty ? OMIT : null;
      const v = present ? slot!.scalars.at(-1)! : zeroOf(t.scalar);
      return f.omitEmpty && isEmpty(v) ? OMIT : scalarJson(v);
    }
    const present = slot !== undefined && slot.chunks.length > 0;
    if (f.pointer && !present) return f.omitEmpty ? OMIT : null;
    return this.decode(this.registry.requireMessage(t.ref), present ? slot!.chunks : undefined, depth + 1);
  }

  private listItems(f: FieldFacts, slot: Slot | undefined, depth: number): unknown[] {
    const t = f.type;
    if (t.kind === 'message') {
      const m = this.registry.requireMessage(t.ref);
      return (slot?.chunks ?? []).map((c) => this.decode(m, [c], depth + 1));
    }
    return (slot?.scalars ?? []).map(scalarJson);
  }

  private mapValue(t: MapValueType, v: ScalarValue | Uint8Array[], depth: number): unknown {
    if (t.kind === 'scalar') return scalarJson(Array.isArray(v) ? zeroOf(t.scalar) : v);
    return this.decode(this.registry.requireMessage(t.ref), Array.isArray(v) ? v : undefined, depth + 1);
  }

  private collect(message: MessageFacts, bytes: Uint8Array): Map<number, Slot> {
    const slots = new Map<number, Slot>();
    const slotOf = (n: number): Slot => {
      let s = slots.get(n);
      if (!s) {
        s = { scalars: [], chunks: [], entries: new Map() };
        slots.set(n, s);
      }
      return s;
    };
    const reader = new WireReader(bytes);
    while (!reader.done) {
      const { field: number, wire } = reader.readTag();
      const f = message.fields.find((x) => x.number === number);
      if (!f) {
        reader.skip(wire); // unknown fields are dropped, as upstream's generated code does
        continue;
      }
      const t = f.type;
      if (t.kind === 'message') {
        if (wire !== WIRE_BYTES) throw mismatch(message, f, wire);
        slotOf(number).chunks.push(reader.readBytes());
        continue;
      }
      if (t.kind === 'map') {
        if (wire !== WIRE_BYTES) throw mismatch(message, f, wire);
        const [k, v] = this.mapEntry(message, f, t.key, t.value, reader.readBytes());
        slotOf(number).entries.set(k, v);
        continue;
      }
      const expected = wireTypeOf(t.scalar);
      if (wire === expected) {
        slotOf(number).scalars.push(readScalar(reader, t.scalar));
      } else if (wire === WIRE_BYTES && f.repeated && expected !== WIRE_BYTES) {
        const packed = reader.readBytes();
        const inner = new WireReader(packed);
        const slot = slotOf(number);
        while (!inner.done) slot.scalars.push(readScalar(inner, t.scalar));
      } else {
        throw mismatch(message, f, wire);
      }
    }
    return slots;
  }

  private mapEntry(message: MessageFacts, f: FieldFacts, keyType: ScalarType, valueType: MapValueType, bytes: Uint8Array): [string, ScalarValue | Uint8Array[]] {
    const reader = new WireReader(bytes);
    let key: ScalarValue = zeroOf(keyType);
    let value: ScalarValue | Uint8Array[] = valueType.kind === 'scalar' ? zeroOf(valueType.scalar) : [];
    while (!reader.done) {
      const { field, wire } = reader.readTag();
      if (field === 1) {
        if (wire !== wireTypeOf(keyType)) throw mismatch(message, f, wire);
        key = readScalar(reader, keyType);
      } else if (field === 2) {
        if (valueType.kind === 'scalar') {
          if (wire !== wireTypeOf(valueType.scalar)) throw mismatch(message, f, wire);
          value = readScalar(reader, valueType.scalar);
        } else {
          if (wire !== WIRE_BYTES) throw mismatch(message, f, wire);
          value = [...(Array.isArray(value) ? value : []), reader.readBytes()];
        }
      } else {
        reader.skip(wire);
      }
    }
    return [String(scalarJson(key)), value];
  }
}
