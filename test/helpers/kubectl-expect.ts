// kubectl calls that assert their outcome, for e2e tests against one TestServer: `ok` returns
// stdout of a command that must succeed, `fails` stderr of one that must not.
import { expect } from 'vitest';
import type { TestServer } from './cluster';

export function kubectlExpect(server: () => TestServer) {
  return {
    async ok(args: string[], input?: string): Promise<string> {
      const r = await server().kubectl(args, { input });
      expect(r.exitCode, `kubectl ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
      return r.stdout;
    },
    async fails(args: string[], input?: string): Promise<string> {
      const r = await server().kubectl(args, { input });
      expect(r.exitCode, `kubectl ${args.join(' ')} should fail\n${r.stdout}`).not.toBe(0);
      return r.stderr;
    },
  };
}
