// The API Priority and Fairness objects every cluster starts with: upstream's mandatory ones
// (`exempt` and `catch-all`) and its suggested configuration (system, node-high, leader-election,
// workload-high/low, global-default levels and the flow schemas routing components to them),
// marked for automatic update as upstream marks them. Existing objects are left as they are.
import type { KubeObject } from '../../types';
import type { Logger } from '../../../log/logger';

export const FLOWCONTROL_GROUP = 'flowcontrol.apiserver.k8s.io';
export const AUTO_UPDATE_ANNOTATION = 'apf.kubernetes.io/autoupdate-spec';
const API_VERSION = `${FLOWCONTROL_GROUP}/v1`;

type Json = Record<string, unknown>;

function meta(name: string): KubeObject['metadata'] {
  return { name, annotations: { [AUTO_UPDATE_ANNOTATION]: 'true' } };
}

function limited(name: string, shares: number, lendable: number, queuing?: readonly [number, number, number]): KubeObject {
  const limitResponse: Json = queuing ? { type: 'Queue', queuing: { queues: queuing[0], handSize: queuing[1], queueLengthLimit: queuing[2] } } : { type: 'Reject' };
  return { apiVersion: API_VERSION, kind: 'PriorityLevelConfiguration', metadata: meta(name), spec: { type: 'Limited', limited: { nominalConcurrencyShares: shares, lendablePercent: lendable, limitResponse } } };
}

const group = (name: string): Json => ({ kind: 'Group', group: { name } });
const user = (name: string): Json => ({ kind: 'User', user: { name } });
const serviceAccount = (namespace: string, name: string): Json => ({ kind: 'ServiceAccount', serviceAccount: { namespace, name } });
const resources = (verbs: string[], apiGroups: string[], res: string[], namespaces: string[] = ['*'], clusterScope = true): Json => ({ verbs, apiGroups, resources: res, clusterScope, namespaces });
const everything = (): Json => ({ resourceRules: [resources(['*'], ['*'], ['*'])], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }] });

function flowSchema(name: string, level: string, precedence: number, distinguisher: 'ByUser' | 'ByNamespace' | undefined, rules: Json[]): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: 'FlowSchema',
    metadata: meta(name),
    spec: { priorityLevelConfiguration: { name: level }, matchingPrecedence: precedence, ...(distinguisher ? { distinguisherMethod: { type: distinguisher } } : {}), rules },
  };
}

export function bootstrapPriorityLevels(): KubeObject[] {
  return [
    { apiVersion: API_VERSION, kind: 'PriorityLevelConfiguration', metadata: meta('exempt'), spec: { type: 'Exempt', exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } } },
    limited('catch-all', 5, 0),
    limited('system', 30, 33, [64, 6, 50]),
    limited('node-high', 40, 25, [64, 6, 50]),
    limited('leader-election', 10, 0, [16, 4, 50]),
    limited('workload-high', 40, 50, [128, 6, 50]),
    limited('workload-low', 100, 90, [128, 6, 50]),
    limited('global-default', 20, 50, [128, 6, 50]),
  ];
}

export function bootstrapFlowSchemas(): KubeObject[] {
  const allUsers = [group('system:unauthenticated'), group('system:authenticated')];
  const leases = resources(['get', 'create', 'update'], ['coordination.k8s.io'], ['leases'], ['*'], false);
  return [
    flowSchema('exempt', 'exempt', 1, undefined, [{ subjects: [group('system:masters')], ...everything() }]),
    flowSchema('probes', 'exempt', 2, undefined, [{ subjects: allUsers, nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/readyz', '/livez'] }] }]),
    flowSchema('system-leader-election', 'leader-election', 100, 'ByUser', [{ subjects: [user('system:kube-controller-manager'), user('system:kube-scheduler'), serviceAccount('kube-system', '*')], resourceRules: [leases] }]),
    flowSchema('endpoint-controller', 'workload-high', 150, 'ByUser', [
      { subjects: [user('system:kube-controller-manager'), serviceAccount('kube-system', 'endpoint-controller')], resourceRules: [resources(['get', 'create', 'update'], [''], ['endpoints'], ['*'], false)] },
    ]),
    flowSchema('workload-leader-election', 'leader-election', 200, 'ByUser', [{ subjects: [serviceAccount('kube-system', '*')], resourceRules: [leases] }]),
    flowSchema('system-node-high', 'node-high', 400, 'ByUser', [
      { subjects: [group('system:nodes')], resourceRules: [resources(['*'], [''], ['nodes', 'nodes/status']), resources(['*'], ['coordination.k8s.io'], ['leases'], ['*'], false)] },
    ]),
    flowSchema('system-nodes', 'system', 500, 'ByUser', [{ subjects: [group('system:nodes')], ...everything() }]),
    flowSchema('kube-controller-manager', 'workload-high', 800, 'ByNamespace', [{ subjects: [user('system:kube-controller-manager')], ...everything() }]),
    flowSchema('kube-scheduler', 'workload-high', 800, 'ByNamespace', [{ subjects: [user('system:kube-scheduler')], ...everything() }]),
    flowSchema('kube-system-service-accounts', 'workload-high', 900, 'ByNamespace', [{ subjects: [serviceAccount('kube-system', '*')], ...everything() }]),
    flowSchema('service-accounts', 'workload-low', 9000, 'ByUser', [{ subjects: [group('system:serviceaccounts')], ...everything() }]),
    flowSchema('global-default', 'global-default', 9900, 'ByUser', [{ subjects: allUsers, ...everything() }]),
    flowSchema('catch-all', 'catch-all', 10000, 'ByUser', [{ subjects: allUsers, ...everything() }]),
  ];
}

/** The part of a resource store bootstrap needs: create, and a write through a subresource (status). */
export interface BootstrapStore {
  create(namespace: string | undefined, obj: KubeObject): Promise<unknown>;
  update(namespace: string | undefined, name: string, mutate: (current: KubeObject | undefined) => KubeObject, opts: { readonly subresource: string }): Promise<unknown>;
}

/** A bootstrap FlowSchema's status: its priority level exists (not dangling). */
function danglingStatus(fs: KubeObject, now: Date): Record<string, unknown> {
  const level = String((fs.spec as { priorityLevelConfiguration?: { name?: string } } | undefined)?.priorityLevelConfiguration?.name ?? '');
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { conditions: [{ type: 'Dangling', status: 'False', lastTransitionTime: time, reason: 'Found', message: `the priority level ${JSON.stringify(level)} exists` }] };
}

function alreadyExists(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { reason?: unknown }).reason === 'AlreadyExists';
}

/** Creates the bootstrap objects that are missing; returns how many were created. */
export async function ensureFlowControlBootstrap(
  stores: ReadonlyMap<{ readonly group: string; readonly resource: string; readonly storageResource?: string }, BootstrapStore>,
  log: Logger,
  now: Date = new Date(),
): Promise<number> {
  const storeOf = (resource: string) => [...stores].find(([d]) => d.group === FLOWCONTROL_GROUP && d.resource === resource && !d.storageResource)?.[1];
  let created = 0;
  for (const [resource, objects] of [
    ['prioritylevelconfigurations', bootstrapPriorityLevels()],
    ['flowschemas', bootstrapFlowSchemas()],
  ] as const) {
    const store = storeOf(resource);
    if (!store) continue;
    for (const obj of objects) {
      try {
        await store.create(undefined, obj);
        created++;
      } catch (e) {
        if (!alreadyExists(e)) throw e;
        continue;
      }
      if (resource === 'flowschemas') await store.update(undefined, String(obj.metadata.name), (current) => ({ ...(current ?? obj), status: danglingStatus(obj, now) }), { subresource: 'status' });
    }
  }
  if (created > 0) log.info('created API priority and fairness bootstrap objects', { created });
  return created;
}
