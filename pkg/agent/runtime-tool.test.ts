import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findOnPath } from '../fsutil/find-on-path';
import { runtimeToolArgs } from './runtime-tool';

describe('k3ts ctr / crictl', () => {
  it('points the tool at the agent socket unless the user chose one', () => {
    expect(runtimeToolArgs('ctr', ['images', 'ls'], '/run/k3ts/containerd/containerd.sock')).toEqual(['--address', '/run/k3ts/containerd/containerd.sock', '--namespace', 'k8s.io', 'images', 'ls']);
    expect(runtimeToolArgs('ctr', ['-n', 'default', '--address=/x.sock', 'c', 'ls'], '/s')).toEqual(['-n', 'default', '--address=/x.sock', 'c', 'ls']);
    expect(runtimeToolArgs('crictl', ['ps'], '/s')).toEqual(['--runtime-endpoint', 'unix:///s', '--image-endpoint', 'unix:///s', 'ps']);
  });

  it('never picks the k3ts executable itself, even through a symlink', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-path-'));
    try {
      const self = path.join(dir, 'k3ts');
      fs.writeFileSync(self, '#!/bin/sh\n', { mode: 0o755 });
      fs.mkdirSync(path.join(dir, 'a'));
      fs.mkdirSync(path.join(dir, 'b'));
      fs.symlinkSync(self, path.join(dir, 'a', 'ctr'));
      fs.writeFileSync(path.join(dir, 'b', 'ctr'), '#!/bin/sh\n', { mode: 0o755 });
      const searchPath = `${path.join(dir, 'a')}:${path.join(dir, 'b')}`;
      expect(findOnPath('ctr', searchPath, { exclude: self })).toBe(path.join(dir, 'b', 'ctr'));
      expect(findOnPath('ctr', searchPath)).toBe(path.join(dir, 'a', 'ctr'));
      expect(findOnPath('crictl', searchPath, { exclude: self })).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
