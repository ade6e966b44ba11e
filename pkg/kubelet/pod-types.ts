// Typed read-only views of the parts of a Pod the kubelet reads. Pods come from the API as JSON that
// the API server already validated, so a view is a cast plus defaults, never a copy.
import type { KubeObject } from '../api/types';

export interface EnvVarSource {
  readonly fieldRef?: { readonly fieldPath?: string; readonly apiVersion?: string };
  readonly resourceFieldRef?: { readonly resource?: string; readonly containerName?: string; readonly divisor?: string | number };
  readonly secretKeyRef?: { readonly name?: string; readonly key?: string; readonly optional?: boolean };
  readonly configMapKeyRef?: { readonly name?: string; readonly key?: string; readonly optional?: boolean };
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: EnvVarSource;
}

export interface EnvFromSource {
  readonly prefix?: string;
  readonly configMapRef?: { readonly name?: string; readonly optional?: boolean };
  readonly secretRef?: { readonly name?: string; readonly optional?: boolean };
}

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly hostPort?: number;
  readonly hostIP?: string;
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
}

export interface ResourceRequirements {
  readonly limits?: Readonly<Record<string, string | number>>;
  readonly requests?: Readonly<Record<string, string | number>>;
}

export interface VolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
  readonly subPath?: string;
}

export interface SecurityContext {
  readonly privileged?: boolean;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly readOnlyRootFilesystem?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
}

/** How a probe or hook reaches the container (one of these is set). */
export interface HandlerSpec {
  readonly exec?: { readonly command?: readonly string[] };
  readonly httpGet?: {
    readonly path?: string;
    readonly port: number | string;
    readonly host?: string;
    readonly scheme?: 'HTTP' | 'HTTPS';
    readonly httpHeaders?: readonly { readonly name: string; readonly value: string }[];
  };
  readonly tcpSocket?: { readonly port: number | string; readonly host?: string };
  readonly grpc?: { readonly port: number; readonly service?: string };
  readonly sleep?: { readonly seconds: number };
}

export interface ProbeSpec extends HandlerSpec {
  readonly initialDelaySeconds?: number;
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly successThreshold?: number;
  readonly failureThreshold?: number;
  readonly terminationGracePeriodSeconds?: number;
}

export interface LifecycleSpec {
  readonly postStart?: HandlerSpec;
  readonly preStop?: HandlerSpec;
}

export interface ContainerSpec {
  readonly name: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly workingDir?: string;
  readonly env?: readonly EnvVar[];
  readonly envFrom?: readonly EnvFromSource[];
  readonly ports?: readonly ContainerPort[];
  readonly resources?: ResourceRequirements;
  readonly volumeMounts?: readonly VolumeMount[];
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  readonly securityContext?: SecurityContext;
  readonly stdin?: boolean;
  readonly stdinOnce?: boolean;
  readonly tty?: boolean;
  readonly terminationMessagePath?: string;
  readonly terminationMessagePolicy?: 'File' | 'FallbackToLogsOnError';
  readonly livenessProbe?: ProbeSpec;
  readonly readinessProbe?: ProbeSpec;
  readonly startupProbe?: ProbeSpec;
  readonly lifecycle?: LifecycleSpec;
}

export interface Volume {
  readonly name: string;
  readonly emptyDir?: { readonly medium?: string; readonly sizeLimit?: string };
  readonly hostPath?: { readonly path: string; readonly type?: string };
  readonly configMap?: { readonly name?: string; readonly items?: readonly { readonly key: string; readonly path: string; readonly mode?: number }[]; readonly optional?: boolean; readonly defaultMode?: number };
  readonly secret?: { readonly secretName?: string; readonly items?: readonly { readonly key: string; readonly path: string; readonly mode?: number }[]; readonly optional?: boolean; readonly defaultMode?: number };
}

export interface PodSpec {
  readonly nodeName?: string;
  readonly containers: readonly ContainerSpec[];
  readonly initContainers?: readonly ContainerSpec[];
  readonly volumes?: readonly Volume[];
  readonly restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  readonly terminationGracePeriodSeconds?: number;
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly shareProcessNamespace?: boolean;
  readonly hostname?: string;
  readonly subdomain?: string;
  readonly dnsPolicy?: 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';
  readonly dnsConfig?: { readonly nameservers?: readonly string[]; readonly searches?: readonly string[]; readonly options?: readonly { readonly name: string; readonly value?: string }[] };
  readonly serviceAccountName?: string;
  readonly enableServiceLinks?: boolean;
  readonly securityContext?: { readonly runAsUser?: number; readonly runAsGroup?: number; readonly supplementalGroups?: readonly number[]; readonly sysctls?: readonly { readonly name: string; readonly value: string }[] };
}

export interface ContainerStateApi {
  readonly waiting?: { readonly reason?: string; readonly message?: string };
  readonly running?: { readonly startedAt?: string };
  readonly terminated?: { readonly exitCode: number; readonly signal?: number; readonly reason?: string; readonly message?: string; readonly startedAt?: string; readonly finishedAt?: string; readonly containerID?: string };
}

export interface ContainerStatusApi {
  readonly name: string;
  readonly state: ContainerStateApi;
  readonly lastState: ContainerStateApi;
  readonly ready: boolean;
  readonly restartCount: number;
  readonly image: string;
  readonly imageID: string;
  readonly containerID?: string;
  readonly started?: boolean;
}

export interface PodCondition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly lastProbeTime?: string | null;
  readonly lastTransitionTime?: string;
  readonly reason?: string;
  readonly message?: string;
}

export interface PodStatus {
  readonly phase?: string;
  readonly conditions?: readonly PodCondition[];
  readonly hostIP?: string;
  readonly hostIPs?: readonly { readonly ip: string }[];
  readonly podIP?: string;
  readonly podIPs?: readonly { readonly ip: string }[];
  readonly startTime?: string;
  readonly qosClass?: string;
  readonly containerStatuses?: readonly ContainerStatusApi[];
  readonly initContainerStatuses?: readonly ContainerStatusApi[];
  readonly message?: string;
  readonly reason?: string;
}

export interface Pod extends KubeObject {
  readonly spec: PodSpec;
  readonly status?: PodStatus;
}

/** A pod object from the API as a typed view (containers default to none). */
export function asPod(obj: KubeObject): Pod {
  const spec = (obj.spec ?? {}) as Partial<PodSpec>;
  return (Array.isArray(spec.containers) ? obj : { ...obj, spec: { ...spec, containers: [] } }) as Pod;
}

export function podUid(pod: KubeObject): string {
  return String(pod.metadata.uid ?? '');
}

export function podFullName(pod: KubeObject): string {
  return `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
}
