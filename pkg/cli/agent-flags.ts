// `k3ts agent` flags.
import { commonFlags, nodeFlags } from './common-flags';
import { defineFlags } from './flag-spec';

export const agentOnlyFlags = defineFlags({
  token: { flag: 'token', short: 't', type: 'string', env: 'K3TS_TOKEN', arg: '<token>', description: 'Token to use for authentication' },
  tokenFile: { flag: 'token-file', type: 'string', env: 'K3TS_TOKEN_FILE', arg: '<file>', description: 'File containing the token' },
  server: { flag: 'server', short: 's', type: 'string', env: 'K3TS_URL', arg: '<url>', description: 'Server to connect to (https://host:6443)' },
  disableNetworkPolicy: { flag: 'disable-network-policy', type: 'bool', description: 'Do not run the network policy controller on this node' },
});

export const agentFlags = defineFlags({ ...commonFlags, ...agentOnlyFlags, ...nodeFlags });
