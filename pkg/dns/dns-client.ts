// A minimal stub resolver: one question to one server over UDP or TCP, the parsed reply back. Used
// by the tests and benchmarks of the cluster DNS (pods use their own libc resolver).
import { randomInt } from 'node:crypto';
import { CLASS_IN, TYPE, encodeMessage, parseMessage, type DnsMessage } from './dns-message';
import { Forwarder } from './forwarder';

export async function queryDns(server: { host: string; port: number }, name: string, type: number, opts: { transport?: 'udp' | 'tcp'; edns?: boolean; timeoutMs?: number } = {}): Promise<DnsMessage> {
  const query = encodeMessage({
    id: randomInt(0, 65536),
    qr: false,
    opcode: 0,
    aa: false,
    tc: false,
    rd: true,
    ra: false,
    rcode: 0,
    questions: [{ name: name.replace(/\.$/, ''), type, class: CLASS_IN }],
    answers: [],
    authority: [],
    additional: opts.edns ? [{ name: '', type: TYPE.OPT, class: 4096, ttl: 0, data: { kind: 'raw', bytes: new Uint8Array() } }] : [],
  });
  const reply = await new Forwarder({ upstreams: [server], timeoutMs: opts.timeoutMs ?? 2000 }).forward(query, opts.transport ?? 'udp');
  return parseMessage(reply);
}
