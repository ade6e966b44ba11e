// IPv4 CIDR arithmetic for service and pod ranges.

export interface Ipv4Cidr {
  readonly base: number; // network address as an unsigned 32-bit integer
  readonly prefix: number;
  readonly size: number;
}

export function ipv4ToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new Error(`invalid IPv4 address "${ip}"`);
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function parseCidr(text: string): Ipv4Cidr {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m || Number(m[2]) > 32) throw new Error(`invalid IPv4 CIDR "${text}": expected a.b.c.d/n`);
  const prefix = Number(m[2]);
  const size = 2 ** (32 - prefix);
  const base = Math.floor(ipv4ToInt(m[1]!) / size) * size;
  return { base, prefix, size };
}

/** The n-th address of the range (1 = first usable: 10.43.0.1 in 10.43.0.0/16). */
export function nthAddress(cidr: Ipv4Cidr, n: number): string {
  if (n < 0 || n >= cidr.size) throw new Error(`address ${n} is outside a /${cidr.prefix}`);
  return intToIpv4(cidr.base + n);
}

export function cidrContains(cidr: Ipv4Cidr, ip: string): boolean {
  const v = ipv4ToInt(ip);
  return v >= cidr.base && v < cidr.base + cidr.size;
}
