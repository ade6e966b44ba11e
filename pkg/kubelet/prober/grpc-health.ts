// The grpc probe: one grpc.health.v1.Health/Check call over plaintext HTTP/2 (as upstream's prober:
// no TLS), status SERVING = success. The two tiny messages are encoded by hand (field 1 of each).
import * as grpc from '@grpc/grpc-js';
import type { HandlerOutcome } from './run-handler';

const CHECK_PATH = '/grpc.health.v1.Health/Check';
const STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

/** HealthCheckRequest { string service = 1; } */
export function encodeHealthCheckRequest(service: string): Buffer {
  if (!service) return Buffer.alloc(0);
  const s = Buffer.from(service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a]), varint(s.length), s]);
}

/** HealthCheckResponse { ServingStatus status = 1; } → the status number (0 when absent). */
export function decodeHealthCheckResponse(buf: Buffer): number {
  let i = 0;
  let status = 0;
  const readVarint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = buf[i++];
      if (b === undefined) throw new Error('truncated HealthCheckResponse');
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
      shift += 7;
    }
  };
  while (i < buf.length) {
    const key = readVarint();
    const wire = key & 7;
    if (key >>> 3 === 1 && wire === 0) status = readVarint();
    else if (wire === 0) readVarint();
    else if (wire === 2) i += readVarint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unexpected wire type ${wire} in HealthCheckResponse`);
  }
  return status;
}

export function grpcHealthCheck(host: string, port: number, service: string, timeoutMs: number): Promise<HandlerOutcome> {
  const target = `${host}:${port}`;
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  return new Promise<HandlerOutcome>((resolve) => {
    client.makeUnaryRequest(
      CHECK_PATH,
      (s: string) => encodeHealthCheckRequest(s),
      (b: Buffer) => decodeHealthCheckResponse(b),
      service,
      new grpc.Metadata(),
      { deadline: Date.now() + timeoutMs },
      (err, status) => {
        if (err) resolve({ ok: false, message: `failed to connect service "${target}" within ${timeoutMs / 1000}s: ${err.details || err.message}` });
        else if (status === 1) resolve({ ok: true, message: '' });
        else resolve({ ok: false, message: `service unhealthy (responded with "${STATUS_NAMES[status ?? 0] ?? status}")` });
      },
    );
  }).finally(() => client.close());
}
