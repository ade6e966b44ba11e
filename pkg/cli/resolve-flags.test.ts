import { describe, expect, it } from 'vitest';
import type { ConfigEntry } from './config-file';
import { defineFlags } from './flag-spec';
import { resolveFlags } from './resolve-flags';

const schema = defineFlags({
  dataDir: { flag: 'data-dir', type: 'string', env: 'K3TS_DATA_DIR', description: 'd' },
  port: { flag: 'https-listen-port', type: 'int', default: 6443, description: 'p' },
  san: { flag: 'tls-san', type: 'list', env: 'K3TS_TLS_SAN', description: 's' },
  debug: { flag: 'debug', type: 'bool', env: 'K3TS_DEBUG', description: 'b' },
  backend: { flag: 'flannel-backend', type: 'string', default: 'vxlan', choices: ['vxlan', 'host-gw', 'none'], description: 'f' },
});

const cfg = (o: Record<string, ConfigEntry['value']>) => new Map(Object.entries(o).map(([k, value]) => [k, { value, file: '/etc/cfg.yaml' }]));

describe('resolveFlags', () => {
  it('prefers command line over config file over environment over default', () => {
    const env = { K3TS_DATA_DIR: '/env', K3TS_DEBUG: 'true', K3TS_TLS_SAN: 'a, b' };
    const r = resolveFlags(schema, { cli: new Map([['dataDir', '/cli']]), config: cfg({ 'data-dir': '/cfg', 'https-listen-port': 7443 }), env });
    expect(r.values).toEqual({ dataDir: '/cli', port: 7443, san: ['a', 'b'], debug: true, backend: 'vxlan' });
    expect(r.sources).toEqual({ dataDir: 'cli', port: 'config', san: 'env', debug: 'env', backend: 'default' });
    const r2 = resolveFlags(schema, { cli: new Map(), config: cfg({ 'data-dir': '/cfg' }), env });
    expect(r2.values.dataDir).toBe('/cfg');
    expect(Object.isFrozen(r2.values)).toBe(true);
  });

  it('coerces types and rejects bad values naming the flag and source', () => {
    const base = { cli: new Map<string, unknown>(), env: {} };
    expect(resolveFlags(schema, { ...base, config: cfg({ 'tls-san': 'one', debug: 'false' }) }).values).toMatchObject({ san: ['one'], debug: false });
    expect(() => resolveFlags(schema, { ...base, config: cfg({ 'https-listen-port': 'abc' }) })).toThrow(/--https-listen-port \(config file \/etc\/cfg.yaml\): expected an integer/);
    expect(() => resolveFlags(schema, { ...base, cli: new Map([['backend', 'wireguard']]), config: new Map() })).toThrow(/--flannel-backend \(command line\): expected one of vxlan, host-gw, none/);
    expect(() => resolveFlags(schema, { ...base, config: cfg({ 'data-dir': ['a', 'b'] }) })).toThrow(/expected a single value/);
    expect(() => resolveFlags(schema, { ...base, config: new Map(), env: { K3TS_DEBUG: 'maybe' } })).toThrow(/--debug \(environment\): expected true or false/);
  });
});
