import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from './drivers/memory';
import { SqliteBackend } from './drivers/sqlite';
import { InvalidEndpointError } from './errors';
import { openBackend, parseEndpoint } from './open-backend';

const defaults = { defaultSqlitePath: '/var/lib/k3ts/server/db/state.db' };

describe('parseEndpoint', () => {
  it('defaults to sqlite at the default path', () => {
    expect(parseEndpoint('', defaults)).toEqual({ driver: 'sqlite', path: defaults.defaultSqlitePath });
    expect(parseEndpoint('  ', defaults)).toEqual({ driver: 'sqlite', path: defaults.defaultSqlitePath });
    expect(parseEndpoint('sqlite://', defaults)).toEqual({ driver: 'sqlite', path: defaults.defaultSqlitePath });
  });

  it('takes the sqlite path, ignoring kine-style query parameters', () => {
    expect(parseEndpoint('sqlite:///data/state.db?_journal=WAL&cache=shared', defaults)).toEqual({ driver: 'sqlite', path: '/data/state.db' });
    expect(parseEndpoint('sqlite://rel/state.db', defaults)).toEqual({ driver: 'sqlite', path: path.resolve('rel/state.db') });
  });

  it('recognises memory, postgres and mysql', () => {
    expect(parseEndpoint('memory', defaults)).toEqual({ driver: 'memory' });
    expect(parseEndpoint('memory://', defaults)).toEqual({ driver: 'memory' });
    expect(parseEndpoint('postgres://u:p@db:5432/k3ts?sslmode=disable', defaults)).toEqual({ driver: 'postgres', url: 'postgres://u:p@db:5432/k3ts?sslmode=disable' });
    expect(parseEndpoint('postgresql://db/k3ts', defaults)).toEqual({ driver: 'postgres', url: 'postgresql://db/k3ts' });
    expect(parseEndpoint('mysql://root@127.0.0.1:3306/k3ts', defaults)).toEqual({ driver: 'mysql', url: 'mysql://root@127.0.0.1:3306/k3ts' });
    expect(parseEndpoint('mysql://u:p@tcp(db:3306)/k3ts', defaults)).toEqual({ driver: 'mysql', url: 'mysql://u:p@tcp(db:3306)/k3ts' });
  });

  it('maps etcd:// and http(s):// member lists to etcd endpoints', () => {
    expect(parseEndpoint('etcd://127.0.0.1:2379', defaults)).toEqual({ driver: 'etcd', endpoints: ['http://127.0.0.1:2379'] });
    expect(parseEndpoint('etcd://a:2379,b', { ...defaults, tls: { caFile: '/ca.pem' } })).toEqual({
      driver: 'etcd',
      endpoints: ['https://a:2379', 'https://b:2379'],
    });
    expect(parseEndpoint('https://10.0.0.1:2379,https://[fd00::2]:2379/', defaults)).toEqual({
      driver: 'etcd',
      endpoints: ['https://10.0.0.1:2379', 'https://[fd00::2]:2379'],
    });
  });

  it('rejects what it does not understand with InvalidEndpointError and the accepted forms', () => {
    for (const bad of ['state.db', 'redis://x:6379', 'postgres://', 'mysql://', 'https://a:2379/path', 'etcd://u:p@a:2379', 'etcd://a:notaport']) {
      let err: unknown;
      try {
        parseEndpoint(bad, defaults);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(InvalidEndpointError);
      expect((err as InvalidEndpointError).code).toBe('invalid-endpoint');
      expect((err as Error).message).toContain(JSON.stringify(bad));
    }
  });
});

describe('openBackend', () => {
  it('dispatches memory and sqlite through the registry; the backend is returned unstarted', async () => {
    const mem = await openBackend('memory', defaults);
    expect(mem).toBeInstanceOf(MemoryBackend);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-open-'));
    try {
      const file = path.join(dir, 'server', 'db', 'state.db');
      const b = await openBackend('', { defaultSqlitePath: file });
      expect(b).toBeInstanceOf(SqliteBackend);
      expect(fs.existsSync(file)).toBe(false);
      await b.start();
      await b.create('/registry/x', new Uint8Array([1]));
      await b.close();
      expect(fs.existsSync(file)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
