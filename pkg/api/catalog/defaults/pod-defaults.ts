// Upstream v1 defaulting of pod specs (SetDefaults_PodSpec, _Container, _Volume, _Probe, …) and
// the Pod-only extras (SetDefaults_Pod). Pod templates of every workload get the spec part only.
import { asArray, asObject, asString, objectsOf, setDefault, type JsonRecord } from '../../validation/json';
import { formatQuantity, toQuantity } from '../../validation/quantity';
import { canonicalizeResourceList } from '../../validation/resources';
import { presentSources, VOLUME_SOURCES } from '../../validation/volumes';

/** Tag of an image reference: '' with a digest and no tag, 'latest' when neither is given. */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const named = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  if (colon > lastSlash) return named.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

/** `Always` for `:latest` or untagged images, `IfNotPresent` otherwise. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  return imageTag(image) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHandler(handler: JsonRecord | undefined): void {
  const http = asObject(handler?.httpGet);
  if (http) {
    setDefault(http, 'path', '/');
    setDefault(http, 'scheme', 'HTTP');
  }
  const grpc = asObject(handler?.grpc);
  if (grpc) setDefault(grpc, 'service', '');
}

function defaultProbe(probe: unknown): void {
  const p = asObject(probe);
  if (!p) return;
  for (const [k, v] of [
    ['timeoutSeconds', 1],
    ['periodSeconds', 10],
    ['successThreshold', 1],
    ['failureThreshold', 3],
  ] as const) {
    if (p[k] === undefined || p[k] === null || p[k] === 0) p[k] = v;
  }
  defaultHandler(p);
}

function defaultFieldRefs(item: JsonRecord): void {
  const fieldRef = asObject(item.fieldRef);
  if (fieldRef) setDefault(fieldRef, 'apiVersion', 'v1');
  const rf = asObject(item.resourceFieldRef);
  if (rf) {
    setDefault(rf, 'divisor', '0');
    const q = toQuantity(rf.divisor);
    if (q) rf.divisor = formatQuantity(q);
  }
}

/** SetDefaults_Container (also used for init and ephemeral containers). */
export function defaultContainer(ctr: JsonRecord): void {
  if (!asString(ctr.imagePullPolicy)) ctr.imagePullPolicy = defaultPullPolicy(asString(ctr.image) ?? '');
  if (!asString(ctr.terminationMessagePath)) ctr.terminationMessagePath = '/dev/termination-log';
  if (!asString(ctr.terminationMessagePolicy)) ctr.terminationMessagePolicy = 'File';
  for (const [port] of objectsOf(ctr.ports)) if (!asString(port.protocol)) port.protocol = 'TCP';
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(ctr[probe]);
  const lc = asObject(ctr.lifecycle);
  if (lc) for (const hook of ['postStart', 'preStop']) defaultHandler(asObject(lc[hook]));
  for (const [env] of objectsOf(ctr.env)) {
    const from = asObject(env.valueFrom);
    if (from) defaultFieldRefs(from);
  }
  const res = asObject(ctr.resources);
  if (res) {
    canonicalizeResourceList(res.limits);
    canonicalizeResourceList(res.requests);
  }
}

const DEFAULT_FILE_MODE = 0o644;

/** SetDefaults_Volume and the per-source defaults. */
export function defaultVolume(vol: JsonRecord): void {
  if (presentSources(vol, VOLUME_SOURCES).length === 0) vol.emptyDir = {};
  for (const src of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const s = asObject(vol[src]);
    if (s) setDefault(s, 'defaultMode', DEFAULT_FILE_MODE);
  }
  const hostPath = asObject(vol.hostPath);
  if (hostPath) setDefault(hostPath, 'type', '');
  const downward = asObject(vol.downwardAPI);
  if (downward) for (const [item] of objectsOf(downward.items)) defaultFieldRefs(item);
  const projected = asObject(vol.projected);
  if (projected) {
    for (const [src] of objectsOf(projected.sources)) {
      const sat = asObject(src.serviceAccountToken);
      if (sat) setDefault(sat, 'expirationSeconds', 3600);
      const dapi = asObject(src.downwardAPI);
      if (dapi) for (const [item] of objectsOf(dapi.items)) defaultFieldRefs(item);
    }
  }
  const image = asObject(vol.image);
  if (image && !asString(image.pullPolicy)) image.pullPolicy = imageTag(asString(image.reference) ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
  const ephemeralSpec = asObject(asObject(asObject(vol.ephemeral)?.volumeClaimTemplate)?.spec);
  if (ephemeralSpec) defaultPersistentVolumeClaimSpec(ephemeralSpec);
}

/** SetDefaults_PersistentVolumeClaimSpec. */
export function defaultPersistentVolumeClaimSpec(spec: JsonRecord): void {
  setDefault(spec, 'volumeMode', 'Filesystem');
  const res = asObject(spec.resources);
  if (res) {
    canonicalizeResourceList(res.requests);
    canonicalizeResourceList(res.limits);
  }
}

/** SetDefaults_PodSpec and everything nested in it; shared by pods and pod templates. */
export function defaultPodSpec(spec: JsonRecord): void {
  if (!asString(spec.dnsPolicy)) spec.dnsPolicy = 'ClusterFirst';
  if (!asString(spec.restartPolicy)) spec.restartPolicy = 'Always';
  if (!asObject(spec.securityContext)) spec.securityContext = {};
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  if (!asString(spec.schedulerName)) spec.schedulerName = 'default-scheduler';
  // serviceAccount is the deprecated alias of serviceAccountName; the new field wins.
  const san = asString(spec.serviceAccountName);
  const sa = asString(spec.serviceAccount);
  if (san) spec.serviceAccount = san;
  else if (sa) spec.serviceAccountName = sa;
  for (const field of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const [ctr] of objectsOf(spec[field])) defaultContainer(ctr);
  }
  for (const [vol] of objectsOf(spec.volumes)) defaultVolume(vol);
  const podRes = asObject(spec.resources);
  if (podRes) {
    canonicalizeResourceList(podRes.limits);
    canonicalizeResourceList(podRes.requests);
  }
  canonicalizeResourceList(spec.overhead);
}

/** SetDefaults_Pod: requests default to limits, service links on, host-network ports mirrored. */
export function defaultPodOnly(spec: JsonRecord): void {
  for (const field of ['containers', 'initContainers']) {
    for (const [ctr] of objectsOf(spec[field])) {
      const res = asObject(ctr.resources);
      const limits = asObject(res?.limits);
      if (!res || !limits) continue;
      const requests = asObject(res.requests) ?? {};
      for (const [k, v] of Object.entries(limits)) if (requests[k] === undefined) requests[k] = v;
      res.requests = requests;
    }
  }
  setDefault(spec, 'enableServiceLinks', true);
  if (spec.hostNetwork === true) {
    for (const field of ['containers', 'initContainers']) {
      for (const [ctr] of objectsOf(spec[field])) {
        for (const [port] of objectsOf(ctr.ports)) {
          if (port.hostPort === undefined || port.hostPort === null || port.hostPort === 0) port.hostPort = port.containerPort;
        }
      }
    }
  }
}

/** Defaults of a PodTemplateSpec (`spec.template` of workloads). */
export function defaultPodTemplate(template: unknown): void {
  const t = asObject(template);
  if (!t) return;
  const spec = asObject(t.spec);
  if (spec) defaultPodSpec(spec);
}

export function containersOf(spec: JsonRecord, field = 'containers'): JsonRecord[] {
  return (asArray(spec[field]) ?? []).filter((c): c is JsonRecord => asObject(c) !== undefined);
}
