// Containers of a pod spec (regular, init, ephemeral): names, images, ports, env, mounts,
// resources, probes and lifecycle hooks.
import type { FieldError } from '../types';
import { child, duplicate, forbidden, index, invalid, invalidEach, notFound, notSupported, required } from './errors';
import { validateEnum, validateNonNegative, validatePositive } from './fields';
import { validateIP } from './ip';
import { asArray, asObject, asString, objectsOf, type JsonRecord } from './json';
import { isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isValidPortName } from './names';
import { validatePortNumOrName, validatePortNumber, validateProtocol, validateRequiredPort } from './ports';
import { validateResourceRequirements } from './resources';

export type ContainerKind = 'container' | 'init' | 'ephemeral';

export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
export const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'] as const;
const MOUNT_PROPAGATION = ['Bidirectional', 'HostToContainer', 'None'] as const;
const FIELD_REF_PATHS = [
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
] as const;
const RESOURCE_FIELD_REFS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];

export interface ContainerContext {
  /** Volume names declared by the pod (mounts must refer to one). */
  readonly volumes: ReadonlySet<string>;
  readonly hostNetwork: boolean;
}

/** One container; `kind` decides which fields are allowed. */
export function validateContainer(ctr: JsonRecord, path: string, kind: ContainerKind, ctx: ContainerContext): FieldError[] {
  const errs: FieldError[] = [];
  const name = asString(ctr.name) ?? '';
  if (name === '') errs.push(required(child(path, 'name')));
  else errs.push(...invalidEach(child(path, 'name'), name, isDNS1123Label(name)));
  const image = asString(ctr.image) ?? '';
  if (image === '') errs.push(required(child(path, 'image')));
  else if (image.trim() !== image) errs.push(invalid(child(path, 'image'), image, 'must not have leading or trailing whitespace'));
  errs.push(...validateEnum(ctr.imagePullPolicy, PULL_POLICIES, child(path, 'imagePullPolicy'), true));
  errs.push(...validateEnum(ctr.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES, child(path, 'terminationMessagePolicy'), true));

  const sidecar = kind === 'init' && ctr.restartPolicy === 'Always';
  if (ctr.restartPolicy !== undefined && ctr.restartPolicy !== null) {
    if (kind === 'init') errs.push(...validateEnum(ctr.restartPolicy, ['Always'], child(path, 'restartPolicy')));
    else if (kind === 'ephemeral') errs.push(forbidden(child(path, 'restartPolicy'), 'cannot be set for an Ephemeral Container'));
    else errs.push(...validateEnum(ctr.restartPolicy, ['Always', 'OnFailure', 'Never'], child(path, 'restartPolicy')));
  }

  if (kind === 'ephemeral') {
    for (const f of ['ports', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resources', 'resizePolicy']) {
      const v = ctr[f];
      if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0) && !(asObject(v) && Object.keys(asObject(v)!).length === 0)) {
        errs.push(forbidden(child(path, f), 'cannot be set for an Ephemeral Container'));
      }
    }
  } else {
    errs.push(...validateContainerPorts(ctr.ports, child(path, 'ports'), ctx));
    errs.push(...validateResourceRequirements(ctr.resources, child(path, 'resources')));
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
      if (ctr[probe] === undefined || ctr[probe] === null) continue;
      if (kind === 'init' && !sidecar) errs.push(forbidden(child(path, probe), 'may not be set for init containers without restartPolicy=Always'));
      else errs.push(...validateProbe(ctr[probe], child(path, probe), probe !== 'readinessProbe'));
    }
    if (ctr.lifecycle !== undefined && ctr.lifecycle !== null) {
      if (kind === 'init' && !sidecar) errs.push(forbidden(child(path, 'lifecycle'), 'may not be set for init containers without restartPolicy=Always'));
      else errs.push(...validateLifecycle(ctr.lifecycle, child(path, 'lifecycle')));
    }
  }
  errs.push(...validateEnv(ctr.env, child(path, 'env')));
  errs.push(...validateEnvFrom(ctr.envFrom, child(path, 'envFrom')));
  errs.push(...validateVolumeMounts(ctr.volumeMounts, child(path, 'volumeMounts'), ctx.volumes));
  errs.push(...validateSecurityContext(ctr.securityContext, child(path, 'securityContext')));
  return errs;
}

function validateContainerPorts(ports: unknown, path: string, ctx: ContainerContext): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  for (const [port, i] of objectsOf(ports)) {
    const p = index(path, i);
    const name = asString(port.name);
    if (name) {
      errs.push(...invalidEach(child(p, 'name'), name, isValidPortName(name)));
      if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
      names.add(name);
    }
    errs.push(...validateRequiredPort(port.containerPort, child(p, 'containerPort')));
    if (port.hostPort !== undefined && port.hostPort !== null && port.hostPort !== 0) {
      errs.push(...validatePortNumber(port.hostPort, child(p, 'hostPort')));
      if (ctx.hostNetwork && port.hostPort !== port.containerPort) {
        errs.push(invalid(child(p, 'hostPort'), port.hostPort, 'must match `containerPort` when `hostNetwork` is true'));
      }
    }
    errs.push(...validateProtocol(port.protocol, child(p, 'protocol')));
    const hostIP = asString(port.hostIP);
    if (hostIP) errs.push(...validateIP(hostIP, child(p, 'hostIP')));
  }
  return errs;
}

const HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const;

function validateHandler(handler: JsonRecord, path: string, allowed: readonly string[], missing: string): FieldError[] {
  const errs: FieldError[] = [];
  const present = allowed.filter((h) => asObject(handler[h]));
  if (present.length === 0) return [required(path, missing)];
  for (const extra of present.slice(1)) errs.push(forbidden(child(path, extra), 'may not specify more than 1 handler type'));
  const h = present[0]!;
  const body = asObject(handler[h])!;
  const p = child(path, h);
  if (h === 'exec' && (asArray(body.command) ?? []).length === 0) errs.push(required(child(p, 'command')));
  if (h === 'httpGet') {
    errs.push(...validatePortNumOrName(body.port, child(p, 'port')));
    errs.push(...validateEnum(body.scheme, ['HTTP', 'HTTPS'], child(p, 'scheme')));
    for (const [hdr, i] of objectsOf(body.httpHeaders)) {
      const n = asString(hdr.name) ?? '';
      if (!/^[-A-Za-z0-9]+$/.test(n)) errs.push(invalid(child(index(child(p, 'httpHeaders'), i), 'name'), n, "a valid HTTP header must consist of alphanumeric characters or '-'"));
    }
  }
  if (h === 'tcpSocket') errs.push(...validatePortNumOrName(body.port, child(p, 'port')));
  if (h === 'grpc') errs.push(...validatePortNumber(body.port, child(p, 'port')));
  if (h === 'sleep' && !(typeof body.seconds === 'number' && body.seconds >= 0)) errs.push(invalid(child(p, 'seconds'), body.seconds ?? null, 'must be greater than or equal to 0'));
  return errs;
}

/** A probe: exactly one handler, non-negative timings, successThreshold 1 for liveness/startup. */
export function validateProbe(probe: unknown, path: string, mustSucceedOnce: boolean): FieldError[] {
  const pr = asObject(probe);
  if (!pr) return [];
  const errs = validateHandler(pr, path, HANDLERS, 'must specify a handler type');
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.push(...validateNonNegative(pr[f], child(path, f)));
  }
  errs.push(...validatePositive(pr.terminationGracePeriodSeconds, child(path, 'terminationGracePeriodSeconds')));
  if (mustSucceedOnce && typeof pr.successThreshold === 'number' && pr.successThreshold !== 1) {
    errs.push(invalid(child(path, 'successThreshold'), pr.successThreshold, 'must be 1'));
  }
  return errs;
}

function validateLifecycle(lifecycle: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const lc = asObject(lifecycle);
  if (!lc) return errs;
  for (const hook of ['postStart', 'preStop']) {
    const h = asObject(lc[hook]);
    if (h) errs.push(...validateHandler(h, child(path, hook), ['exec', 'httpGet', 'tcpSocket', 'sleep'], 'must specify a handler type'));
  }
  return errs;
}

function validateEnv(env: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [ev, i] of objectsOf(env)) {
    const p = index(path, i);
    const name = asString(ev.name) ?? '';
    if (name === '') errs.push(required(child(p, 'name')));
    else errs.push(...invalidEach(child(p, 'name'), name, isEnvVarName(name)));
    const from = asObject(ev.valueFrom);
    if (!from) continue;
    const fp = child(p, 'valueFrom');
    const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef', 'fileKeyRef'].filter((s) => asObject(from[s]));
    if (sources.length === 0) {
      errs.push(invalid(fp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
      continue;
    }
    if (typeof ev.value === 'string' && ev.value !== '') errs.push(invalid(fp, '', 'may not be specified when `value` is not empty'));
    if (sources.length > 1) errs.push(invalid(fp, '', 'may not have more than one field specified at a time'));
    const fieldRef = asObject(from.fieldRef);
    if (fieldRef) errs.push(...validateFieldRef(fieldRef, child(fp, 'fieldRef')));
    const rf = asObject(from.resourceFieldRef);
    if (rf) {
      const r = asString(rf.resource) ?? '';
      if (r === '') errs.push(required(child(fp, 'resourceFieldRef', 'resource')));
      else if (!RESOURCE_FIELD_REFS.includes(r) && !/^(limits|requests)\.hugepages-/.test(r)) {
        errs.push(notSupported(child(fp, 'resourceFieldRef', 'resource'), r, RESOURCE_FIELD_REFS));
      }
    }
    for (const refName of ['configMapKeyRef', 'secretKeyRef']) {
      const ref = asObject(from[refName]);
      if (!ref) continue;
      const k = asString(ref.key) ?? '';
      if (k === '') errs.push(required(child(fp, refName, 'key')));
      else errs.push(...invalidEach(child(fp, refName, 'key'), k, isConfigMapKey(k)));
      const n = asString(ref.name) ?? '';
      if (n !== '') errs.push(...invalidEach(child(fp, refName, 'name'), n, isDNS1123Subdomain(n)));
    }
  }
  return errs;
}

function validateFieldRef(ref: JsonRecord, path: string): FieldError[] {
  const fieldPath = asString(ref.fieldPath) ?? '';
  if (fieldPath === '') return [required(child(path, 'fieldPath'))];
  const m = /^(metadata\.(?:labels|annotations))\['[^']+'\]$/.exec(fieldPath);
  if (m) return [];
  if (fieldPath === 'metadata.labels' || fieldPath === 'metadata.annotations' || !(FIELD_REF_PATHS as readonly string[]).includes(fieldPath)) {
    return [notSupported(child(path, 'fieldPath'), fieldPath, FIELD_REF_PATHS)];
  }
  return [];
}

function validateEnvFrom(envFrom: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [ef, i] of objectsOf(envFrom)) {
    const p = index(path, i);
    const prefix = asString(ef.prefix);
    if (prefix) errs.push(...invalidEach(child(p, 'prefix'), prefix, isEnvVarName(prefix)));
    const refs = ['configMapRef', 'secretRef'].filter((r) => asObject(ef[r]));
    if (refs.length === 0) errs.push(invalid(p, '', 'must specify one of: `configMapRef` or `secretRef`'));
    if (refs.length > 1) errs.push(invalid(p, '', 'may not have more than one field specified at a time'));
    for (const r of refs) {
      const n = asString(asObject(ef[r])!.name) ?? '';
      if (n === '') errs.push(required(child(p, r, 'name')));
      else errs.push(...invalidEach(child(p, r, 'name'), n, isDNS1123Subdomain(n)));
    }
  }
  return errs;
}

/** Relative path without `..` segments (subPath, key-to-path projections). */
export function validateLocalPath(value: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (value.startsWith('/')) errs.push(invalid(path, value, 'must be a relative path'));
  if (value.split('/').includes('..')) errs.push(invalid(path, value, "must not contain '..'"));
  return errs;
}

function validateVolumeMounts(mounts: unknown, path: string, volumes: ReadonlySet<string>): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  for (const [m, i] of objectsOf(mounts)) {
    const p = index(path, i);
    const name = asString(m.name) ?? '';
    if (name === '') errs.push(required(child(p, 'name')));
    else if (!volumes.has(name)) errs.push(notFound(child(p, 'name'), name));
    const mountPath = asString(m.mountPath) ?? '';
    if (mountPath === '') errs.push(required(child(p, 'mountPath')));
    else if (paths.has(mountPath)) errs.push(invalid(child(p, 'mountPath'), mountPath, 'must be unique'));
    paths.add(mountPath);
    const subPath = asString(m.subPath);
    if (subPath) errs.push(...validateLocalPath(subPath, child(p, 'subPath')));
    errs.push(...validateEnum(m.mountPropagation, MOUNT_PROPAGATION, child(p, 'mountPropagation')));
    errs.push(...validateEnum(m.recursiveReadOnly, ['Disabled', 'IfPossible', 'Enabled'], child(p, 'recursiveReadOnly')));
  }
  return errs;
}

/** Container or pod security context: ids in range, privileged vs allowPrivilegeEscalation. */
export function validateSecurityContext(sc: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const s = asObject(sc);
  if (!s) return errs;
  for (const f of ['runAsUser', 'runAsGroup', 'fsGroup']) {
    const v = s[f];
    if (v !== undefined && v !== null && !(typeof v === 'number' && v >= 0 && v <= 2147483647)) {
      errs.push(invalid(child(path, f), v, 'must be between 0 and 2147483647, inclusive'));
    }
  }
  if (s.privileged === true && s.allowPrivilegeEscalation === false) {
    errs.push(invalid(path, s, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
  }
  return errs;
}
