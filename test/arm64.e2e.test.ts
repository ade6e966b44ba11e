// The Raspberry Pi build: the cross-built linux/arm64 executable, run under qemu-user-static
// (no binfmt_misc here, so qemu is invoked explicitly with the aarch64 sysroot).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtBinary } from './helpers/binary';

const QEMU = ['/usr/bin/qemu-aarch64-static', '-L', '/usr/aarch64-linux-gnu'] as const;

describe('k3ts-arm64 under qemu', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-arm64-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('is an aarch64 ELF under 100 MB', () => {
    const file = builtBinary('k3ts-arm64');
    expect(fs.statSync(file).size).toBeLessThan(100 * 1000 * 1000);
    const header = Buffer.alloc(20);
    const fd = fs.openSync(file, 'r');
    fs.readSync(fd, header, 0, 20, 0);
    fs.closeSync(fd);
    expect(header.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(header.readUInt16LE(18)).toBe(183); // EM_AARCH64
  });

  it('prints its version and does a sqlite round trip with its embedded addon', async () => {
    const file = builtBinary('k3ts-arm64');
    const env = { PATH: '/usr/local/sbin:/usr/sbin', HOME: tmp };
    const v = await execa(QEMU[0], [...QEMU.slice(1), file, '--version'], { cwd: tmp, env, extendEnv: false, timeout: 120_000 });
    expect(v.stdout).toContain('arch linux/arm64');
    const s = await execa(QEMU[0], [...QEMU.slice(1), file, 'self-test', '--data-dir', tmp], { cwd: tmp, env, extendEnv: false, timeout: 120_000 });
    expect(s.stdout).toMatch(/^sqlite \d+\.\d+\.\d+ round trip ok \(linux\/arm64, embedded addon\)$/m);
  }, 180_000);
});
