// Random and malformed Kubernetes API requests for the API fuzz suite: paths from real and junk
// segments, hostile query parameters, broken bodies (fuzz-bodies.ts), odd content types and
// headers, and patches of every type against real objects. Pure: a request depends only on the Rng.
import type { Rng } from './fuzz-rng';
import { jsonBody, objectBody, patchBody, PATCH_TYPES, protobufBody, randomJson, randomString } from './fuzz-bodies';
import { collectionPath, RESOURCES, SCRATCH_NS, TARGET_NAME, TARGET_NS, VICTIM_NS } from './fuzz-resources';

export interface FuzzRequest {
  readonly kind: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
  readonly chunked?: boolean;
}

// ---------- query, headers, paths ----------

const RV_VALUES = ['', '0', '1', '-1', '1.5', 'abc', '9999999999', '99999999999999999999999', '00', ' 1', '1e3', '0x10'];

function queryValue(rng: Rng, key: string): string {
  switch (key) {
    case 'limit':
      return rng.pick(['0', '1', '2', '500', '-1', '-99999', '99999999999999999999', '1e9', 'abc', '', '2147483648', '9007199254740993']);
    case 'resourceVersion':
      return rng.pick(RV_VALUES);
    case 'resourceVersionMatch':
      return rng.pick(['Exact', 'NotOlderThan', 'exact', '', 'x']);
    case 'continue':
      return rng.pick(['', 'abc', '%%%', Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: rng.pick([1, 0, -1, 1e20, 2 ** 53, 999999]), start: rng.pick(['', '/registry/', '\u0000', 5]) })).toString('base64url'), Buffer.from(randomString(rng)).toString('base64')]);
    case 'labelSelector':
      return randomLabelSelector(rng);
    case 'fieldSelector':
      return randomFieldSelector(rng);
    case 'timeoutSeconds':
      return rng.pick(['0', '1', '-1', 'x', '99999999999999999999']);
    case 'gracePeriodSeconds':
      return rng.pick(['0', '1', '30', '-1', '-99999999', '9999999999', 'x', '1.5', '']);
    case 'propagationPolicy':
      return rng.pick(['Orphan', 'Background', 'Foreground', 'x', '']);
    case 'dryRun':
      return rng.pick(['All', 'all', '', 'x']);
    case 'fieldValidation':
      return rng.pick(['Strict', 'Warn', 'Ignore', 'strict', '', 'x']);
    case 'fieldManager':
      return rng.pick(['m', 'kubectl', '', 'x'.repeat(200), 'ünï', '\u0001', 'a b']);
    case 'includeObject':
      return rng.pick(['None', 'Object', 'Metadata', 'x']);
    default:
      return rng.pick(['true', 'false', '1', '0', '', 'x', randomString(rng)]);
  }
}

const QUERY_KEYS = ['limit', 'continue', 'resourceVersion', 'resourceVersionMatch', 'labelSelector', 'fieldSelector', 'timeoutSeconds', 'gracePeriodSeconds', 'propagationPolicy', 'orphanDependents', 'dryRun', 'fieldValidation', 'fieldManager', 'force', 'pretty', 'includeObject', 'allowWatchBookmarks', 'sendInitialEvents', 'export', 'x', ''];

const LABEL_TOKENS = ['a', 'b', 'app', 'x.y/z', 'example.com/k', ' in ', ' notin ', '(', ')', ',', '!', '=', '==', '!=', ' ', 'f', '-', '_', '.', 'A'.repeat(70), 'ü', 'exists', '>', '<', '1', ' in (a,b)', '%'];
const FIELD_TOKENS = ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase', 'spec.restartPolicy', 'type', 'involvedObject.kind', 'x', '=', '==', '!=', ',', '\\,', '\\', 'target', ' ', 'spec.schedulerName', 'status.podIP', 'ü'];

function randomLabelSelector(rng: Rng): string {
  if (rng.chance(0.3)) return rng.pick(['app=f', 'app in (f,g)', '!app', 'app,app!=g', 'a notin (x)', 'environment in (production, qa)']);
  return Array.from({ length: rng.int(1, 7) }, () => rng.pick(LABEL_TOKENS)).join('');
}

function randomFieldSelector(rng: Rng): string {
  if (rng.chance(0.3)) return rng.pick(['metadata.name=target', 'metadata.namespace!=x', 'spec.nodeName=node-a,status.phase!=Running', 'metadata.name==a']);
  return Array.from({ length: rng.int(1, 6) }, () => rng.pick(FIELD_TOKENS)).join('');
}

/** encodeURIComponent that sends a lone surrogate as the (invalid) UTF-8 bytes of one instead of throwing. */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...s].map((c) => (/[\ud800-\udfff]/.test(c) ? '%ED%A0%80' : encodeURIComponent(c))).join('');
  }
}

function randomQuery(rng: Rng, watch: boolean): string {
  const params: string[] = [];
  // A watch must end on its own: its timeoutSeconds comes first (the server reads the first value).
  if (watch) params.push(`watch=${rng.pick(['true', '1'])}`, `timeoutSeconds=${rng.pick(['0', '1'])}`);
  for (let i = rng.weighted([[3, 0], [4, rng.int(1, 3)], [1, rng.int(4, 8)]]); i > 0; i--) {
    const key = rng.pick(QUERY_KEYS);
    if (watch && key === 'timeoutSeconds') continue;
    params.push(`${enc(key)}=${enc(queryValue(rng, key))}`);
  }
  if (rng.chance(0.03)) params.push(rng.pick(['%', '%zz', '&&', '=', 'a=%E0%A4%A', `x=${'y'.repeat(4000)}`]));
  return params.length ? `?${params.join('&')}` : '';
}

const ACCEPTS = [
  'application/json', '*/*', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'application/json;as=Table;v=v1;g=meta.k8s.io',
  'application/json;as=Table;v=v1beta1;g=meta.k8s.io', 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
  'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io', 'application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json',
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList', 'text/html', 'application/json;as=Table', ';', ',,,', 'application/json;v', 'a/b;c=d;=;e',
  'application/json;as=Table;v=v2;g=meta.k8s.io,*/*', 'application/*', 'application/json, application/yaml',
];

const CONTENT_TYPES = [
  '', 'text/plain', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'application/vnd.kubernetes.protobuf;stream=watch',
  'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', ...PATCH_TYPES, ';;;', 'a/b/c', 'application/json;;', '*/*', 'application/',
];

const PRINTABLE = ' !#$%&\'()*+-.0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~\u00e9\u00ff';

function randomHeaders(rng: Rng, contentType: string | undefined): Record<string, string> {
  const h: Record<string, string> = {};
  if (contentType !== undefined) h['Content-Type'] = contentType;
  if (rng.chance(0.6)) h.Accept = rng.pick(ACCEPTS);
  if (rng.chance(0.2)) h['User-Agent'] = rng.pick(['kubectl/v1.32.4 (linux/amd64) kubernetes/abc', '', '/', 'ü/1', rng.string(rng.int(1, 300), PRINTABLE)]);
  // Large headers, kept under Node's 16 KiB limit for the whole header block.
  if (rng.chance(0.05)) h['X-Fuzz-Large'] = rng.string(rng.int(1000, 12_000), PRINTABLE);
  if (rng.chance(0.03)) for (let i = 0; i < 80; i++) h[`X-Fuzz-${i}`] = rng.string(rng.int(1, 60), PRINTABLE);
  if (rng.chance(0.05)) h[rng.pick(['Impersonate-User', 'Impersonate-Group', 'Authorization', 'X-Remote-User', 'Audit-ID', 'Accept-Encoding', 'Expect', 'Warning'])] = rng.string(rng.int(0, 40), PRINTABLE);
  return h;
}

const JUNK_SEGMENTS = ['', '.', '..', '%2e%2e', '%2F', '%00', '%zz', '%', 'x', 'X', '-', '_', '~', 'ü', '%C3%BC', '%F0%9F%98%80', 'a'.repeat(300), '*', '?', 'watch', 'proxy', 'status', 'scale', 'log', 'exec', 'finalize', 'binding', 'token', 'v2', 'v1beta1', 'openapi', 'v3', 'version', 'healthz', 'readyz', 'livez', 'metrics', 'logs', 'api', 'apis'];

function randomPath(rng: Rng): string {
  const real = ['api', 'apis', 'v1', 'apps', 'batch', 'namespaces', TARGET_NS, SCRATCH_NS, 'default', 'kube-system', 'pods', 'configmaps', 'deployments', 'nodes', 'services', 'secrets', 'events', 'events.k8s.io', 'coordination.k8s.io', 'leases', TARGET_NAME, 'status', 'scale'];
  if (rng.chance(0.5)) {
    // Mostly-real shape with one or two segments swapped.
    const r = rng.pick(RESOURCES);
    const segs = collectionPath(r, rng.pick([TARGET_NS, SCRATCH_NS])).split('/').filter(Boolean);
    if (rng.chance(0.7)) segs.push(rng.pick([TARGET_NAME, 'missing', rng.string(rng.int(1, 20))]));
    if (rng.chance(0.4)) segs.push(rng.pick([...r.subresources, ...JUNK_SEGMENTS]));
    for (let i = rng.int(0, 2); i > 0; i--) segs[rng.int(0, segs.length - 1)] = rng.pick([...JUNK_SEGMENTS, ...real]);
    return `/${segs.join('/')}${rng.chance(0.1) ? '/' : ''}`;
  }
  const n = rng.int(0, 8);
  const segs = Array.from({ length: n }, () => (rng.chance(0.6) ? rng.pick(real) : rng.pick(JUNK_SEGMENTS)));
  return `${rng.chance(0.03) ? '//' : '/'}${segs.join('/')}`;
}

function hugeBody(rng: Rng): Buffer {
  const size = 3 * 1024 * 1024 + rng.int(1, 100_000);
  return Buffer.from(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"huge"},"data":{"a":"${'x'.repeat(size)}"}}`);
}

/** Makes sure a generated request cannot delete what the suite depends on. */
function safe(req: FuzzRequest): FuzzRequest {
  const p = req.path.split('?')[0]!;
  if (req.method === 'DELETE' && (/\/namespaces(\/[^/]*)?\/?$/.test(p) || p.includes(`/namespaces/${TARGET_NS}/`) || p.includes(`/${TARGET_NAME}`))) return { ...req, method: 'GET' };
  // Writing a namespace's status or finalizers could mark the suite's namespaces Terminating.
  const ns = /\/namespaces\/([^/]+)\/(status|finalize)\/?$/.exec(p);
  if (ns && (ns[1] === TARGET_NS || ns[1] === SCRATCH_NS)) return { ...req, path: req.path.replace(`/namespaces/${ns[1]}/`, `/namespaces/${VICTIM_NS}/`) };
  return req;
}

export interface FuzzContext {
  readonly protobufSamples: readonly Buffer[];
}

export function fuzzRequest(rng: Rng, ctx: FuzzContext): FuzzRequest {
  const r = rng.pick(RESOURCES);
  const kind = rng.weighted<string>([[15, 'path'], [20, 'read'], [20, 'create'], [8, 'update'], [27, 'patch'], [10, 'delete']]);
  let req: FuzzRequest;
  switch (kind) {
    case 'path': {
      const method = rng.weighted([[5, 'GET'], [2, 'POST'], [2, 'PUT'], [2, 'PATCH'], [2, 'DELETE'], [1, 'HEAD'], [1, 'OPTIONS'], [1, 'TRACE'], [1, 'PROPFIND']]);
      const watch = (method === 'GET' || method === 'HEAD') && rng.chance(0.2);
      const body = method === 'GET' || method === 'HEAD' || rng.chance(0.3) ? undefined : rng.chance(0.5) ? jsonBody(rng, randomJson(rng)) : protobufBody(rng, r, ctx.protobufSamples);
      req = { kind, method, path: randomPath(rng) + randomQuery(rng, watch), headers: randomHeaders(rng, body ? rng.pick(CONTENT_TYPES) : undefined), body };
      break;
    }
    case 'read': {
      const ns = r.namespaced ? rng.weighted([[6, TARGET_NS], [2, SCRATCH_NS], [2, undefined], [1, 'missing']]) : undefined;
      const named = rng.chance(0.4);
      const sub = named && r.subresources.length > 0 && rng.chance(0.25) ? `/${rng.pick(r.subresources)}` : '';
      const watch = rng.chance(0.2);
      const p = `${collectionPath(r, ns)}${named ? `/${rng.pick([TARGET_NAME, 'missing', 'a'])}` : ''}${sub}`;
      req = { kind, method: rng.chance(0.9) ? 'GET' : 'HEAD', path: p + randomQuery(rng, watch), headers: randomHeaders(rng, undefined) };
      break;
    }
    case 'create': {
      const ns = r.namespaced ? rng.weighted([[8, SCRATCH_NS], [1, TARGET_NS], [1, 'missing']]) : undefined;
      const name = rng.weighted([[4, rng.pick(['a', 'b', 'c'])], [2, `n${rng.int(0, 50)}`], [1, randomString(rng)]]);
      if (rng.chance(0.003)) {
        req = { kind, method: 'POST', path: collectionPath(r, ns), headers: { 'Content-Type': 'application/json' }, body: hugeBody(rng), chunked: rng.chance(0.5) };
        break;
      }
      const { body, contentType } = objectBody(rng, r, name, ctx.protobufSamples);
      req = { kind, method: 'POST', path: collectionPath(r, ns) + randomQuery(rng, false), headers: randomHeaders(rng, rng.chance(0.9) ? contentType : rng.pick(CONTENT_TYPES)), body, chunked: rng.chance(0.1) };
      break;
    }
    case 'update': {
      const sub = r.subresources.length > 0 && rng.chance(0.3) ? `/${rng.pick(r.subresources)}` : '';
      const name = rng.chance(0.85) ? TARGET_NAME : rng.pick(['a', 'missing']);
      const { body, contentType } = objectBody(rng, r, name, ctx.protobufSamples);
      req = { kind, method: 'PUT', path: `${collectionPath(r, TARGET_NS)}/${name}${sub}${randomQuery(rng, false)}`, headers: randomHeaders(rng, rng.chance(0.9) ? contentType : rng.pick(CONTENT_TYPES)), body };
      break;
    }
    case 'patch': {
      const type = rng.pick(PATCH_TYPES);
      const sub = r.subresources.length > 0 && rng.chance(0.25) ? `/${rng.pick(r.subresources)}` : '';
      const name = rng.chance(0.85) ? TARGET_NAME : rng.pick(['a', 'missing']);
      const ns = rng.chance(0.9) ? TARGET_NS : SCRATCH_NS;
      let q = randomQuery(rng, false);
      if (type === 'application/apply-patch+yaml' && rng.chance(0.8)) q += `${q ? '&' : '?'}fieldManager=${rng.pick(['fuzz', 'other', 'kubectl'])}${rng.chance(0.3) ? '&force=true' : ''}`;
      req = { kind, method: 'PATCH', path: `${collectionPath(r, ns)}/${name}${sub}${q}`, headers: randomHeaders(rng, rng.chance(0.92) ? type : rng.pick(CONTENT_TYPES)), body: patchBody(rng, r, name, type) };
      break;
    }
    default: {
      const ns = r.namespaced ? SCRATCH_NS : undefined;
      const named = rng.chance(0.75);
      const p = `${collectionPath(r, ns)}${named ? `/${rng.pick(['a', 'b', 'c', `n${rng.int(0, 50)}`, 'missing'])}` : ''}`;
      const body = rng.chance(0.3)
        ? jsonBody(rng, rng.chance(0.7) ? { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: rng.pick([0, 1, -1, 30, 'x', null, 1e20]), propagationPolicy: rng.pick(['Orphan', 'Foreground', 'x', 5]), preconditions: rng.pick([{ uid: 'x' }, { resourceVersion: '1' }, 'x', null]), dryRun: rng.pick([['All'], 'All', ['x'], null]) } : randomJson(rng))
        : undefined;
      req = { kind, method: 'DELETE', path: p + randomQuery(rng, false), headers: randomHeaders(rng, body ? rng.pick(['application/json', 'application/json', 'application/yaml', ...CONTENT_TYPES]) : undefined), body };
    }
  }
  return safe(req);
}
