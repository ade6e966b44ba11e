// pkg/apiserver/loopback: in-process connections to the API server for embedded components.
export { userOfCertificatePem } from './certificate-identity';
export { LoopbackServer, loopbackUserOf } from './loopback-server';
export { LoopbackSocket } from './loopback-socket';
