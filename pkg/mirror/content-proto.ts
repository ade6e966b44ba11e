// The subset of containerd's own gRPC API (not CRI) that the mirror reads: the content service
// (Info, Read) and the images service (List), as a protobuf.js JSON descriptor built in code so it
// works inside the single executable. Package, service, message names and field numbers are
// containerd's (api/services/content/v1, api/services/images/v1, api/types/descriptor.proto); fields
// the mirror never reads are left out.
import type { fromJSON } from '@grpc/proto-loader';

type Descriptor = Parameters<typeof fromJSON>[0];

function fields(spec: Record<string, string>): Record<string, unknown> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, s] of Object.entries(spec)) {
    const parts = s.split(' ');
    const id = Number(parts.pop());
    const map = /^map<(\w+),(\w+)>$/.exec(parts[0]!);
    if (map) out[name] = { keyType: map[1], type: map[2], id };
    else if (parts[0] === 'repeated') out[name] = { rule: 'repeated', type: parts[1], id };
    else out[name] = { type: parts[0], id };
  }
  return { fields: out };
}

/** Methods as `name: [request, response, 'stream' when the response streams]`. */
function service(methods: Record<string, readonly string[]>): Record<string, unknown> {
  return { methods: Object.fromEntries(Object.entries(methods).map(([name, [req, res, stream]]) => [name, { requestType: req, responseType: res, ...(stream ? { responseStream: true } : {}) }])) };
}

export const CONTAINERD_PROTO: Descriptor = {
  nested: {
    containerd: {
      nested: {
        types: { nested: { Descriptor: fields({ media_type: 'string 1', digest: 'string 2', size: 'int64 3', annotations: 'map<string,string> 5' }) } },
        services: {
          nested: {
            content: {
              nested: {
                v1: {
                  nested: {
                    Content: service({ Info: ['InfoRequest', 'InfoResponse'], Read: ['ReadContentRequest', 'ReadContentResponse', 'stream'] }),
                    Info: fields({ digest: 'string 1', size: 'int64 2', labels: 'map<string,string> 5' }),
                    InfoRequest: fields({ digest: 'string 1' }),
                    InfoResponse: fields({ info: 'Info 1' }),
                    ReadContentRequest: fields({ digest: 'string 1', offset: 'int64 2', size: 'int64 3' }),
                    ReadContentResponse: fields({ offset: 'int64 1', data: 'bytes 2' }),
                  },
                },
              },
            },
            images: {
              nested: {
                v1: {
                  nested: {
                    Images: service({ List: ['ListImagesRequest', 'ListImagesResponse'] }),
                    Image: fields({ name: 'string 1', labels: 'map<string,string> 2', target: 'containerd.types.Descriptor 3' }),
                    ListImagesRequest: fields({ filters: 'repeated string 1' }),
                    ListImagesResponse: fields({ images: 'repeated Image 1' }),
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};
