// Runs one probe or lifecycle-hook handler against a container, as upstream's prober does: exec
// through the CRI (ExecSync, exit code 0 = success), httpGet to the pod IP (200–399 = success),
// tcpSocket (a connection = success), grpc (grpc.health.v1 Check answers SERVING = success).
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { RuntimeService } from '../cri/types';
import { messageOf } from '../errors';
import type { ContainerSpec, HandlerSpec } from '../pod-types';
import { grpcHealthCheck } from './grpc-health';

export interface HandlerTarget {
  readonly containerId: string;
  /** The pod's IP (the host's for hostNetwork pods): the default host of httpGet/tcpSocket/grpc. */
  readonly podIP: string;
  /** The container's spec, for named ports. */
  readonly container: ContainerSpec;
}

export interface HandlerOutcome {
  readonly ok: boolean;
  /** Why it failed, or what it printed (exec output, HTTP body start). */
  readonly message: string;
}

/** Upstream caps what a probe reads of an HTTP body or exec output. */
const MAX_OUTPUT = 10 * 1024;

function resolvePort(port: number | string, container: ContainerSpec): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function hostFor(host: string | undefined, podIP: string): string {
  const h = host || podIP;
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}

async function runExec(runtime: RuntimeService, id: string, command: readonly string[], timeoutSeconds: number): Promise<HandlerOutcome> {
  const r = await runtime.execSync(id, command, timeoutSeconds);
  const output = Buffer.concat([r.stdout, r.stderr]).subarray(0, MAX_OUTPUT).toString('utf8').trim();
  return r.exit_code === 0 ? { ok: true, message: output } : { ok: false, message: `command ${JSON.stringify(command)} exited with ${r.exit_code}: ${output}`.trim() };
}

/** Redirects to the same host are followed (upstream: at most 10); others end the probe as a success. */
const MAX_REDIRECTS = 10;

function runHttpGet(spec: NonNullable<HandlerSpec['httpGet']>, target: HandlerTarget, timeoutMs: number): Promise<HandlerOutcome> {
  const port = resolvePort(spec.port, target.container);
  if (port === undefined) return Promise.resolve({ ok: false, message: `port "${spec.port}" is not a container port of ${target.container.name}` });
  const scheme = spec.scheme === 'HTTPS' ? 'https' : 'http';
  const path = spec.path ? (spec.path.startsWith('/') ? spec.path : `/${spec.path}`) : '/';
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
  for (const h of spec.httpHeaders ?? []) headers[h.name] = h.value;
  const deadline = Date.now() + timeoutMs;
  const follow = async (url: string, hops: number): Promise<HandlerOutcome> => {
    const r = await httpGetOnce(url, headers, Math.max(1, deadline - Date.now()));
    if (!r.location || hops >= MAX_REDIRECTS) return r.outcome;
    const next = new URL(r.location, url);
    if (next.host !== new URL(url).host) return r.outcome;
    return follow(next.toString(), hops + 1);
  };
  return follow(`${scheme}://${hostFor(spec.host, target.podIP)}:${port}${path}`, 0);
}

function httpGetOnce(url: string, headers: Record<string, string>, timeoutMs: number): Promise<{ outcome: HandlerOutcome; location?: string }> {
  const scheme = url.startsWith('https:') ? 'https' : 'http';
  return new Promise((resolve) => {
    const mod = scheme === 'https' ? https : http;
    const req = mod.get(url, { headers, timeout: timeoutMs, ...(scheme === 'https' ? { rejectUnauthorized: false } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_OUTPUT) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).subarray(0, MAX_OUTPUT).toString('utf8');
        const location = code >= 300 && code < 400 ? res.headers.location : undefined;
        resolve({ outcome: code >= 200 && code < 400 ? { ok: true, message: body } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` }, ...(location ? { location } : {}) });
      });
      res.on('error', (e) => resolve({ outcome: { ok: false, message: `Get "${url}": ${e.message}` } }));
    });
    req.on('timeout', () => req.destroy(new Error(`context deadline exceeded (Client.Timeout exceeded while awaiting headers)`)));
    req.on('error', (e) => resolve({ outcome: { ok: false, message: `Get "${url}": ${e.message}` } }));
  });
}

function runTcp(spec: NonNullable<HandlerSpec['tcpSocket']>, target: HandlerTarget, timeoutMs: number): Promise<HandlerOutcome> {
  const port = resolvePort(spec.port, target.container);
  if (port === undefined) return Promise.resolve({ ok: false, message: `port "${spec.port}" is not a container port of ${target.container.name}` });
  const host = spec.host || target.podIP;
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutMs);
    sock.on('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok: true, message: '' });
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, message: `dial tcp ${host}:${port}: ${e.message}` });
    });
  });
}

/**
 * Runs `handler`; never throws (a runtime error is a failed outcome). `sleep` handlers wait their
 * seconds (bounded by the timeout).
 */
export async function runHandler(runtime: RuntimeService, handler: HandlerSpec, target: HandlerTarget, timeoutSeconds: number): Promise<HandlerOutcome> {
  const timeoutMs = Math.max(1, timeoutSeconds) * 1000;
  try {
    if (handler.exec) return await runExec(runtime, target.containerId, handler.exec.command ?? [], Math.max(1, timeoutSeconds));
    if (handler.httpGet) return await runHttpGet(handler.httpGet, target, timeoutMs);
    if (handler.tcpSocket) return await runTcp(handler.tcpSocket, target, timeoutMs);
    if (handler.grpc) return await grpcHealthCheck(hostFor(undefined, target.podIP), handler.grpc.port, handler.grpc.service ?? '', timeoutMs);
    if (handler.sleep) {
      const ms = Math.min(handler.sleep.seconds * 1000, timeoutMs);
      await new Promise((r) => setTimeout(r, ms));
      return { ok: true, message: '' };
    }
    return { ok: false, message: 'the handler names no action (exec, httpGet, tcpSocket, grpc or sleep)' };
  } catch (e) {
    return { ok: false, message: messageOf(e) };
  }
}
