import { describe, expect, it } from 'vitest';
import { cgroupHierarchies } from './cgroups';
import { renderContainerdConfig } from './containerd-config';

describe('containerd config', () => {
  it('keeps every path under the agent and carries the settings this machine kind needs', () => {
    const toml = renderContainerdConfig({ root: '/d/agent/containerd', state: '/run/k3ts/containerd', address: '/run/k3ts/containerd/containerd.sock', runcRoot: '/run/k3ts/runc', sandboxImage: 'k3ts.local/pause:1', snapshotter: 'overlayfs', cniBinDir: '/usr/lib/cni', cniConfDir: '/d/agent/etc/cni/net.d', streamServerPort: 40000 });
    for (const line of ['version = 2', 'root = "/d/agent/containerd"', 'address = "/run/k3ts/containerd/containerd.sock"', 'restrict_oom_score_adj = true', 'netns_mounts_under_state_dir = true', 'Root = "/run/k3ts/runc"', 'sandbox_image = "k3ts.local/pause:1"', 'SystemdCgroup = false', 'stream_server_port = "40000"']) {
      expect(toml).toContain(line);
    }
  });
});

describe('cgroup hierarchies', () => {
  it('reads v1 controllers (hybrid mode ignores the unified mount) and a pure v2 mount', () => {
    const hybrid = 'cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\ncgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n';
    expect(cgroupHierarchies(hybrid)).toEqual([
      { root: '/sys/fs/cgroup/memory', controllers: ['memory'], version: 1 },
      { root: '/sys/fs/cgroup/cpu,cpuacct', controllers: ['cpu', 'cpuacct'], version: 1 },
    ]);
    expect(cgroupHierarchies('cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\n')).toEqual([{ root: '/sys/fs/cgroup', controllers: [], version: 2 }]);
  });
});

describe('containerd supervisor', () => {
  it('explains how to install containerd when it is missing', async () => {
    const { ContainerdSupervisor } = await import('./containerd-supervisor');
    const { silentLogger } = await import('../log/logger');
    const s = new ContainerdSupervisor(
      { binary: '/nonexistent/containerd', configFile: '/tmp/none/config.toml', logFile: '/tmp/none/log', cgroup: '/k3ts-test/containerd', searchPath: '/nonexistent', root: '/tmp/none/root', state: '/tmp/none/state', address: '/tmp/none/sock', runcRoot: '/tmp/none/runc', sandboxImage: 'p', snapshotter: 'overlayfs', cniBinDir: '/usr/lib/cni', cniConfDir: '/tmp/none/cni' },
      { log: silentLogger() },
    );
    await expect(s.start()).rejects.toMatchObject({ code: 'not-installed', message: expect.stringContaining('apt-get install -y containerd') });
  });
});
