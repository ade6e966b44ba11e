import { describe, expect, it } from 'vitest';
import { fallbackPodCidr, kubeletPortOf, runDirFor } from './agent-config';
import { renderCniConflist } from './cni-conflist';
import { portmapCleanup } from './killall';

const NAT = `*nat
:PREROUTING ACCEPT [0:0]
:CNI-DN-a531 - [0:0]
:CNI-DN-other - [0:0]
:CNI-HOSTPORT-DNAT - [0:0]
:CNI-HOSTPORT-MASQ - [0:0]
:CNI-HOSTPORT-SETMARK - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ
-A CNI-DN-a531 -p tcp -m tcp --dport 18080 -j DNAT --to-destination 10.42.0.2:80
-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"k3ts\\" id: \\"40ed\\"" -m multiport --dports 18080 -j CNI-DN-a531
-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE
-A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000
COMMIT
`;

describe('agent config', () => {
  it('derives the run dir, the fallback pod range and the kubelet port', () => {
    expect(runDirFor('/var/lib/rancher/k3ts')).toBe('/run/k3ts');
    expect(runDirFor('/tmp/x/data')).toMatch(/^\/run\/k3ts-[0-9a-f]{8}$/);
    expect(fallbackPodCidr('10.42.0.0/16')).toBe('10.42.0.0/24');
    expect(fallbackPodCidr('10.50.7.0/26')).toBe('10.50.7.0/26');
    expect(kubeletPortOf([])).toBe(10250);
    expect(kubeletPortOf(['max-pods=20', 'port=0'])).toBe(0);
  });

  it('writes a bridge + host-local + portmap conflist for the pod range', () => {
    const conf = JSON.parse(renderCniConflist({ podCidr: '10.42.3.0/24', ipamDataDir: '/run/k3ts/cni-ipam' }));
    expect(conf.plugins.map((p: { type: string }) => p.type)).toEqual(['bridge', 'portmap']);
    expect(conf.plugins[0]).toMatchObject({ bridge: 'k3ts0', isGateway: true, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet: '10.42.3.0/24' }]], dataDir: '/run/k3ts/cni-ipam' } });
  });
});

describe('killall', () => {
  it('removes only its network portmap chains, then the shared ones once unused', () => {
    const out = portmapCleanup(NAT, 'k3ts')!;
    expect(out.split('\n')).toEqual([
      '*nat',
      '-D CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"k3ts\\" id: \\"40ed\\"" -m multiport --dports 18080 -j CNI-DN-a531',
      '-F CNI-DN-a531',
      '-X CNI-DN-a531',
      '-D PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
      '-D OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
      '-D POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ',
      '-F CNI-HOSTPORT-DNAT',
      '-F CNI-HOSTPORT-SETMARK',
      '-F CNI-HOSTPORT-MASQ',
      '-X CNI-HOSTPORT-DNAT',
      '-X CNI-HOSTPORT-SETMARK',
      '-X CNI-HOSTPORT-MASQ',
      'COMMIT',
      '',
    ]);
    const shared = NAT.replace('COMMIT', '-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"other\\" id: \\"1\\"" -j CNI-DN-other\nCOMMIT');
    expect(portmapCleanup(shared, 'k3ts')).not.toContain('-X CNI-HOSTPORT-DNAT');
    expect(portmapCleanup('*nat\nCOMMIT\n', 'k3ts')).toBeUndefined();
  });
});
