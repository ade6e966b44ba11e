// RFC 1035 messages on the wire: the header, the question, resource records (A, AAAA, CNAME, PTR,
// NS, SOA, SRV, TXT, OPT) and name compression (pointers are followed when reading and emitted
// when writing). Only what a cluster DNS server needs; unknown record data is kept as raw bytes.
import { DnsError } from './errors';

export const TYPE = Object.freeze({ A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255 });
export const CLASS_IN = 1;
export const RCODE = Object.freeze({ NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 });

export interface Question {
  /** Lower-case, without the trailing dot ('' is the root). */
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

export type RecordData =
  | { readonly kind: 'a'; readonly ip: string }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'srv'; readonly priority: number; readonly weight: number; readonly port: number; readonly target: string }
  | { readonly kind: 'soa'; readonly mname: string; readonly rname: string; readonly serial: number; readonly refresh: number; readonly retry: number; readonly expire: number; readonly minimum: number }
  | { readonly kind: 'txt'; readonly texts: readonly string[] }
  | { readonly kind: 'raw'; readonly bytes: Uint8Array };

export interface ResourceRecord {
  readonly name: string;
  readonly type: number;
  /** For OPT: the requestor's UDP payload size. */
  readonly class: number;
  readonly ttl: number;
  readonly data: RecordData;
}

export interface DnsMessage {
  readonly id: number;
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  readonly rcode: number;
  readonly questions: readonly Question[];
  readonly answers: readonly ResourceRecord[];
  readonly authority: readonly ResourceRecord[];
  readonly additional: readonly ResourceRecord[];
}

function readName(buf: Buffer, start: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = start;
  let next = -1;
  for (let hops = 0; ; hops++) {
    if (hops > 128 || pos >= buf.length) throw new DnsError('malformed', 'a name runs past the message or loops; expected RFC 1035 labels');
    const len = buf[pos]!;
    if (len === 0) {
      pos++;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new DnsError('malformed', 'a compression pointer is cut short');
      if (next < 0) next = pos + 2;
      pos = ((len & 0x3f) << 8) | buf[pos + 1]!;
      continue;
    }
    if (len > 63 || pos + 1 + len > buf.length) throw new DnsError('malformed', `a label of ${len} bytes does not fit; expected at most 63 bytes inside the message`);
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return { name: labels.join('.').toLowerCase(), next: next < 0 ? pos : next };
}

function readRecord(buf: Buffer, start: number): { rr: ResourceRecord; next: number } {
  const { name, next: p } = readName(buf, start);
  if (p + 10 > buf.length) throw new DnsError('malformed', 'a resource record header is cut short');
  const type = buf.readUInt16BE(p);
  const cls = buf.readUInt16BE(p + 2);
  const ttl = buf.readUInt32BE(p + 4);
  const len = buf.readUInt16BE(p + 8);
  const d = p + 10;
  if (d + len > buf.length) throw new DnsError('malformed', 'record data runs past the message');
  let data: RecordData;
  if (type === TYPE.A && len === 4) data = { kind: 'a', ip: [...buf.subarray(d, d + 4)].join('.') };
  else if (type === TYPE.CNAME || type === TYPE.PTR || type === TYPE.NS) data = { kind: 'name', name: readName(buf, d).name };
  else if (type === TYPE.SRV && len >= 7) data = { kind: 'srv', priority: buf.readUInt16BE(d), weight: buf.readUInt16BE(d + 2), port: buf.readUInt16BE(d + 4), target: readName(buf, d + 6).name };
  else data = { kind: 'raw', bytes: Uint8Array.from(buf.subarray(d, d + len)) };
  return { rr: { name, type, class: cls, ttl, data }, next: d + len };
}

/** Parses a whole message; throws DnsError('malformed') on anything that does not fit. */
export function parseMessage(buf: Buffer): DnsMessage {
  if (buf.length < 12) throw new DnsError('malformed', `a DNS message has a 12-byte header; got ${buf.length} bytes`);
  const flags = buf.readUInt16BE(2);
  const counts = [4, 6, 8, 10].map((o) => buf.readUInt16BE(o));
  let pos = 12;
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]!; i++) {
    const { name, next } = readName(buf, pos);
    if (next + 4 > buf.length) throw new DnsError('malformed', 'a question is cut short');
    questions.push({ name, type: buf.readUInt16BE(next), class: buf.readUInt16BE(next + 2) });
    pos = next + 4;
  }
  const sections: ResourceRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]!; i++) {
      const { rr, next } = readRecord(buf, pos);
      sections[s]!.push(rr);
      pos = next;
    }
  }
  return {
    id: buf.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    questions,
    answers: sections[0]!,
    authority: sections[1]!,
    additional: sections[2]!,
  };
}

/** Writes names with compression: every suffix written once is pointed to afterwards. */
class Writer {
  readonly #chunks: Buffer[] = [];
  #length = 0;
  readonly #names = new Map<string, number>();

  get length(): number {
    return this.#length;
  }

  bytes(b: Buffer | Uint8Array): void {
    const buf = Buffer.from(b);
    this.#chunks.push(buf);
    this.#length += buf.length;
  }

  u16(v: number): void {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v & 0xffff);
    this.bytes(b);
  }

  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    this.bytes(b);
  }

  name(name: string): void {
    const labels = name ? name.split('.') : [];
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const at = this.#names.get(suffix);
      if (at !== undefined) return this.u16(0xc000 | at);
      if (this.#length < 0x3fff) this.#names.set(suffix, this.#length);
      const label = Buffer.from(labels[i]!, 'latin1');
      if (label.length === 0 || label.length > 63) throw new DnsError('malformed', `cannot write the label ${JSON.stringify(labels[i])} of ${JSON.stringify(name)}: expected 1-63 bytes`);
      this.bytes(Buffer.from([label.length]));
      this.bytes(label);
    }
    this.bytes(Buffer.from([0]));
  }

  /** Record data with its 16-bit length in front (names inside may still be compressed). */
  withLength(write: () => void): void {
    const lenAt = this.#chunks.length;
    this.u16(0);
    const before = this.#length;
    write();
    this.#chunks[lenAt]!.writeUInt16BE(this.#length - before);
  }

  done(): Buffer {
    return Buffer.concat(this.#chunks, this.#length);
  }
}

function writeRecord(w: Writer, rr: ResourceRecord): void {
  w.name(rr.name);
  w.u16(rr.type);
  w.u16(rr.class);
  w.u32(rr.ttl);
  w.withLength(() => {
    const d = rr.data;
    switch (d.kind) {
      case 'a':
        return w.bytes(Buffer.from(d.ip.split('.').map(Number)));
      case 'name':
        return w.name(d.name);
      case 'srv':
        w.u16(d.priority);
        w.u16(d.weight);
        w.u16(d.port);
        return w.name(d.target);
      case 'soa':
        w.name(d.mname);
        w.name(d.rname);
        for (const v of [d.serial, d.refresh, d.retry, d.expire, d.minimum]) w.u32(v);
        return;
      case 'txt':
        for (const t of d.texts) {
          const b = Buffer.from(t, 'utf8').subarray(0, 255);
          w.bytes(Buffer.from([b.length]));
          w.bytes(b);
        }
        return;
      case 'raw':
        return w.bytes(d.bytes);
    }
  });
}

/** Encodes a message; with `maxBytes`, answers that do not fit are dropped and TC is set. */
export function encodeMessage(m: DnsMessage, maxBytes = 65535): Buffer {
  const build = (msg: DnsMessage) => {
    const w = new Writer();
    w.u16(msg.id);
    w.u16((msg.qr ? 0x8000 : 0) | ((msg.opcode & 0xf) << 11) | (msg.aa ? 0x0400 : 0) | (msg.tc ? 0x0200 : 0) | (msg.rd ? 0x0100 : 0) | (msg.ra ? 0x0080 : 0) | (msg.rcode & 0xf));
    for (const n of [msg.questions.length, msg.answers.length, msg.authority.length, msg.additional.length]) w.u16(n);
    for (const q of msg.questions) {
      w.name(q.name);
      w.u16(q.type);
      w.u16(q.class);
    }
    for (const rr of [...msg.answers, ...msg.authority, ...msg.additional]) writeRecord(w, rr);
    return w.done();
  };
  const full = build(m);
  if (full.length <= maxBytes) return full;
  // Keep the OPT record (EDNS) so the client learns our size; the client retries over TCP.
  return build({ ...m, tc: true, answers: [], authority: [], additional: m.additional.filter((r) => r.type === TYPE.OPT) });
}
