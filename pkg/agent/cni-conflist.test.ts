import { describe, expect, it } from 'vitest';
import { renderCniConflist } from './cni-conflist';

describe('CNI conflist', () => {
  it('carries the pod network MTU and adds bandwidth only when asked (plugin installed)', () => {
    const conf = JSON.parse(renderCniConflist({ podCidr: '10.42.3.0/24', ipamDataDir: '/run/k3ts/cni-ipam', mtu: 1450, bandwidth: true }));
    expect(conf.plugins[0]).toMatchObject({ type: 'bridge', bridge: 'k3ts0', mtu: 1450, ipMasq: false });
    expect(conf.plugins.map((p: { type: string }) => p.type)).toEqual(['bridge', 'portmap', 'bandwidth']);
    expect(conf.plugins[2]).toEqual({ type: 'bandwidth', capabilities: { bandwidth: true } });
    const plain = JSON.parse(renderCniConflist({ podCidr: '10.42.3.0/24', ipamDataDir: '/x' }));
    expect(plain.plugins.map((p: { type: string }) => p.type)).toEqual(['bridge', 'portmap']);
    expect(plain.plugins[0].mtu).toBeUndefined();
  });
});
