// `k3ts killall --data-dir D`: the full stop of the agent that used data dir D (k3ts-killall.sh
// runs it after stopping the service).
import { cgroupRootFor, runDirFor } from './agent-config';
import { killall } from './killall';

export function runKillall(dataDir: string): string {
  const r = killall({ runDir: runDirFor(dataDir), mountRoots: [dataDir], cgroupRoot: cgroupRootFor(dataDir), bridge: 'k3ts0' });
  return `killed ${r.killed} processes, unmounted ${r.unmounted} mounts${r.cgroupsLeft ? '; some cgroups still hold processes' : ''}\n`;
}
