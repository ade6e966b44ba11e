// IP addresses and CIDRs in the strict forms the API accepts for new objects (no IPv4 leading
// zeros, no IPv6 zones).
import { isIPv4 as nodeIsIPv4, isIPv6 as nodeIsIPv6 } from 'node:net';
import type { FieldError } from '../types';
import { invalid } from './errors';

export function isIPv4(value: string): boolean {
  return nodeIsIPv4(value);
}

export function isIPv6(value: string): boolean {
  return !value.includes('%') && nodeIsIPv6(value);
}

export function isIP(value: string): boolean {
  return isIPv4(value) || isIPv6(value);
}

export function ipFamilyOf(value: string): 'IPv4' | 'IPv6' | undefined {
  return isIPv4(value) ? 'IPv4' : isIPv6(value) ? 'IPv6' : undefined;
}

export function validateIP(value: string, path: string): FieldError[] {
  return isIP(value) ? [] : [invalid(path, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

/** `10.42.0.0/24`, `fd00::/64`: address plus prefix length within the family's range. */
export function isCIDR(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return false;
  const addr = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(bits) || (bits.length > 1 && bits.startsWith('0'))) return false;
  const n = Number(bits);
  if (isIPv4(addr)) return n <= 32;
  if (isIPv6(addr)) return n <= 128;
  return false;
}

export function validateCIDR(value: string, path: string): FieldError[] {
  return isCIDR(value) ? [] : [invalid(path, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')];
}

function ipv4Octets(value: string): number[] {
  return value.split('.').map(Number);
}

/**
 * Endpoint addresses may not be special-purpose: unspecified, loopback, link-local or link-local
 * multicast. Returns the problem or undefined.
 */
export function specialIPProblem(value: string): string | undefined {
  if (isIPv4(value)) {
    const [a, b, c] = ipv4Octets(value);
    if (value === '0.0.0.0') return 'may not be unspecified (0.0.0.0)';
    if (a === 127) return 'may not be in the loopback range (127.0.0.0/8, ::1/128)';
    if (a === 169 && b === 254) return 'may not be in the link-local range (169.254.0.0/16, fe80::/10)';
    if (a === 224 && b === 0 && c === 0) return 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)';
    return undefined;
  }
  if (isIPv6(value)) {
    const lower = value.toLowerCase();
    if (lower === '::') return 'may not be unspecified (::)';
    if (lower === '::1') return 'may not be in the loopback range (127.0.0.0/8, ::1/128)';
    if (/^fe[89ab][0-9a-f]:/.test(lower)) return 'may not be in the link-local range (169.254.0.0/16, fe80::/10)';
    if (/^ff02:/.test(lower)) return 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)';
  }
  return undefined;
}

/** A valid IP that is also usable as an endpoint address. */
export function validateEndpointIP(value: string, path: string): FieldError[] {
  const errs = validateIP(value, path);
  if (errs.length) return errs;
  const problem = specialIPProblem(value);
  return problem ? [invalid(path, value, problem)] : [];
}
