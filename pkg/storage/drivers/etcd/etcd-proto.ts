// The subset of etcd's v3 gRPC API that the etcd driver speaks, as a protobuf.js JSON descriptor
// built in code: nothing is read from disk or node_modules at run time, so it works inside the
// single executable. Message, field and service names and field numbers are etcd's
// (api/etcdserverpb/rpc.proto and api/mvccpb/kv.proto); fields we never send or read are left out,
// which protobuf allows (unknown fields are skipped when decoding).
import type { fromJSON } from '@grpc/proto-loader';

type Descriptor = Parameters<typeof fromJSON>[0];
type FieldSpec = readonly [type: string, id: number, rule?: 'repeated'];

function message(fields: Record<string, FieldSpec>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, { type: string; id: number; rule?: string }> = {};
  for (const [name, [type, id, rule]] of Object.entries(fields)) out[name] = rule ? { type, id, rule } : { type, id };
  return { fields: out, ...extra };
}

function enumOf(values: Record<string, number>): Record<string, unknown> {
  return { values };
}

function unary(requestType: string, responseType: string): Record<string, unknown> {
  return { requestType, responseType };
}

const header: FieldSpec = ['ResponseHeader', 1];

export const ETCD_PROTO: Descriptor = {
  nested: {
    mvccpb: {
      nested: {
        KeyValue: message({
          key: ['bytes', 1],
          create_revision: ['int64', 2],
          mod_revision: ['int64', 3],
          version: ['int64', 4],
          value: ['bytes', 5],
          lease: ['int64', 6],
        }),
        Event: message(
          { type: ['EventType', 1], kv: ['KeyValue', 2], prev_kv: ['KeyValue', 3] },
          { nested: { EventType: enumOf({ PUT: 0, DELETE: 1 }) } },
        ),
      },
    },
    etcdserverpb: {
      nested: {
        ResponseHeader: message({ cluster_id: ['uint64', 1], member_id: ['uint64', 2], revision: ['int64', 3], raft_term: ['uint64', 4] }),
        RangeRequest: message(
          {
            key: ['bytes', 1],
            range_end: ['bytes', 2],
            limit: ['int64', 3],
            revision: ['int64', 4],
            sort_order: ['SortOrder', 5],
            sort_target: ['SortTarget', 6],
            serializable: ['bool', 7],
            keys_only: ['bool', 8],
            count_only: ['bool', 9],
          },
          {
            nested: {
              SortOrder: enumOf({ NONE: 0, ASCEND: 1, DESCEND: 2 }),
              SortTarget: enumOf({ KEY: 0, VERSION: 1, CREATE: 2, MOD: 3, VALUE: 4 }),
            },
          },
        ),
        RangeResponse: message({ header, kvs: ['mvccpb.KeyValue', 2, 'repeated'], more: ['bool', 3], count: ['int64', 4] }),
        PutRequest: message({ key: ['bytes', 1], value: ['bytes', 2], lease: ['int64', 3], prev_kv: ['bool', 4] }),
        PutResponse: message({ header, prev_kv: ['mvccpb.KeyValue', 2] }),
        DeleteRangeRequest: message({ key: ['bytes', 1], range_end: ['bytes', 2], prev_kv: ['bool', 3] }),
        DeleteRangeResponse: message({ header, deleted: ['int64', 2], prev_kvs: ['mvccpb.KeyValue', 3, 'repeated'] }),
        RequestOp: message(
          { request_range: ['RangeRequest', 1], request_put: ['PutRequest', 2], request_delete_range: ['DeleteRangeRequest', 3] },
          { oneofs: { request: { oneof: ['request_range', 'request_put', 'request_delete_range'] } } },
        ),
        ResponseOp: message(
          { response_range: ['RangeResponse', 1], response_put: ['PutResponse', 2], response_delete_range: ['DeleteRangeResponse', 3] },
          { oneofs: { response: { oneof: ['response_range', 'response_put', 'response_delete_range'] } } },
        ),
        Compare: message(
          {
            result: ['CompareResult', 1],
            target: ['CompareTarget', 2],
            key: ['bytes', 3],
            version: ['int64', 4],
            create_revision: ['int64', 5],
            mod_revision: ['int64', 6],
            value: ['bytes', 7],
            lease: ['int64', 8],
            range_end: ['bytes', 64],
          },
          {
            oneofs: { target_union: { oneof: ['version', 'create_revision', 'mod_revision', 'value', 'lease'] } },
            nested: {
              CompareResult: enumOf({ EQUAL: 0, GREATER: 1, LESS: 2, NOT_EQUAL: 3 }),
              CompareTarget: enumOf({ VERSION: 0, CREATE: 1, MOD: 2, VALUE: 3, LEASE: 4 }),
            },
          },
        ),
        TxnRequest: message({ compare: ['Compare', 1, 'repeated'], success: ['RequestOp', 2, 'repeated'], failure: ['RequestOp', 3, 'repeated'] }),
        TxnResponse: message({ header, succeeded: ['bool', 2], responses: ['ResponseOp', 3, 'repeated'] }),
        CompactionRequest: message({ revision: ['int64', 1], physical: ['bool', 2] }),
        CompactionResponse: message({ header }),
        WatchRequest: message(
          { create_request: ['WatchCreateRequest', 1], cancel_request: ['WatchCancelRequest', 2] },
          { oneofs: { request_union: { oneof: ['create_request', 'cancel_request'] } } },
        ),
        WatchCreateRequest: message({
          key: ['bytes', 1],
          range_end: ['bytes', 2],
          start_revision: ['int64', 3],
          progress_notify: ['bool', 4],
          prev_kv: ['bool', 6],
          watch_id: ['int64', 7],
          fragment: ['bool', 8],
        }),
        WatchCancelRequest: message({ watch_id: ['int64', 1] }),
        WatchResponse: message({
          header,
          watch_id: ['int64', 2],
          created: ['bool', 3],
          canceled: ['bool', 4],
          compact_revision: ['int64', 5],
          cancel_reason: ['string', 6],
          fragment: ['bool', 7],
          events: ['mvccpb.Event', 11, 'repeated'],
        }),
        LeaseGrantRequest: message({ TTL: ['int64', 1], ID: ['int64', 2] }),
        LeaseGrantResponse: message({ header, ID: ['int64', 2], TTL: ['int64', 3], error: ['string', 4] }),
        LeaseRevokeRequest: message({ ID: ['int64', 1] }),
        LeaseRevokeResponse: message({ header }),
        LeaseTimeToLiveRequest: message({ ID: ['int64', 1], keys: ['bool', 2] }),
        LeaseTimeToLiveResponse: message({ header, ID: ['int64', 2], TTL: ['int64', 3], grantedTTL: ['int64', 4] }),
        KV: {
          methods: {
            Range: unary('RangeRequest', 'RangeResponse'),
            Put: unary('PutRequest', 'PutResponse'),
            DeleteRange: unary('DeleteRangeRequest', 'DeleteRangeResponse'),
            Txn: unary('TxnRequest', 'TxnResponse'),
            Compact: unary('CompactionRequest', 'CompactionResponse'),
          },
        },
        Watch: {
          methods: {
            Watch: { requestType: 'WatchRequest', requestStream: true, responseType: 'WatchResponse', responseStream: true },
          },
        },
        Lease: {
          methods: {
            LeaseGrant: unary('LeaseGrantRequest', 'LeaseGrantResponse'),
            LeaseRevoke: unary('LeaseRevokeRequest', 'LeaseRevokeResponse'),
            LeaseTimeToLive: unary('LeaseTimeToLiveRequest', 'LeaseTimeToLiveResponse'),
          },
        },
      },
    },
  },
} as Descriptor;
