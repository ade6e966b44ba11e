// Decodes a request body of Content-Type application/vnd.kubernetes.protobuf: the 4 bytes "k8s\0"
// then a runtime.Unknown envelope {typeMeta{apiVersion, kind}, raw, contentEncoding, contentType}
// whose raw holds the object's own protobuf encoding. The result is the JSON object a JSON client
// would have sent for the same Go object (kind and apiVersion first, as Go writes them).
import type { MessageFacts } from '../schema/facts';
import type { SchemaRegistry } from '../schema/schema-registry';
import { MessageDecoder } from './decode-message';
import { ProtobufDecodeError } from './errors';
import { WIRE_BYTES, WireReader } from './wire-reader';

export const PROTOBUF_MAGIC: readonly number[] = Object.freeze([0x6b, 0x38, 0x73, 0x00]);
export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

export interface DecodedProtobufObject {
  readonly apiVersion: string;
  readonly kind: string;
  /** The message the object was decoded with. */
  readonly message: MessageFacts;
  /** The object as JSON (a plain object with `kind` and `apiVersion`). */
  readonly object: Record<string, unknown>;
}

export function hasProtobufMagic(body: Uint8Array): boolean {
  return body.length >= 4 && PROTOBUF_MAGIC.every((b, i) => body[i] === b);
}

/** `apps/v1` → {group: 'apps', version: 'v1'}; `v1` → core. */
export function splitApiVersion(apiVersion: string): { readonly group: string; readonly version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

const utf8 = new TextDecoder('utf-8');

function readEnvelope(body: Uint8Array): Envelope {
  const env: Envelope = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '', contentType: '' };
  const reader = new WireReader(body, 4);
  const text = (wire: number, what: string): Uint8Array => {
    if (wire !== WIRE_BYTES) throw new ProtobufDecodeError('bad-wire-type', `envelope field ${what} arrived with wire type ${wire}; expected 2 (length-delimited)`);
    return reader.readBytes();
  };
  while (!reader.done) {
    const { field, wire } = reader.readTag();
    switch (field) {
      case 1: {
        const typeMeta = new WireReader(text(wire, 'typeMeta'));
        while (!typeMeta.done) {
          const t = typeMeta.readTag();
          if (t.wire !== WIRE_BYTES) {
            typeMeta.skip(t.wire);
            continue;
          }
          const value = utf8.decode(typeMeta.readBytes());
          if (t.field === 1) env.apiVersion = value;
          else if (t.field === 2) env.kind = value;
        }
        break;
      }
      case 2:
        env.raw = text(wire, 'raw');
        break;
      case 3:
        env.contentEncoding = utf8.decode(text(wire, 'contentEncoding'));
        break;
      case 4:
        env.contentType = utf8.decode(text(wire, 'contentType'));
        break;
      default:
        reader.skip(wire);
    }
  }
  return env;
}

function decodeAt(registry: SchemaRegistry, body: Uint8Array, depth: number): DecodedProtobufObject {
  if (!hasProtobufMagic(body)) {
    throw new ProtobufDecodeError('bad-magic', `protobuf body must start with the 4 bytes "k8s\\0" (6b 38 73 00); found ${Buffer.from(body.subarray(0, 4)).toString('hex') || 'an empty body'}`);
  }
  const env = readEnvelope(body);
  if (env.contentEncoding !== '') {
    throw new ProtobufDecodeError('unsupported-encoding', `protobuf envelope content encoding ${JSON.stringify(env.contentEncoding)} is not supported; expected none`);
  }
  if (env.kind === '' || env.apiVersion === '') {
    throw new ProtobufDecodeError('no-kind', `protobuf envelope must name apiVersion and kind; found apiVersion ${JSON.stringify(env.apiVersion)}, kind ${JSON.stringify(env.kind)}`);
  }
  const { group, version } = splitApiVersion(env.apiVersion);
  const message = registry.messageFor(group, version, env.kind);
  if (!message) {
    throw new ProtobufDecodeError('unknown-kind', `no kind ${JSON.stringify(env.kind)} is registered for version ${JSON.stringify(env.apiVersion)}`);
  }
  const decoder = new MessageDecoder(registry, { decodeEmbedded: (bytes, d) => decodeAt(registry, bytes, d).object });
  const body0 = decoder.decode(message, [env.raw], depth) as Record<string, unknown>;
  const object: Record<string, unknown> = message.typeMeta ? { kind: env.kind, apiVersion: env.apiVersion, ...body0 } : body0;
  return { apiVersion: env.apiVersion, kind: env.kind, message, object };
}

/** Decodes a `k8s\0`-prefixed protobuf request body; throws ProtobufDecodeError. */
export function decodeProtobufRequest(registry: SchemaRegistry, body: Uint8Array): DecodedProtobufObject {
  return decodeAt(registry, body, 0);
}
