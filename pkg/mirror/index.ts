// pkg/mirror: the embedded distributed registry mirror (K3s's embedded Spegel).
export { MirrorError, type MirrorErrorCode } from './errors';
export { ContainerdContentStore, type ContentStore, type ImageRecord } from './content-store';
export { ImageInventory, type Inventory } from './image-inventory';
export { ANN_ENDPOINT, ANN_HEARTBEAT, ANN_INVENTORY, HEARTBEAT_INTERVAL_MS, HEARTBEAT_TTL_MS, PeerDirectory, type Peer } from './peer-directory';
export { NodeAdvertiser } from './node-advertiser';
export { FORWARDED_HEADER, createRegistryHandler, type PeerRequest } from './registry-handler';
export { parseOciRequest, parseRange, imageName } from './oci-request';
export { streamVerified } from './verified-stream';
export { MIRROR_PORT, peerRequester, startMirror, type MirrorConfig, type MirrorDeps, type MirrorTls, type RunningMirror } from './start-mirror';
export { localMirrorHost, startAgentMirror, type AgentMirrorInput } from './agent-mirror';
export { MemoryContentStore } from './memory-content-store';
