import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseShimCmdline, removeShimLeftovers, shimSocketName } from './shim-leftovers';

const ADDRESS = '/run/k3ts-3e191c15/containerd/containerd.sock';
const ID = '17bcbda5e1fa757ef5380b9682a2fd9d77407f32e72b7a59892e91c121284234';

describe('shim leftovers', () => {
  it('recognizes the shims of one containerd and names their sockets as containerd 1.6 does', () => {
    const cmd = ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'k8s.io', '-id', ID, '-address', ADDRESS, ''].join('\0');
    const ref = parseShimCmdline(42, cmd, ADDRESS);
    expect(ref).toEqual({ pid: 42, id: ID, namespace: 'k8s.io', address: ADDRESS });
    expect(parseShimCmdline(42, cmd, '/run/k3ts/containerd/containerd.sock')).toBeUndefined();
    expect(parseShimCmdline(42, ['/usr/bin/containerd', '--config', 'x'].join('\0'), ADDRESS)).toBeUndefined();
    // Observed on this machine for exactly this shim.
    expect(shimSocketName(ref!)).toBe('9bb27b15dd672946ddb9449380b0ec75304171a69a13c4d8029ccb6c48997fe1');
  });

  it("removes the shims' sockets and their sandboxes' CNI cache entries, nothing else", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-shim-'));
    try {
      const socketDir = path.join(dir, 's');
      const cniCache = path.join(dir, 'results');
      fs.mkdirSync(socketDir);
      fs.mkdirSync(cniCache);
      const ref = { pid: 1, id: ID, namespace: 'k8s.io', address: ADDRESS };
      const keep = ['other-socket', 'k3ts-otherid-eth0'];
      fs.writeFileSync(path.join(socketDir, shimSocketName(ref)), '');
      fs.writeFileSync(path.join(socketDir, keep[0]!), '');
      for (const f of [`k3ts-${ID}-eth0`, `cni-loopback-${ID}-lo`, keep[1]!]) fs.writeFileSync(path.join(cniCache, f), '{}');
      expect(removeShimLeftovers([ref], { socketDir, cniCache })).toBe(3);
      expect(fs.readdirSync(socketDir)).toEqual([keep[0]]);
      expect(fs.readdirSync(cniCache)).toEqual([keep[1]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
