// `k3ts agent` composition root. The kubelet, containerd supervision and images work (they run
// inside `k3ts server` today, see start-agent.ts); what a separate agent still lacks is the join
// handshake: fetching /cacerts, checking the token's CA hash, and getting its kubelet client and
// serving certificates from the server (K3s's /v1-k3s/client-kubelet.crt…). Until the server
// serves those, the command refuses to pretend it joined anything.
import type { FlagValues } from '../cli/flag-spec';
import type { agentFlags } from '../cli/agent-flags';
import { CliError } from '../cli/errors';

export interface AgentRunContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal: AbortSignal;
}

export async function runAgent(flags: FlagValues<typeof agentFlags>, _ctx: AgentRunContext): Promise<void> {
  throw new CliError('missing-tool', `k3ts agent cannot join ${flags.server ?? 'a server'} yet: the server does not serve agent certificates for a join token (the agent itself runs inside "k3ts server")`);
}
