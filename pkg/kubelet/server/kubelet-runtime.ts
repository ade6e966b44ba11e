// What the kubelet API needs from the container runtime beyond the pod lifecycle's RuntimeService:
// the CRI streaming calls (attach, port-forward), which CriClient provides.
import type { RuntimeService } from '../cri/types';

export interface StreamingRuntime {
  /** A one-time URL on the runtime's streaming server attached to the container's main process. */
  attach(req: { readonly container_id: string; readonly stdin: boolean; readonly tty: boolean; readonly stdout: boolean; readonly stderr: boolean }): Promise<string>;
  /** A one-time URL on the runtime's streaming server forwarding ports inside the sandbox's network namespace. */
  portForward(podSandboxId: string, ports: readonly number[]): Promise<string>;
}

export type KubeletApiRuntime = RuntimeService & StreamingRuntime;
