// A thin typed layer over @grpc/grpc-js for the etcd v3 calls the driver makes: unary KV/Lease
// calls and the bidirectional Watch stream, with messages typed as the decoded objects
// proto-loader produces (keepCase, int64 as decimal strings, bytes as Buffer, enums as names).
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { fromJSON, type MethodDefinition, type PackageDefinition } from '@grpc/proto-loader';
import { InvalidEndpointError, UnavailableError } from '../../errors';
import { ETCD_PROTO } from './etcd-proto';

export type Int64 = string;

export interface PbKeyValue {
  readonly key: Buffer;
  readonly create_revision: Int64;
  readonly mod_revision: Int64;
  readonly version: Int64;
  readonly value: Buffer;
  readonly lease: Int64;
}
export interface PbHeader {
  readonly revision: Int64;
}
export interface PbRangeResponse {
  readonly header: PbHeader;
  readonly kvs: readonly PbKeyValue[];
  readonly more: boolean;
  readonly count: Int64;
}
export interface PbPutResponse {
  readonly header: PbHeader;
  readonly prev_kv: PbKeyValue | null;
}
export interface PbDeleteRangeResponse {
  readonly header: PbHeader;
  readonly deleted: Int64;
  readonly prev_kvs: readonly PbKeyValue[];
}
export interface PbTxnResponse {
  readonly header: PbHeader;
  readonly succeeded: boolean;
  readonly responses: ReadonlyArray<{
    readonly response_range?: PbRangeResponse | null;
    readonly response_put?: PbPutResponse | null;
    readonly response_delete_range?: PbDeleteRangeResponse | null;
  }>;
}
export interface PbEvent {
  readonly type: 'PUT' | 'DELETE';
  readonly kv: PbKeyValue | null;
  readonly prev_kv: PbKeyValue | null;
}
export interface PbWatchResponse {
  readonly header: PbHeader | null;
  readonly watch_id: Int64;
  readonly created: boolean;
  readonly canceled: boolean;
  readonly compact_revision: Int64;
  readonly cancel_reason: string;
  readonly events: readonly PbEvent[];
}
export interface PbLeaseGrantResponse {
  readonly header: PbHeader;
  readonly ID: Int64;
  readonly TTL: Int64;
  readonly error: string;
}
export interface PbLeaseTimeToLiveResponse {
  readonly header: PbHeader;
  readonly TTL: Int64;
  readonly grantedTTL: Int64;
}

interface UnaryCalls {
  'KV/Range': PbRangeResponse;
  'KV/Put': PbPutResponse;
  'KV/DeleteRange': PbDeleteRangeResponse;
  'KV/Txn': PbTxnResponse;
  'KV/Compact': { readonly header: PbHeader };
  'Lease/LeaseGrant': PbLeaseGrantResponse;
  'Lease/LeaseRevoke': { readonly header: PbHeader };
  'Lease/LeaseTimeToLive': PbLeaseTimeToLiveResponse;
}
export type UnaryMethod = keyof UnaryCalls;
const READS: ReadonlySet<UnaryMethod> = new Set<UnaryMethod>(['KV/Range', 'Lease/LeaseTimeToLive']);
export type UnaryResponse<M extends UnaryMethod> = UnaryCalls[M];

export interface EtcdTlsFiles {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

function loadDefinitions(): PackageDefinition {
  return fromJSON(ETCD_PROTO, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
}

function lookup(defs: PackageDefinition, name: string): MethodDefinition<object, object> {
  const [service, rpc] = name.split('/') as [string, string];
  const svc = defs[`etcdserverpb.${service}`] as Record<string, MethodDefinition<object, object>> | undefined;
  const m = svc?.[rpc];
  if (!m) throw new Error(`etcd proto descriptor has no method ${name}`);
  return m;
}

/** host:port for grpc-js, and whether the URL asks for TLS. */
export function parseEndpoint(endpoint: string): { target: string; tls: boolean } {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `etcd://${endpoint}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new InvalidEndpointError(endpoint, 'expected http://host:port, https://host:port, etcd://host:port or host:port');
  }
  if (!['http:', 'https:', 'etcd:', 'etcds:'].includes(u.protocol)) {
    throw new InvalidEndpointError(endpoint, `expected scheme http, https or etcd, got ${u.protocol.slice(0, -1)}`);
  }
  if (!u.hostname) throw new InvalidEndpointError(endpoint, 'expected a host name');
  return { target: `${u.hostname}:${u.port || '2379'}`, tls: u.protocol === 'https:' || u.protocol === 'etcds:' };
}

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
};

/** gRPC clients for each endpoint; calls go to the current one and fail over on UNAVAILABLE. */
export class EtcdRpc {
  private readonly clients: grpc.Client[];
  private readonly defs = loadDefinitions();
  private current = 0;

  constructor(endpoints: readonly string[], tls: EtcdTlsFiles | undefined, private readonly timeoutMs: number) {
    if (endpoints.length === 0) throw new InvalidEndpointError('', 'expected at least one etcd endpoint');
    const parsed = endpoints.map(parseEndpoint);
    const useTls = tls !== undefined || parsed.some((p) => p.tls);
    const creds = useTls
      ? grpc.credentials.createSsl(
          tls?.caFile ? readFileSync(tls.caFile) : null,
          tls?.keyFile ? readFileSync(tls.keyFile) : null,
          tls?.certFile ? readFileSync(tls.certFile) : null,
        )
      : grpc.credentials.createInsecure();
    this.clients = parsed.map((p) => new grpc.Client(p.target, creds, CHANNEL_OPTIONS));
  }

  /**
   * One unary call. On UNAVAILABLE the next call goes to the next endpoint; reads (which are
   * safe to repeat) are retried there at once, writes are not (they may have been applied).
   */
  async unary<M extends UnaryMethod>(name: M, request: object): Promise<UnaryCalls[M]> {
    const m = lookup(this.defs, name);
    const attempts = READS.has(name) ? this.clients.length : 1;
    for (let attempt = 1; ; attempt++) {
      const index = this.current;
      try {
        return await this.once<UnaryCalls[M]>(this.clients[index]!, m, request);
      } catch (err) {
        if (!isGrpcError(err) || err.code !== grpc.status.UNAVAILABLE) throw err;
        this.failover(index);
        if (attempt >= attempts) throw err;
      }
    }
  }

  private once<R>(client: grpc.Client, m: MethodDefinition<object, object>, request: object): Promise<R> {
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        m.path,
        m.requestSerialize,
        m.responseDeserialize,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + this.timeoutMs },
        (err, res) => (err ? reject(err) : resolve(res as R)),
      );
    });
  }

  watch(): grpc.ClientDuplexStream<object, PbWatchResponse> {
    const m = lookup(this.defs, 'Watch/Watch');
    return this.clients[this.current]!.makeBidiStreamRequest(m.path, m.requestSerialize, m.responseDeserialize as (b: Buffer) => PbWatchResponse, new grpc.Metadata());
  }

  /** Marks the endpoint that just failed so the next call tries the following one. */
  failover(index: number): void {
    if (this.current === index && this.clients.length > 1) this.current = (index + 1) % this.clients.length;
  }

  get endpointIndex(): number {
    return this.current;
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}

/** An etcd int64 (decimal string once decoded) as a number; revisions stay far below 2^53. */
export const num = (v: string | number | null | undefined): number => (v === null || v === undefined || v === '' ? 0 : Number(v));

export function unavailable(err: unknown): UnavailableError {
  return new UnavailableError(`etcd: ${isGrpcError(err) ? err.details || err.message : err instanceof Error ? err.message : String(err)}`);
}

export function isGrpcError(err: unknown): err is grpc.ServiceError {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number' && 'details' in err;
}

export { grpc };
