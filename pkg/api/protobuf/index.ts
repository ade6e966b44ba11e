// Public surface of the protobuf request decoder.
export { decodeProtobufRequest, hasProtobufMagic, PROTOBUF_CONTENT_TYPE, PROTOBUF_MAGIC, splitApiVersion } from './decode-request';
export type { DecodedProtobufObject } from './decode-request';
export { MessageDecoder } from './decode-message';
export { ProtobufDecodeError } from './errors';
export type { ProtobufErrorCode } from './errors';
