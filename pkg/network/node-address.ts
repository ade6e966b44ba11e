// The node's own addresses when --node-ip is not given: the first non-internal IPv4 address.
import * as os from 'node:os';

export function detectNodeIPs(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): string[] {
  for (const addrs of Object.values(interfaces)) {
    const v4 = (addrs ?? []).find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return [v4.address];
  }
  return ['127.0.0.1'];
}
