// PodSpec and PodTemplateSpec validation: containers (via containers.ts), volumes, policies,
// scheduling fields. Pods, pod templates and every workload template share it.
import type { FieldError } from '../types';
import { child, duplicate, forbidden, index, invalid, invalidEach, notSupported, required } from './errors';
import { INT32_MAX, validateEnum, validateNonNegative } from './fields';
import { validateIP } from './ip';
import { asArray, asObject, asString, objectsOf, type JsonRecord } from './json';
import { validateAnnotations, validateLabelSelector, validateLabels } from './labels';
import { isDNS1123Label, isDNS1123Subdomain, isLabelValue, isQualifiedName } from './names';
import { validateContainer, validateSecurityContext, type ContainerKind } from './containers';
import { validateResourceRequirements } from './resources';
import { validateVolumes } from './volumes';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;
export const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'] as const;
export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

export interface PodSpecOptions {
  /** Part of a pod template (workloads, PodTemplate) rather than a Pod. */
  readonly template?: boolean;
  /** Names containers may mount besides spec.volumes (a StatefulSet's volumeClaimTemplates). */
  readonly extraVolumeNames?: readonly string[];
}

export function validatePodSpec(specValue: unknown, path: string, opts: PodSpecOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  const spec = asObject(specValue) ?? {};
  const vols = validateVolumes(spec.volumes, child(path, 'volumes'));
  errs.push(...vols.errors);
  const ctx = { volumes: opts.extraVolumeNames?.length ? new Set([...vols.names, ...opts.extraVolumeNames]) : vols.names, hostNetwork: spec.hostNetwork === true };

  if ((asArray(spec.containers) ?? []).length === 0) errs.push(required(child(path, 'containers')));
  const seen = new Set<string>();
  const groups: Array<[string, ContainerKind]> = [
    ['containers', 'container'],
    ['initContainers', 'init'],
    ['ephemeralContainers', 'ephemeral'],
  ];
  for (const [field, kind] of groups) {
    for (const [ctr, i] of objectsOf(spec[field])) {
      const p = index(child(path, field), i);
      errs.push(...validateContainer(ctr, p, kind, ctx));
      const name = asString(ctr.name);
      if (name) {
        if (seen.has(name)) errs.push(duplicate(child(p, 'name'), name));
        seen.add(name);
      }
    }
  }
  if ((asArray(spec.ephemeralContainers) ?? []).length > 0 && opts.template) {
    errs.push(forbidden(child(path, 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
  errs.push(...validateHostPortConflicts(spec, path));
  errs.push(...validateEnum(spec.restartPolicy, RESTART_POLICIES, child(path, 'restartPolicy'), true));
  errs.push(...validateEnum(spec.dnsPolicy, DNS_POLICIES, child(path, 'dnsPolicy'), true));
  errs.push(...validateDNSConfig(spec, path));
  errs.push(...validateLabels(spec.nodeSelector, child(path, 'nodeSelector')));
  for (const f of ['serviceAccountName', 'nodeName', 'priorityClassName', 'schedulerName']) {
    const v = asString(spec[f]);
    if (v) errs.push(...invalidEach(child(path, f), v, isDNS1123Subdomain(v)));
  }
  for (const f of ['hostname', 'subdomain']) {
    const v = asString(spec[f]);
    if (v) errs.push(...invalidEach(child(path, f), v, isDNS1123Label(v)));
  }
  const ads = spec.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null && !(typeof ads === 'number' && ads >= 1 && ads <= INT32_MAX)) {
    errs.push(invalid(child(path, 'activeDeadlineSeconds'), ads, `must be between 1 and ${INT32_MAX}, inclusive`));
  }
  errs.push(...validateTolerations(spec.tolerations, child(path, 'tolerations')));
  errs.push(...validateSecurityContext(spec.securityContext, child(path, 'securityContext')));
  errs.push(...validateResourceRequirements(spec.resources, child(path, 'resources')));
  errs.push(...validateHostAliases(spec.hostAliases, child(path, 'hostAliases')));
  errs.push(...validateAffinity(spec.affinity, child(path, 'affinity')));
  errs.push(...validateTopologySpread(spec.topologySpreadConstraints, child(path, 'topologySpreadConstraints')));
  errs.push(...validateNamedList(spec.schedulingGates, child(path, 'schedulingGates'), isQualifiedName));
  errs.push(...validateNamedList(spec.imagePullSecrets, child(path, 'imagePullSecrets'), () => [], false));
  for (const [gate, i] of objectsOf(spec.readinessGates)) {
    const ct = asString(gate.conditionType) ?? '';
    errs.push(...invalidEach(child(index(child(path, 'readinessGates'), i), 'conditionType'), ct, isQualifiedName(ct)));
  }
  const os = asObject(spec.os);
  if (os) errs.push(...validateEnum(os.name, ['linux', 'windows'], child(path, 'os', 'name'), true));
  return errs;
}

function validateHostPortConflicts(spec: JsonRecord, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const used = new Set<string>();
  for (const [ctr, ci] of objectsOf(spec.containers)) {
    for (const [port, pi] of objectsOf(ctr.ports)) {
      if (typeof port.hostPort !== 'number' || port.hostPort === 0) continue;
      const k = `${asString(port.protocol) ?? 'TCP'}/${asString(port.hostIP) ?? ''}/${port.hostPort}`;
      if (used.has(k)) errs.push(duplicate(index(child(index(child(path, 'containers'), ci), 'ports'), pi), k));
      used.add(k);
    }
  }
  return errs;
}

function validateDNSConfig(spec: JsonRecord, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const cfg = asObject(spec.dnsConfig);
  const p = child(path, 'dnsConfig');
  if (spec.dnsPolicy === 'None') {
    if (!cfg) return [required(p, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if ((asArray(cfg.nameservers) ?? []).length === 0) errs.push(required(child(p, 'nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
  }
  if (!cfg) return errs;
  const ns = asArray(cfg.nameservers) ?? [];
  if (ns.length > 3) errs.push(invalid(child(p, 'nameservers'), ns, 'must not have more than 3 nameservers'));
  ns.forEach((s, i) => {
    if (typeof s === 'string') errs.push(...validateIP(s, index(child(p, 'nameservers'), i)));
  });
  const searches = asArray(cfg.searches) ?? [];
  if (searches.length > 32) errs.push(invalid(child(p, 'searches'), searches, 'must not have more than 32 search paths'));
  for (const [opt, i] of objectsOf(cfg.options)) {
    if (!asString(opt.name)) errs.push(required(child(index(child(p, 'options'), i), 'name'), 'Option.Name must not be empty'));
  }
  return errs;
}

export function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [t, i] of objectsOf(tolerations)) {
    const p = index(path, i);
    const k = asString(t.key) ?? '';
    if (k !== '') errs.push(...invalidEach(child(p, 'key'), k, isQualifiedName(k)));
    const op = asString(t.operator) ?? '';
    if (k === '' && op !== 'Exists') errs.push(invalid(child(p, 'operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    const value = asString(t.value) ?? '';
    if (op === 'Exists') {
      if (value !== '') errs.push(invalid(child(p, 'operator'), t, 'value must be empty when `operator` is \'Exists\''));
    } else if (op === '' || op === 'Equal') {
      errs.push(...invalidEach(child(p, 'value'), value, isLabelValue(value)));
    } else if (op === 'Lt' || op === 'Gt') {
      if (!/^-?[0-9]+$/.test(value)) errs.push(invalid(child(p, 'value'), value, 'value must be an integer when `operator` is Lt or Gt'));
    } else {
      errs.push(notSupported(child(p, 'operator'), op, ['Equal', 'Exists']));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
      errs.push(invalid(child(p, 'effect'), t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    errs.push(...validateEnum(t.effect, TAINT_EFFECTS, child(p, 'effect')));
  }
  return errs;
}

function validateHostAliases(aliases: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [a, i] of objectsOf(aliases)) {
    const p = index(path, i);
    errs.push(...validateIP(asString(a.ip) ?? '', child(p, 'ip')));
    (asArray(a.hostnames) ?? []).forEach((h, j) => {
      if (typeof h === 'string') errs.push(...invalidEach(index(child(p, 'hostnames'), j), h, isDNS1123Subdomain(h)));
    });
  }
  return errs;
}

function validateNamedList(list: unknown, path: string, check: (n: string) => string[], unique = true): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const [item, i] of objectsOf(list)) {
    const p = child(index(path, i), 'name');
    const n = asString(item.name) ?? '';
    if (n === '') {
      if (unique) errs.push(required(p));
      continue;
    }
    errs.push(...invalidEach(p, n, check(n)));
    if (unique && seen.has(n)) errs.push(duplicate(p, n));
    seen.add(n);
  }
  return errs;
}

function validateAffinity(affinity: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const a = asObject(affinity);
  if (!a) return errs;
  const na = asObject(a.nodeAffinity);
  const req = asObject(na?.requiredDuringSchedulingIgnoredDuringExecution);
  if (req && (asArray(req.nodeSelectorTerms) ?? []).length === 0) {
    errs.push(required(child(path, 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms'), 'must have at least one node selector term'));
  }
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const pa = asObject(a[kind]);
    if (!pa) continue;
    const p = child(path, kind);
    for (const [term, i] of objectsOf(pa.requiredDuringSchedulingIgnoredDuringExecution)) {
      errs.push(...validatePodAffinityTerm(term, index(child(p, 'requiredDuringSchedulingIgnoredDuringExecution'), i)));
    }
    for (const [w, i] of objectsOf(pa.preferredDuringSchedulingIgnoredDuringExecution)) {
      const wp = index(child(p, 'preferredDuringSchedulingIgnoredDuringExecution'), i);
      if (!(typeof w.weight === 'number' && w.weight >= 1 && w.weight <= 100)) errs.push(invalid(child(wp, 'weight'), w.weight ?? 0, 'must be in the range 1-100'));
      errs.push(...validatePodAffinityTerm(asObject(w.podAffinityTerm) ?? {}, child(wp, 'podAffinityTerm')));
    }
  }
  return errs;
}

function validatePodAffinityTerm(term: JsonRecord, path: string): FieldError[] {
  const errs = validateLabelSelector(term.labelSelector, child(path, 'labelSelector'));
  const tk = asString(term.topologyKey) ?? '';
  if (tk === '') errs.push(required(child(path, 'topologyKey'), 'can not be empty'));
  else errs.push(...invalidEach(child(path, 'topologyKey'), tk, isQualifiedName(tk)));
  return errs;
}

function validateTopologySpread(constraints: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [c, i] of objectsOf(constraints)) {
    const p = index(path, i);
    if (!(typeof c.maxSkew === 'number' && c.maxSkew > 0)) errs.push(invalid(child(p, 'maxSkew'), c.maxSkew ?? 0, 'must be greater than zero'));
    const tk = asString(c.topologyKey) ?? '';
    if (tk === '') errs.push(required(child(p, 'topologyKey'), 'can not be empty'));
    errs.push(...validateEnum(c.whenUnsatisfiable, ['DoNotSchedule', 'ScheduleAnyway'], child(p, 'whenUnsatisfiable'), true));
    errs.push(...validateNonNegative(c.minDomains, child(p, 'minDomains')));
    errs.push(...validateLabelSelector(c.labelSelector, child(p, 'labelSelector')));
  }
  return errs;
}

/** A pod template: metadata labels/annotations plus the pod spec. */
export function validatePodTemplateSpec(template: unknown, path: string, extraVolumeNames: readonly string[] = []): FieldError[] {
  const t = asObject(template);
  if (!t) return [required(path)];
  const meta = asObject(t.metadata) ?? {};
  return [
    ...validateLabels(meta.labels, child(path, 'metadata', 'labels')),
    ...validateAnnotations(meta.annotations, child(path, 'metadata', 'annotations')),
    ...validatePodSpec(t.spec, child(path, 'spec'), { template: true, extraVolumeNames }),
  ];
}
