// Protobuf wire format reading: tags, varints, fixed-width numbers and length-delimited slices.
import { ProtobufDecodeError } from './errors';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

/** A varint as read: a number while it fits 2^49 exactly, a bigint beyond. */
export type Varint = number | bigint;

export class WireReader {
  private pos: number;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  get offset(): number {
    return this.pos;
  }

  readTag(): { readonly field: number; readonly wire: number } {
    const tag = this.readVarint();
    const n = typeof tag === 'bigint' ? Number(tag) : tag;
    const field = Math.floor(n / 8);
    if (field < 1 || field > 0x1fffffff) throw new ProtobufDecodeError('bad-wire-type', `invalid field number ${field} at offset ${this.pos}`);
    return { field, wire: n % 8 };
  }

  readVarint(): Varint {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 7; i++) {
      const b = this.byte();
      result += (b & 0x7f) * multiplier;
      if ((b & 0x80) === 0) return result;
      multiplier *= 128;
    }
    // More than 49 bits: finish in bigint (int64 values, negative numbers as 10-byte varints).
    let big = BigInt(result);
    let shift = 49n;
    for (let i = 7; i < 10; i++) {
      const b = this.byte();
      big |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return big;
      shift += 7n;
    }
    throw new ProtobufDecodeError('truncated', `varint longer than 10 bytes at offset ${this.pos}`);
  }

  readBytes(): Uint8Array {
    const len = this.readVarint();
    const n = typeof len === 'bigint' ? Number(len) : len;
    if (n > this.end - this.pos) throw new ProtobufDecodeError('truncated', `length ${n} at offset ${this.pos} runs past the end of the message (${this.end - this.pos} bytes left)`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  readFixed32(): DataView {
    return this.fixed(4);
  }

  readFixed64(): DataView {
    return this.fixed(8);
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.readVarint();
        return;
      case WIRE_FIXED64:
        this.fixed(8);
        return;
      case WIRE_BYTES:
        this.readBytes();
        return;
      case WIRE_FIXED32:
        this.fixed(4);
        return;
      default:
        throw new ProtobufDecodeError('bad-wire-type', `unsupported wire type ${wire} at offset ${this.pos}; expected 0, 1, 2 or 5`);
    }
  }

  private fixed(n: number): DataView {
    if (n > this.end - this.pos) throw new ProtobufDecodeError('truncated', `fixed-width value at offset ${this.pos} runs past the end of the message`);
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, n);
    this.pos += n;
    return view;
  }

  private byte(): number {
    if (this.pos >= this.end) throw new ProtobufDecodeError('truncated', `varint at offset ${this.pos} runs past the end of the message`);
    return this.buf[this.pos++]!;
  }
}

/** A varint as a signed 64-bit JS number (precision beyond 2^53 is lost, as JSON numbers lose it). */
export function varintToInt64(v: Varint): number {
  if (typeof v === 'number') return v;
  return Number(BigInt.asIntN(64, v));
}

export function varintToInt64Big(v: Varint): bigint {
  return BigInt.asIntN(64, typeof v === 'bigint' ? v : BigInt(v));
}

/** A varint as a signed 32-bit number (negative int32 values travel sign-extended to 64 bits). */
export function varintToInt32(v: Varint): number {
  if (typeof v === 'number') return v | 0;
  return Number(BigInt.asIntN(32, v));
}

export function varintToUint32(v: Varint): number {
  if (typeof v === 'number') return v >>> 0;
  return Number(BigInt.asUintN(32, v));
}

export function varintToUint64(v: Varint): number {
  if (typeof v === 'number') return v;
  return Number(BigInt.asUintN(64, v));
}
