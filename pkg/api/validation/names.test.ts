import { describe, expect, it } from 'vitest';
import { isConfigMapKey, isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isLabelValue, isQualifiedName, isValidPortName, nameIsDNSLabel } from './names';
import { formatValue, invalid, notSupported, required, tooLong, tooMany } from './errors';

describe('name formats', () => {
  it('accepts and rejects RFC 1123 subdomains with the standard message', () => {
    expect(isDNS1123Subdomain('my-app.example.com')).toEqual([]);
    const [msg] = isDNS1123Subdomain('My_App');
    expect(msg).toMatch(/^a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '\.'/);
    expect(msg).toContain("regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'");
    expect(isDNS1123Subdomain('a'.repeat(254))).toContain('must be no more than 253 characters');
  });

  it('distinguishes labels, DNS-1035 labels and prefixes of generateName', () => {
    expect(isDNS1123Label('a.b')).toHaveLength(1);
    expect(isDNS1123Label('1abc')).toEqual([]);
    expect(isDNS1035Label('1abc')[0]).toMatch(/^a DNS-1035 label must consist of/);
    expect(isDNS1123Label('a'.repeat(64))).toContain('must be no more than 63 characters');
    expect(nameIsDNSLabel('web-', true)).toEqual([]);
    expect(nameIsDNSLabel('web-', false)).toHaveLength(1);
  });

  it('checks qualified names, label values, config keys, port and env names', () => {
    expect(isQualifiedName('example.com/my-key')).toEqual([]);
    expect(isQualifiedName('/x')).toEqual(['prefix part must be non-empty']);
    expect(isQualifiedName('a/b/c')[0]).toMatch(/^a qualified name must consist of alphanumeric characters/);
    expect(isQualifiedName('-x')[0]).toMatch(/^name part must consist of/);
    expect(isLabelValue('')).toEqual([]);
    expect(isLabelValue('bad value')).toHaveLength(1);
    expect(isConfigMapKey('..data')).toEqual(["must not start with '..'"]);
    expect(isConfigMapKey('a b')[0]).toMatch(/^a valid config key must consist of alphanumeric characters/);
    expect(isValidPortName('http')).toEqual([]);
    expect(isValidPortName('8080')).toEqual(['must contain at least one letter (a-z)']);
    expect(isValidPortName('a--b')).toEqual(['must not contain consecutive hyphens']);
    expect(isEnvVarName('MY.VAR-1')).toEqual([]);
    expect(isEnvVarName('A=B')).toHaveLength(1);
  });
});

describe('field errors', () => {
  it('format details with the standard prefixes', () => {
    expect(required('spec.containers').detail).toBe('Required value');
    expect(invalid('spec.replicas', -1, 'must be greater than or equal to 0').detail).toBe('Invalid value: -1: must be greater than or equal to 0');
    expect(invalid('metadata.name', 'A', 'x').detail).toBe('Invalid value: "A": x');
    expect(notSupported('spec.type', 'Foo', ['ClusterIP', 'NodePort']).detail).toBe('Unsupported value: "Foo": supported values: "ClusterIP", "NodePort"');
    expect(tooLong('', 1048576).detail).toBe('Too long: may not be more than 1048576 bytes');
    expect(tooMany('endpoints', 1001, 1000).detail).toBe('Too many: 1001: must have at most 1000 items');
    expect(formatValue({ app: 'x' })).toBe('{"app":"x"}');
    expect(formatValue(null)).toBe('null');
  });
});
