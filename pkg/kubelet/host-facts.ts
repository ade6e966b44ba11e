// What the node reports about its host, read from /proc, /sys and /etc: CPUs, memory, the data
// dir's filesystem, kernel and OS, machine and boot IDs.
import * as fs from 'node:fs';
import * as os from 'node:os';

export interface HostFacts {
  readonly cpus: number;
  readonly memoryBytes: number;
  readonly ephemeralStorageBytes: number;
  readonly kernelVersion: string;
  readonly osImage: string;
  readonly machineID: string;
  readonly systemUUID: string;
  readonly bootID: string;
  /** Go's GOARCH name (amd64, arm64). */
  readonly architecture: string;
}

function read(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

export function memTotalBytes(meminfo: string): number {
  const m = /^MemTotal:\s+(\d+)\s+kB/m.exec(meminfo);
  return m ? Number(m[1]) * 1024 : os.totalmem();
}

export function onlineCpus(): number {
  const online = read('/sys/devices/system/cpu/online');
  if (online) {
    let n = 0;
    for (const part of online.split(',')) {
      const [a, b] = part.split('-').map(Number);
      n += b === undefined ? 1 : b - a! + 1;
    }
    if (n > 0) return n;
  }
  return os.cpus().length || 1;
}

export function readHostFacts(dataDir: string): HostFacts {
  let storage = 0;
  try {
    const st = fs.statfsSync(dataDir);
    storage = st.blocks * st.bsize;
  } catch {
    storage = 0;
  }
  const osRelease = read('/etc/os-release');
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? 'Linux';
  return {
    cpus: onlineCpus(),
    memoryBytes: memTotalBytes(read('/proc/meminfo')),
    ephemeralStorageBytes: storage,
    kernelVersion: os.release(),
    osImage: pretty,
    machineID: read('/etc/machine-id'),
    systemUUID: read('/sys/class/dmi/id/product_uuid').toLowerCase(),
    bootID: read('/proc/sys/kernel/random/boot_id'),
    architecture: process.arch === 'x64' ? 'amd64' : process.arch,
  };
}
