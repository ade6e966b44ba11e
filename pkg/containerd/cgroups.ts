// Control groups by path (`/k3ts/containerd`), on cgroup v1 (one hierarchy per controller, as on
// this machine kind) or v2 (one unified hierarchy). Used to give containerd its own group and to
// remove the pod-level groups containerd leaves behind (notes/runtime.md gotcha 8).
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CgroupHierarchy {
  /** Mount point, e.g. /sys/fs/cgroup/memory. */
  readonly root: string;
  /** Controllers bound to it (`memory`, `cpu`, `name=systemd`…); empty for v2. */
  readonly controllers: readonly string[];
  readonly version: 1 | 2;
}

/** Hierarchies from /proc/self/mounts. In hybrid mode (v1 controllers + v2 "unified") only v1 counts. */
export function cgroupHierarchies(mountsText?: string): CgroupHierarchy[] {
  const text = mountsText ?? fs.readFileSync('/proc/self/mounts', 'utf8');
  const v1: CgroupHierarchy[] = [];
  const v2: CgroupHierarchy[] = [];
  for (const line of text.split('\n')) {
    const [, mountPoint, type, options] = line.split(' ');
    if (!mountPoint || !options) continue;
    const dir = mountPoint.replace(/\\040/g, ' ');
    if (type === 'cgroup') {
      const controllers = options.split(',').filter((o) => !['rw', 'ro', 'relatime', 'nosuid', 'nodev', 'noexec', 'clone_children'].includes(o) && !o.startsWith('release_agent'));
      v1.push({ root: dir, controllers, version: 1 });
    } else if (type === 'cgroup2') {
      v2.push({ root: dir, controllers: [], version: 2 });
    }
  }
  return v1.length > 0 ? v1 : v2.slice(0, 1);
}

function relPath(group: string): string {
  const rel = path.posix.normalize(`/${group}`);
  if (rel === '/' || rel.includes('..')) throw new Error(`cgroup path "${group}" must name a group below the root`);
  return rel;
}

export class Cgroups {
  constructor(readonly hierarchies: readonly CgroupHierarchy[] = cgroupHierarchies()) {}

  /** Directories of `group` in every hierarchy. */
  dirs(group: string): string[] {
    const rel = relPath(group);
    return this.hierarchies.map((h) => path.join(h.root, rel));
  }

  /** Creates `group` in every hierarchy; new cpuset groups get their parent's cpus and mems (they start empty). */
  create(group: string): void {
    const rel = relPath(group);
    for (const h of this.hierarchies) {
      const isCpuset = h.version === 1 && h.controllers.includes('cpuset');
      let dir = h.root;
      for (const part of rel.split('/').filter(Boolean)) {
        const parent = dir;
        dir = path.join(dir, part);
        if (!fs.existsSync(dir)) fs.mkdirSync(dir);
        if (isCpuset) {
          for (const f of ['cpuset.cpus', 'cpuset.mems']) {
            const own = fs.readFileSync(path.join(dir, f), 'utf8').trim();
            if (!own) fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join(parent, f), 'utf8').trim());
          }
        }
      }
    }
  }

  /** Moves a process into `group` in every hierarchy (create it first). */
  attach(group: string, pid: number): void {
    for (const dir of this.dirs(group)) fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
  }

  /** Processes in `group` (from the first hierarchy that has it). */
  pids(group: string): number[] {
    for (const dir of this.dirs(group)) {
      try {
        return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
      } catch {
        // try the next hierarchy
      }
    }
    return [];
  }

  /**
   * Removes `group` and every group below it in every hierarchy, deepest first. Groups that still
   * hold processes stay (EBUSY); returns true when nothing is left.
   */
  remove(group: string): boolean {
    let clean = true;
    const rmTree = (dir: string): void => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) if (e.isDirectory()) rmTree(path.join(dir, e.name));
      try {
        fs.rmdirSync(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') clean = false;
      }
    };
    for (const dir of this.dirs(group)) rmTree(dir);
    return clean;
  }

  exists(group: string): boolean {
    return this.dirs(group).some((d) => fs.existsSync(d));
  }
}
