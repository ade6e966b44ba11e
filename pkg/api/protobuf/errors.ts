// Typed protobuf decoding errors with stable codes. The API server answers all of them with
// 400 BadRequest (the body could not be decoded), except unsupported-encoding → 415.

export type ProtobufErrorCode =
  | 'bad-magic' // the body does not start with the 4 bytes "k8s\0"
  | 'truncated' // a varint, length or field runs past the end of its message
  | 'bad-wire-type' // a field's wire type does not fit its declared type
  | 'no-kind' // the envelope names no apiVersion/kind
  | 'unknown-kind' // the envelope names a kind the fact table does not know
  | 'bad-raw' // an embedded raw value (RawExtension, FieldsV1) is not JSON
  | 'bad-value' // a value JSON cannot carry (a time outside years 0–9999)
  | 'unsupported-encoding' // the envelope declares a contentEncoding (compression)
  | 'too-deep'; // messages nest deeper than any Kubernetes type does

export class ProtobufDecodeError extends Error {
  constructor(readonly code: ProtobufErrorCode, message: string) {
    super(message);
    this.name = 'ProtobufDecodeError';
  }
}
