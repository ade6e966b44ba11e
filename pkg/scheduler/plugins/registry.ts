// The explicit plugin registry (ARCHITECTURE rule 10; upstream's plugins/registry.go): every
// built-in plugin by name, with its factory and the extension points it serves (what multiPoint
// enables it at). Profiles in a KubeSchedulerConfiguration refer to these names.
import type { ExtensionPoint, PluginPoints } from '../config/scheduler-config';
import type { PluginFactory } from '../framework/interfaces';
import { DEFAULT_BINDER, DefaultBinder } from './defaultbinder/default-binder';
import { DEFAULT_PREEMPTION, DefaultPreemption } from './defaultpreemption/default-preemption';
import { IMAGE_LOCALITY, ImageLocality } from './imagelocality/image-locality';
import { INTER_POD_AFFINITY, InterPodAffinity } from './interpodaffinity/inter-pod-affinity';
import { NODE_AFFINITY, NodeAffinity } from './nodeaffinity/node-affinity';
import { NODE_NAME, NodeName } from './nodename/node-name';
import { NODE_PORTS, NodePorts } from './nodeports/node-ports';
import { NODE_RESOURCES_BALANCED_ALLOCATION, NodeResourcesBalancedAllocation } from './noderesources/balanced-allocation';
import { NODE_RESOURCES_FIT, NodeResourcesFit } from './noderesources/fit';
import { NODE_UNSCHEDULABLE, NodeUnschedulable } from './nodeunschedulable/node-unschedulable';
import { POD_TOPOLOGY_SPREAD, PodTopologySpread } from './podtopologyspread/pod-topology-spread';
import { PRIORITY_SORT, PrioritySort } from './queuesort/priority-sort';
import { TAINT_TOLERATION, TaintToleration } from './tainttoleration/taint-toleration';
import { VOLUME_BINDING, VolumeBinding } from './volumebinding/volume-binding';

export interface RegistryEntry {
  readonly factory: PluginFactory;
  readonly points: readonly ExtensionPoint[];
}

export type Registry = ReadonlyMap<string, RegistryEntry>;

/** A fresh registry of the built-in plugins (callers may add their own entries to a copy). */
export function builtinRegistry(): Registry {
  return new Map<string, RegistryEntry>([
    [PRIORITY_SORT, { factory: () => new PrioritySort(), points: ['queueSort'] }],
    [NODE_UNSCHEDULABLE, { factory: (_args, handle) => new NodeUnschedulable(handle), points: ['preFilter', 'filter'] }],
    [NODE_NAME, { factory: () => new NodeName(), points: ['preFilter', 'filter'] }],
    [TAINT_TOLERATION, { factory: (_args, handle) => new TaintToleration(handle), points: ['preFilter', 'filter', 'preScore', 'score'] }],
    [NODE_AFFINITY, { factory: () => new NodeAffinity(), points: ['preFilter', 'filter', 'preScore', 'score'] }],
    [NODE_PORTS, { factory: () => new NodePorts(), points: ['preFilter', 'filter'] }],
    [NODE_RESOURCES_FIT, { factory: (args) => new NodeResourcesFit(args), points: ['filter', 'preScore', 'score'] }],
    [VOLUME_BINDING, { factory: (_args, handle) => new VolumeBinding(handle), points: ['preFilter', 'filter', 'reserve', 'preBind'] }],
    [POD_TOPOLOGY_SPREAD, { factory: () => new PodTopologySpread(), points: ['preFilter', 'filter', 'preScore', 'score'] }],
    [INTER_POD_AFFINITY, { factory: (_args, handle) => new InterPodAffinity(handle), points: ['preFilter', 'filter', 'preScore', 'score'] }],
    [DEFAULT_PREEMPTION, { factory: (_args, handle) => new DefaultPreemption(handle), points: ['postFilter'] }],
    [NODE_RESOURCES_BALANCED_ALLOCATION, { factory: (args) => new NodeResourcesBalancedAllocation(args), points: ['preScore', 'score'] }],
    [IMAGE_LOCALITY, { factory: (_args, handle) => new ImageLocality(handle), points: ['preScore', 'score'] }],
    [DEFAULT_BINDER, { factory: (_args, handle) => new DefaultBinder(handle), points: ['bind'] }],
  ]);
}

export function pluginPoints(registry: Registry): PluginPoints {
  return new Map([...registry].map(([name, e]) => [name, e.points]));
}

export function pluginFactories(registry: Registry): ReadonlyMap<string, PluginFactory> {
  return new Map([...registry].map(([name, e]) => [name, e.factory]));
}
