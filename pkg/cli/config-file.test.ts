import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfigFiles } from './config-file';
import { CliError } from './errors';

const known = new Set(['data-dir', 'tls-san', 'node-label', 'debug', 'https-listen-port']);

describe('loadConfigFiles', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-cfg-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads keys, applies drop-ins in name order, and appends with key+', () => {
    const file = path.join(dir, 'config.yaml');
    fs.writeFileSync(file, 'data-dir: /a\ntls-san: [one]\nnode-label: x=1\n');
    fs.mkdirSync(`${file}.d`);
    fs.writeFileSync(`${file}.d/20-b.yaml`, 'tls-san+: [three]\ndata-dir: /c\n');
    fs.writeFileSync(`${file}.d/10-a.yaml`, 'tls-san+: two\nnode-label: [y=2]\n');
    fs.writeFileSync(`${file}.d/ignored.txt`, 'not: yaml-considered\n');
    const cfg = loadConfigFiles({ file, optional: false, knownKeys: known });
    expect(cfg.files).toEqual([file, `${file}.d/10-a.yaml`, `${file}.d/20-b.yaml`]);
    expect(cfg.entries.get('tls-san')?.value).toEqual(['one', 'two', 'three']);
    expect(cfg.entries.get('node-label')?.value).toEqual(['y=2']);
    expect(cfg.entries.get('data-dir')).toEqual({ value: '/c', file: `${file}.d/20-b.yaml` });
  });

  it('rejects unknown keys, naming each and its file', () => {
    const file = path.join(dir, 'config.yaml');
    fs.writeFileSync(file, 'data-dir: /a\nbogus-key: 1\ntls-sans: [x]\n');
    const err = (() => {
      try {
        loadConfigFiles({ file, optional: false, knownKeys: known });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).code).toBe('unknown-config-key');
    expect((err as CliError).message).toContain('"bogus-key"');
    expect((err as CliError).message).toContain('"tls-sans"');
    expect((err as CliError).message).toContain(file);
  });

  it('treats a missing default file as empty but a missing explicit file as an error', () => {
    const file = path.join(dir, 'nope.yaml');
    expect(loadConfigFiles({ file, optional: true, knownKeys: known }).entries.size).toBe(0);
    expect(() => loadConfigFiles({ file, optional: false, knownKeys: known })).toThrow(/does not exist/);
  });

  it('rejects invalid YAML and non-mapping documents with the file name', () => {
    const file = path.join(dir, 'config.yaml');
    fs.writeFileSync(file, 'data-dir: [unclosed\n');
    expect(() => loadConfigFiles({ file, optional: false, knownKeys: known })).toThrow(/not valid YAML/);
    fs.writeFileSync(file, '- a\n- b\n');
    expect(() => loadConfigFiles({ file, optional: false, knownKeys: known })).toThrow(/must be a mapping/);
    fs.writeFileSync(file, 'data-dir: {nested: map}\n');
    expect(() => loadConfigFiles({ file, optional: false, knownKeys: known })).toThrow(/"data-dir" must be/);
  });
});
