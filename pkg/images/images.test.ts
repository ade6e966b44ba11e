import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOciImage } from './oci-image';
import { pauseExecutable } from './pause-binary';
import { buildPauseImage } from './pause-image';
import { writeTar } from './tar-writer';

describe('tar writer', () => {
  it('writes archives GNU tar lists: files with modes, dirs, symlinks, long names', () => {
    const long = `${'d'.repeat(120)}/file.txt`;
    const tar = writeTar([
      { type: 'dir', name: 'bin' },
      { type: 'file', name: 'bin/tool', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
      { type: 'symlink', name: 'bin/alias', target: 'tool' },
      { type: 'file', name: long, data: Buffer.from('x') },
    ]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-tar-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.tar'), tar);
      const listing = execFileSync('tar', ['tvf', path.join(dir, 'a.tar')], { encoding: 'utf8' });
      expect(listing).toMatch(/^drwxr-xr-x 0\/0 .* bin\/$/m);
      expect(listing).toMatch(/^-rwxr-xr-x 0\/0 +10 .* bin\/tool$/m);
      expect(listing).toMatch(/bin\/alias -> tool$/m);
      expect(listing).toContain(long);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('OCI images', () => {
  it('are reproducible and name themselves for ctr import', () => {
    const a = buildPauseImage('amd64');
    const b = buildPauseImage('amd64');
    expect(a.manifestDigest).toBe(b.manifestDigest);
    expect(a.archive.equals(b.archive)).toBe(true);
    expect(buildPauseImage('arm64').manifestDigest).not.toBe(a.manifestDigest);
    const img = buildOciImage({ name: 'x.local/y:2', arch: 'amd64', layer: [{ type: 'file', name: 'f', data: Buffer.from('1') }] });
    const idx = img.archive.indexOf('io.containerd.image.name');
    expect(idx).toBeGreaterThan(0);
    expect(img.archive.subarray(idx, idx + 60).toString()).toContain('x.local/y:2');
  });
});

describe('pause executable', () => {
  it('is a tiny static ELF for each architecture', () => {
    for (const [arch, machine] of [['amd64', 0x3e], ['arm64', 0xb7]] as const) {
      const b = pauseExecutable(arch);
      expect(b.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
      expect(b.readUInt16LE(18)).toBe(machine);
      expect(b.length).toBeLessThan(200);
    }
  });

  it.skipIf(process.arch !== 'x64')('sleeps until killed and uses no CPU', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-pause-'));
    const file = path.join(dir, 'pause');
    fs.writeFileSync(file, pauseExecutable('amd64'), { mode: 0o755 });
    try {
      const child = spawn(file, [], { stdio: 'ignore' });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, sig) => resolve(sig)));
      await new Promise((r) => setTimeout(r, 300));
      const stat = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      expect(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)).toBe('S');
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
