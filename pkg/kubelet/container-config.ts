// The CRI ContainerConfig of one container attempt: image, command/args with $(VAR) expansion, env,
// mounts, labels the kubelet finds it by, log path `<name>/<attempt>.log` under the sandbox's log
// directory, Linux resources and security context.
import { containerEnv, expandVars, type EnvContext } from './container-env';
import type { ContainerConfig } from './cri/types';
import type { ContainerSpec, Pod } from './pod-types';
import { linuxResources, qosClassOf } from './resources';
import { ANNOTATION_GRACE_PERIOD, ANNOTATION_RESTART_COUNT, ANNOTATION_TERMINATION_MESSAGE_PATH, LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID } from './sandbox-config';
import { containerMounts } from './volumes';

export interface ContainerConfigContext extends EnvContext {
  readonly volumes: ReadonlyMap<string, string>;
  readonly machineMemory: number;
  /** Host file mounted at the container's terminationMessagePath. */
  readonly terminationLog?: string;
}

export async function buildContainerConfig(pod: Pod, c: ContainerSpec, attempt: number, ctx: ContainerConfigContext): Promise<ContainerConfig> {
  const envs = await containerEnv(pod, c, ctx);
  const vars = new Map(envs.map((e) => [e.key, e.value]));
  const sc = c.securityContext;
  const podSc = pod.spec.securityContext;
  const runAsUser = sc?.runAsUser ?? podSc?.runAsUser;
  const runAsGroup = sc?.runAsGroup ?? podSc?.runAsGroup;
  const terminationPath = c.terminationMessagePath ?? '/dev/termination-log';
  const mounts = containerMounts(c, ctx.volumes);
  if (ctx.terminationLog) mounts.push({ container_path: terminationPath, host_path: ctx.terminationLog, readonly: false });
  return {
    metadata: { name: c.name, attempt },
    image: { image: c.image ?? '' },
    ...(c.command ? { command: c.command.map((s) => expandVars(s, vars)) } : {}),
    ...(c.args ? { args: c.args.map((s) => expandVars(s, vars)) } : {}),
    ...(c.workingDir ? { working_dir: c.workingDir } : {}),
    envs,
    mounts,
    labels: { [LABEL_CONTAINER_NAME]: c.name, [LABEL_POD_NAME]: String(pod.metadata.name), [LABEL_POD_NAMESPACE]: String(pod.metadata.namespace), [LABEL_POD_UID]: String(pod.metadata.uid) },
    annotations: {
      [ANNOTATION_RESTART_COUNT]: String(attempt),
      [ANNOTATION_TERMINATION_MESSAGE_PATH]: terminationPath,
      [ANNOTATION_GRACE_PERIOD]: String(pod.spec.terminationGracePeriodSeconds ?? 30),
    },
    log_path: `${c.name}/${attempt}.log`,
    stdin: !!c.stdin,
    stdin_once: !!c.stdinOnce,
    tty: !!c.tty,
    linux: {
      resources: linuxResources(c, qosClassOf(pod), ctx.machineMemory),
      security_context: {
        privileged: !!sc?.privileged,
        namespace_options: {
          network: pod.spec.hostNetwork ? 'NODE' : 'POD',
          pid: pod.spec.hostPID ? 'NODE' : pod.spec.shareProcessNamespace ? 'POD' : 'CONTAINER',
          ipc: pod.spec.hostIPC ? 'NODE' : 'POD',
        },
        ...(sc?.capabilities ? { capabilities: { add_capabilities: sc.capabilities.add ?? [], drop_capabilities: sc.capabilities.drop ?? [] } } : {}),
        ...(runAsUser !== undefined ? { run_as_user: { value: String(runAsUser) } } : {}),
        ...(runAsGroup !== undefined ? { run_as_group: { value: String(runAsGroup) } } : {}),
        ...(podSc?.supplementalGroups ? { supplemental_groups: podSc.supplementalGroups.map(String) } : {}),
        readonly_rootfs: !!sc?.readOnlyRootFilesystem,
        no_new_privs: sc?.allowPrivilegeEscalation === false,
      },
    },
  };
}
