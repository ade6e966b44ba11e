// The plugin seams (ARCHITECTURE rule 10; upstream's framework/interface.go): a plugin is a name
// plus one small interface per extension point it serves, each returning a Status. The scheduling
// cycle (PreFilter … Permit) is synchronous; only Bind (and waiting in Permit) is asynchronous.
import type { Labels } from '../../api/selectors';
import type { KubeObject } from '../../api/types';
import type { Clock } from '../../client/clock';
import type { Logger } from '../../log/logger';
import type { CycleState } from './cycle-state';
import type { NodeInfo } from './node-info';
import type { PodInfo } from './pod-info';
import type { Status } from './status';

export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

export interface Plugin {
  readonly name: string;
}

/** Orders the active queue (one per profile). */
export interface QueueSortPlugin extends Plugin {
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
}

/** A PreFilter that narrows the nodes worth filtering (e.g. spec.nodeName, metadata.name affinity). */
export class PreFilterResult {
  constructor(
    readonly nodeNames: ReadonlySet<string>,
    readonly status: Status,
  ) {}
}

/** Lets preemption ask a PreFilter plugin to update its cycle state as pods are added/removed in a simulation. */
export interface PreFilterExtensions {
  addPod(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): Status;
  removePod(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): Status;
}

export interface PreFilterPlugin extends Plugin {
  /** Skip → this plugin's Filter is not called for the pod; a rejection ends the cycle for every node. */
  preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status | PreFilterResult;
  readonly preFilterExtensions?: PreFilterExtensions;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status;
}

/** Per-node outcome of filtering; nodes not listed get `absent`. */
export interface NodeToStatus {
  readonly statuses: ReadonlyMap<string, Status>;
  readonly absent: Status;
}

export interface PostFilterResult {
  readonly status: Status;
  /** Where the pod should go once preemption victims are gone ('' clears a nomination). */
  readonly nominatedNodeName?: string;
}

export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: PodInfo, filtered: NodeToStatus): PostFilterResult;
}

export interface PreScorePlugin extends Plugin {
  /** Skip → this plugin's Score is not called for the pod. */
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status;
}

export interface ScorePlugin extends Plugin {
  /** A score in [0, 100] (or a raw score that normalizeScore maps there), or a Status on failure. */
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number | Status;
  /**
   * Optional: score() for every node at once into scores[i] (what score() gives for nodes[i]), for
   * plugins whose per-node work is a few reads. Returns a Status on failure.
   */
  scoreAll?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: number[]): Status | undefined;
}

/** Score plugins may also normalize their raw scores (scores[i] belongs to nodes[i]). */
export interface NormalizeScorePlugin extends Plugin {
  normalizeScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: number[]): Status;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Status;
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

export interface PermitResult {
  readonly status: Status;
  /** How long a Wait may last. */
  readonly timeoutMs?: number;
}

export interface PermitPlugin extends Plugin {
  permit(state: CycleState, pod: PodInfo, nodeName: string): PermitResult;
}

/** Work before the binding (API writes such as volume bindings); a failure un-reserves the pod. */
export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<Status>;
}

export interface BindPlugin extends Plugin {
  /** Skip → the next bind plugin binds. */
  bind(state: CycleState, pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<Status>;
}

/** What kind of change in the cluster can make a rejected pod schedulable (requeue hints). */
export type ClusterEventResource = 'Node' | 'AssignedPod' | 'UnscheduledPod' | 'PersistentVolumeClaim' | 'PersistentVolume' | 'StorageClass';
export type ClusterEventAction = 'Add' | 'Update' | 'Delete' | 'UpdateNodeAllocatable' | 'UpdateNodeLabel' | 'UpdateNodeTaint' | 'UpdateNodeCondition' | 'UpdateNodeImages' | 'UpdatePodLabel' | 'UpdatePodRequest' | 'UpdatePod';

export interface ClusterEvent {
  readonly resource: ClusterEventResource;
  readonly action: ClusterEventAction;
}

/** Plugins that reject pods say which events may change their mind. */
export interface EnqueueExtensions {
  eventsToRegister(): readonly ClusterEvent[];
}

/** A pod in the scheduling queue with its attempt bookkeeping. */
export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** When the pod entered the queue (ms); breaks priority ties, oldest first. */
  timestamp: number;
  /** When it was first tried (ms), for latency figures. */
  initialAttemptTimestamp: number | undefined;
  attempts: number;
  /** Plugins that rejected it in its last attempt (empty → any event may help). */
  unschedulablePlugins: Set<string>;
  /** Set when the last attempt ended in an error rather than a rejection. */
  failedWithError: boolean;
}

/** The nodes as the scheduling cycle sees them. */
export interface Snapshot {
  /** Every node, in a stable order. */
  nodes(): readonly NodeInfo[];
  get(name: string): NodeInfo | undefined;
  /** How many nodes report `image` (normalized name). */
  imageNodeCount(image: string): number;
  /** Pods in the cluster with required anti-affinity (for the existing-pods check). */
  podsWithRequiredAntiAffinity(): number;
  /** Pods in the cluster with any inter-pod affinity. */
  podsWithAffinity(): number;
  /** Nodes with a NoSchedule or NoExecute taint, with a PreferNoSchedule taint, and cordoned ones (plugins skip what cannot matter). */
  nodesWithHardTaints(): number;
  nodesWithSoftTaints(): number;
  unschedulableNodes(): number;
}

/** Pods nominated to nodes by preemption, which later cycles must leave room for. */
export interface Nominator {
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
}

/** The writes a plugin may ask for (binding, preemption), done through the API by the scheduler. */
export interface ClusterActions {
  /** POST pods/binding; rejects with the API's error. */
  bind(pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<void>;
  /** Marks the victim with the DisruptionTarget condition and deletes it. */
  preemptVictim(victim: PodInfo, preemptor: PodInfo, nodeName: string): void;
  /** Records status.nominatedNodeName on the pod ('' clears it). */
  setNominatedNodeName(pod: PodInfo, nodeName: string): void;
}

/** What plugins get from the framework that built them. */
export interface Handle {
  readonly snapshot: Snapshot;
  readonly clock: Clock;
  readonly log: Logger;
  readonly nominator: Nominator;
  readonly actions: ClusterActions;
  /** PersistentVolumeClaims, PersistentVolumes and StorageClasses (VolumeBinding); absent in tests that need none. */
  readonly volumes?: VolumeLister;
  /** The API writes of volume binding at PreBind; absent in tests that need none. */
  readonly volumeWriter?: VolumeWriter;
  /** Labels of a namespace (namespaceSelector in affinity terms); undefined when unknown. */
  namespaceLabels(namespace: string): Labels;
  /** The framework running this profile (for preemption's simulations). */
  readonly framework: FrameworkRunner;
  readonly random: () => number;
}

/** Volume objects as the scheduler's informers have them. */
export interface VolumeLister {
  claim(namespace: string, name: string): KubeObject | undefined;
  volume(name: string): KubeObject | undefined;
  volumes(): readonly KubeObject[];
  storageClass(name: string): KubeObject | undefined;
}

/** The API writes of VolumeBinding's PreBind (ApiActions in the scheduler, a fake in tests). */
export interface VolumeWriter {
  /** Puts the claim into the PV's spec.claimRef (the PV controller completes the binding). */
  bindVolume(pv: KubeObject, claim: KubeObject, signal: AbortSignal): Promise<void>;
  /** Annotates the claim with the node its volume is to be provisioned for. */
  selectNode(claim: KubeObject, nodeName: string, signal: AbortSignal): Promise<void>;
}

/** The part of a profile's framework preemption uses. */
export interface FrameworkRunner {
  runFilterWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo): Status;
  runPreFilterExtensionAddPod(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): Status;
  runPreFilterExtensionRemovePod(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): Status;
}

/** Builds a plugin from its args (the pluginConfig entry, already defaulted) and the handle. */
export type PluginFactory = (args: unknown, handle: Handle) => Plugin;
