// KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1), the file kube-scheduler reads with
// --config and k3ts with `--kube-scheduler-arg=config=<file>`: profiles (schedulerName, plugins per
// extension point, pluginConfig args), percentageOfNodesToScore, backoff and leader election.
// Each profile's plugin lists start from the default set and apply `disabled` then `enabled`, as
// upstream merges them; `multiPoint` enables a plugin at every extension point it implements.
import { parse as parseYaml } from 'yaml';
import { SchedulerError } from '../errors';

export const CONFIG_API_VERSION = 'kubescheduler.config.k8s.io/v1';
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export const EXTENSION_POINTS = ['queueSort', 'preFilter', 'filter', 'postFilter', 'preScore', 'score', 'reserve', 'permit', 'preBind', 'bind'] as const;
export type ExtensionPoint = (typeof EXTENSION_POINTS)[number];

export interface PluginRef {
  readonly name: string;
  readonly weight?: number;
}

export interface ProfileConfig {
  readonly schedulerName: string;
  readonly plugins: Readonly<Record<ExtensionPoint, readonly PluginRef[]>>;
  /** Plugin name → args as written in pluginConfig (each plugin defaults and validates its own). */
  readonly pluginConfig: ReadonlyMap<string, unknown>;
  readonly percentageOfNodesToScore?: number;
}

export interface LeaderElectionSettings {
  readonly leaderElect: boolean;
  readonly resourceName: string;
  readonly resourceNamespace: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

export interface SchedulerConfig {
  readonly profiles: readonly ProfileConfig[];
  /** 0 = adaptive (50% minus 1% per 125 nodes, at least 5%); at least 100 nodes are always tried. */
  readonly percentageOfNodesToScore: number;
  readonly podInitialBackoffMs: number;
  readonly podMaxBackoffMs: number;
  readonly leaderElection: LeaderElectionSettings;
}

/** Which extension points each built-in plugin serves when enabled through multiPoint. */
export type PluginPoints = ReadonlyMap<string, readonly ExtensionPoint[]>;

/** The default profile's plugins in upstream's order, with their default score weights. */
export const DEFAULT_PLUGINS: readonly PluginRef[] = Object.freeze([
  { name: 'PrioritySort' },
  { name: 'NodeUnschedulable' },
  { name: 'NodeName' },
  { name: 'TaintToleration', weight: 3 },
  { name: 'NodeAffinity', weight: 2 },
  { name: 'NodePorts' },
  { name: 'NodeResourcesFit', weight: 1 },
  { name: 'VolumeBinding' },
  { name: 'PodTopologySpread', weight: 2 },
  { name: 'InterPodAffinity', weight: 2 },
  { name: 'DefaultPreemption' },
  { name: 'NodeResourcesBalancedAllocation', weight: 1 },
  { name: 'ImageLocality', weight: 1 },
  { name: 'DefaultBinder' },
]);

export const DEFAULT_LEADER_ELECTION: LeaderElectionSettings = Object.freeze({
  leaderElect: true,
  resourceName: 'kube-scheduler',
  resourceNamespace: 'kube-system',
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
});

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

function invalid(msg: string): SchedulerError {
  return new SchedulerError('invalid-config', msg);
}

/** Go duration text (`15s`, `1m30s`, `500ms`) → milliseconds. */
export function parseDuration(v: unknown, field: string): number {
  if (typeof v === 'number') return v / 1e6;
  if (typeof v !== 'string') throw invalid(`${field}: expected a duration such as "15s"; got ${JSON.stringify(v)}`);
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of v.matchAll(re)) {
    total += Number(m[1]) * units[m[2]!]!;
    consumed += m[0].length;
  }
  if (consumed === 0 || consumed !== v.length) throw invalid(`${field}: ${JSON.stringify(v)} is not a duration such as "15s"`);
  return total;
}

function pluginRefs(v: unknown, field: string): PluginRef[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`${field}: expected a list of {name, weight}`);
  return v.map((e, i) => {
    const o = obj(e);
    if (!o || typeof o.name !== 'string' || !o.name) throw invalid(`${field}[${i}].name: required`);
    if (o.weight !== undefined && (typeof o.weight !== 'number' || !Number.isInteger(o.weight) || o.weight < 0)) throw invalid(`${field}[${i}].weight: expected a non-negative integer`);
    return { name: o.name, ...(typeof o.weight === 'number' && o.weight > 0 ? { weight: o.weight } : {}) };
  });
}

function percentage(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 100) throw invalid(`${field}: expected an integer between 0 and 100; got ${JSON.stringify(v)}`);
  return v;
}

/** Expands the default plugin list to per-extension-point lists. */
function defaultLists(points: PluginPoints): Record<ExtensionPoint, PluginRef[]> {
  const lists = Object.fromEntries(EXTENSION_POINTS.map((p) => [p, [] as PluginRef[]])) as Record<ExtensionPoint, PluginRef[]>;
  for (const ref of DEFAULT_PLUGINS) for (const p of points.get(ref.name) ?? []) lists[p].push(p === 'score' ? { name: ref.name, weight: ref.weight ?? 1 } : { name: ref.name });
  return lists;
}

function mergePlugins(raw: Json | undefined, points: PluginPoints, schedulerName: string): Record<ExtensionPoint, PluginRef[]> {
  const lists = defaultLists(points);
  if (!raw) return lists;
  const field = (p: string) => `profiles[${schedulerName}].plugins.${p}`;
  const multi = obj(raw.multiPoint);
  if (multi) {
    const disabled = pluginRefs(multi.disabled, `${field('multiPoint')}.disabled`);
    for (const p of EXTENSION_POINTS) {
      lists[p] = disabled.some((d) => d.name === '*') ? [] : lists[p].filter((r) => !disabled.some((d) => d.name === r.name));
    }
    for (const e of pluginRefs(multi.enabled, `${field('multiPoint')}.enabled`)) {
      const served = points.get(e.name);
      if (!served) throw new SchedulerError('unknown-plugin', `${field('multiPoint')}: plugin ${JSON.stringify(e.name)} is not registered; known: ${[...points.keys()].join(', ')}`);
      for (const p of served) upsert(lists[p], p === 'score' ? { name: e.name, weight: e.weight ?? 1 } : { name: e.name });
    }
  }
  for (const p of EXTENSION_POINTS) {
    const set = obj(raw[p]);
    if (!set) continue;
    const disabled = pluginRefs(set.disabled, `${field(p)}.disabled`);
    if (disabled.some((d) => d.name === '*')) lists[p] = [];
    else lists[p] = lists[p].filter((r) => !disabled.some((d) => d.name === r.name));
    for (const e of pluginRefs(set.enabled, `${field(p)}.enabled`)) {
      if (!points.has(e.name)) throw new SchedulerError('unknown-plugin', `${field(p)}.enabled: plugin ${JSON.stringify(e.name)} is not registered; known: ${[...points.keys()].join(', ')}`);
      upsert(lists[p], p === 'score' ? { name: e.name, weight: e.weight ?? 1 } : { name: e.name });
    }
  }
  return lists;
}

function upsert(list: PluginRef[], ref: PluginRef): void {
  const i = list.findIndex((r) => r.name === ref.name);
  if (i >= 0) list[i] = ref;
  else list.push(ref);
}

/** The configuration without a file: one default-scheduler profile with the default plugins. */
export function defaultSchedulerConfig(points: PluginPoints): SchedulerConfig {
  return schedulerConfigFrom({ apiVersion: CONFIG_API_VERSION, kind: 'KubeSchedulerConfiguration' }, points);
}

/** Parses a KubeSchedulerConfiguration document (YAML or JSON text). */
export function parseSchedulerConfig(text: string, points: PluginPoints, source = 'scheduler config'): SchedulerConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text, { strict: true, uniqueKeys: true, logLevel: 'error' });
  } catch (e) {
    throw invalid(`${source}: not valid YAML: ${(e as Error).message}`);
  }
  try {
    return schedulerConfigFrom(doc, points);
  } catch (e) {
    if (e instanceof SchedulerError) throw new SchedulerError(e.code, `${source}: ${e.message}`);
    throw e;
  }
}

export function schedulerConfigFrom(doc: unknown, points: PluginPoints): SchedulerConfig {
  const root = obj(doc);
  if (!root) throw invalid('expected a KubeSchedulerConfiguration object');
  if (root.apiVersion !== CONFIG_API_VERSION || root.kind !== 'KubeSchedulerConfiguration') {
    throw invalid(`expected apiVersion ${CONFIG_API_VERSION} and kind KubeSchedulerConfiguration; got ${String(root.apiVersion)} ${String(root.kind)}`);
  }
  const rawProfiles = root.profiles === undefined || root.profiles === null ? [{}] : root.profiles;
  if (!Array.isArray(rawProfiles) || rawProfiles.length === 0) throw invalid('profiles: expected a non-empty list');
  const names = new Set<string>();
  const profiles = rawProfiles.map((rp, i): ProfileConfig => {
    const p = obj(rp) ?? {};
    const schedulerName = typeof p.schedulerName === 'string' && p.schedulerName ? p.schedulerName : DEFAULT_SCHEDULER_NAME;
    if (names.has(schedulerName)) throw new SchedulerError('unknown-profile', `profiles[${i}].schedulerName: duplicate profile ${JSON.stringify(schedulerName)}`);
    names.add(schedulerName);
    const pluginConfig = new Map<string, unknown>();
    for (const [j, pc] of (Array.isArray(p.pluginConfig) ? p.pluginConfig : []).entries()) {
      const o = obj(pc);
      if (!o || typeof o.name !== 'string') throw invalid(`profiles[${i}].pluginConfig[${j}].name: required`);
      if (!points.has(o.name)) throw new SchedulerError('unknown-plugin', `profiles[${i}].pluginConfig[${j}]: plugin ${JSON.stringify(o.name)} is not registered`);
      if (pluginConfig.has(o.name)) throw invalid(`profiles[${i}].pluginConfig[${j}]: duplicate args for ${o.name}`);
      pluginConfig.set(o.name, o.args ?? {});
    }
    const pct = percentage(p.percentageOfNodesToScore, `profiles[${i}].percentageOfNodesToScore`);
    return { schedulerName, plugins: mergePlugins(obj(p.plugins), points, schedulerName), pluginConfig, ...(pct !== undefined ? { percentageOfNodesToScore: pct } : {}) };
  });
  const initial = root.podInitialBackoffSeconds ?? 1;
  const max = root.podMaxBackoffSeconds ?? 10;
  if (typeof initial !== 'number' || initial <= 0) throw invalid('podInitialBackoffSeconds: expected a positive number');
  if (typeof max !== 'number' || max < initial) throw invalid('podMaxBackoffSeconds: expected a number not below podInitialBackoffSeconds');
  const le = obj(root.leaderElection) ?? {};
  const leaderElection: LeaderElectionSettings = {
    leaderElect: le.leaderElect === undefined ? true : le.leaderElect === true,
    resourceName: typeof le.resourceName === 'string' && le.resourceName ? le.resourceName : DEFAULT_LEADER_ELECTION.resourceName,
    resourceNamespace: typeof le.resourceNamespace === 'string' && le.resourceNamespace ? le.resourceNamespace : DEFAULT_LEADER_ELECTION.resourceNamespace,
    leaseDurationMs: le.leaseDuration === undefined ? DEFAULT_LEADER_ELECTION.leaseDurationMs : parseDuration(le.leaseDuration, 'leaderElection.leaseDuration'),
    renewDeadlineMs: le.renewDeadline === undefined ? DEFAULT_LEADER_ELECTION.renewDeadlineMs : parseDuration(le.renewDeadline, 'leaderElection.renewDeadline'),
    retryPeriodMs: le.retryPeriod === undefined ? DEFAULT_LEADER_ELECTION.retryPeriodMs : parseDuration(le.retryPeriod, 'leaderElection.retryPeriod'),
  };
  return Object.freeze({
    profiles,
    percentageOfNodesToScore: percentage(root.percentageOfNodesToScore, 'percentageOfNodesToScore') ?? 0,
    podInitialBackoffMs: initial * 1000,
    podMaxBackoffMs: max * 1000,
    leaderElection: Object.freeze(leaderElection),
  });
}
