// `k3ts agent` composition root. The kubelet, containerd supervision and pod network arrive with
// the agent issue; until then the command refuses to pretend it joined anything.
import type { FlagValues } from '../cli/flag-spec';
import type { agentFlags } from '../cli/agent-flags';
import { CliError } from '../cli/errors';

export interface AgentRunContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal: AbortSignal;
}

export async function runAgent(flags: FlagValues<typeof agentFlags>, _ctx: AgentRunContext): Promise<void> {
  throw new CliError('missing-tool', `k3ts agent cannot join ${flags.server ?? 'a server'} yet: this build has no kubelet (tracked by the agent issue)`);
}
