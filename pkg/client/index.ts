// pkg/client public surface: the typed REST client, its transport, watch streams and informers.
export { Backoff, type BackoffConfig } from './backoff';
export { FakeClock, settle, sleep, systemClock, type Clock } from './clock';
export * from './errors';
export * from './indexer';
export { SharedInformerFactory, type InformerFactoryConfig, type InformerOptions } from './informer-factory';
export { Reflector, type ReflectorConfig, type ReflectorSink } from './reflector';
export { RESOURCES, apiVersionOf, groupResourceName, resourcePath, type ResourceRef } from './resource-ref';
export * from './rest-client';
export { SharedInformer, type EventHandler, type SharedInformerConfig } from './shared-informer';
export { ConnectionTransport } from './connection-transport';
export { OBJECT_REFS_HEADER, ObjectChannel, objectChannelOf, type ObjectChannelCarrier } from './object-channel';
export { HttpsTransport, readText, type HttpMethod, type HttpsTransportConfig, type Transport, type TransportRequest, type TransportResponse } from './transport';
export type { WatchEvent, WatchEventType, WatchStream } from './watch-stream';
export { discoverResources, resourceForKind, type ServedResource } from './discovery';
