// What the runtime holds, grouped by pod UID (from the labels the kubelet put on every sandbox and
// container). Listing this is how the kubelet finds its pods again after a restart, notices
// containers that exited (a relist every second, like upstream's PLEG), and finds leftovers of
// pods that are gone from the API.
import type { Container, PodSandbox, RuntimeService } from './cri/types';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID } from './sandbox-config';

export interface PodRuntime {
  readonly uid: string;
  /** Newest first. */
  readonly sandboxes: readonly PodSandbox[];
  /** Newest first. */
  readonly containers: readonly Container[];
}

const byNewest = <T extends { created_at: string }>(a: T, b: T) => (BigInt(b.created_at) > BigInt(a.created_at) ? 1 : BigInt(b.created_at) < BigInt(a.created_at) ? -1 : 0);

export async function listRuntimePods(rt: RuntimeService): Promise<Map<string, PodRuntime>> {
  const [sandboxes, containers] = await Promise.all([rt.listPodSandbox(), rt.listContainers()]);
  const out = new Map<string, { uid: string; sandboxes: PodSandbox[]; containers: Container[] }>();
  const entry = (uid: string) => {
    let e = out.get(uid);
    if (!e) out.set(uid, (e = { uid, sandboxes: [], containers: [] }));
    return e;
  };
  for (const s of sandboxes) {
    const uid = s.labels[LABEL_POD_UID] ?? s.metadata?.uid;
    if (uid) entry(uid).sandboxes.push(s);
  }
  for (const c of containers) {
    const uid = c.labels[LABEL_POD_UID];
    if (uid) entry(uid).containers.push(c);
  }
  for (const e of out.values()) {
    e.sandboxes.sort(byNewest);
    e.containers.sort(byNewest);
  }
  return out;
}

export function containerName(c: Container): string {
  return c.labels[LABEL_CONTAINER_NAME] ?? c.metadata?.name ?? '';
}

/** A compact fingerprint of a pod's runtime state: it changes when anything starts, stops or goes. */
export function runtimeFingerprint(p: PodRuntime | undefined): string {
  if (!p) return '';
  return [...p.sandboxes.map((s) => `s:${s.id}:${s.state}`), ...p.containers.map((c) => `c:${c.id}:${c.state}`)].join(',');
}

export function emptyRuntime(uid: string): PodRuntime {
  return { uid, sandboxes: [], containers: [] };
}
