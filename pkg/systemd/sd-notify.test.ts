import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { notifyReady } from './sd-notify';

const hasTools = ['/usr/bin/systemd-notify', '/usr/bin/socat'].every((f) => fs.existsSync(f));

describe('notifyReady', () => {
  it('does nothing without NOTIFY_SOCKET', async () => {
    const calls: string[] = [];
    const r = await notifyReady({ env: {}, pid: 1, run: async (f) => void calls.push(f) }, 'up');
    expect(r).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('runs systemd-notify with READY, our pid and a status', async () => {
    const calls: Array<{ file: string; args: readonly string[]; env: Record<string, string> }> = [];
    await notifyReady({ env: { NOTIFY_SOCKET: '/run/x.sock', PATH: '/bin' }, pid: 42, run: async (file, args, env) => void calls.push({ file, args, env }) }, 'API ready');
    expect(calls).toEqual([{ file: 'systemd-notify', args: ['--ready', '--no-block', '--pid=42', '--status=API ready'], env: { NOTIFY_SOCKET: '/run/x.sock', PATH: '/bin' } }]);
  });

  it.skipIf(!hasTools)('delivers READY=1 to a real notify socket', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-notify-'));
    const sock = path.join(dir, 'notify.sock');
    const listener = spawn('socat', ['-u', `UNIX-RECV:${sock}`, 'STDOUT'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let got = '';
    listener.stdout.on('data', (d: Buffer) => (got += d.toString()));
    try {
      const deadline = Date.now() + 5000;
      while (!fs.existsSync(sock) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const err = await notifyReady({ env: { NOTIFY_SOCKET: sock, PATH: process.env.PATH }, pid: process.pid }, 'ready for tests');
      expect(err).toBeUndefined();
      while (!got.includes('READY=1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(got).toContain('READY=1');
      expect(got).toContain('STATUS=ready for tests');
    } finally {
      listener.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
