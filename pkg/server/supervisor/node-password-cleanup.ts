// As K3s does: when a Node is deleted, its node-password Secret goes too, so a reinstalled machine
// (new password) can join again under the same name after `kubectl delete node`. Runs on every
// server (a second delete of the same Secret is a harmless 404).
import type { KubeObject } from '../../api/types';
import type { Clock } from '../../client/clock';
import { StatusError } from '../../client/errors';
import { RESOURCES } from '../../client/resource-ref';
import type { RestClient } from '../../client/rest-client';
import { SharedInformer } from '../../client/shared-informer';
import type { Logger } from '../../log/logger';
import { NODE_PASSWORD_NAMESPACE, NODE_PASSWORD_SECRETS } from './node-passwords';
import { nodePasswordSecretName } from './protocol';

export function startNodePasswordCleanup(client: RestClient, deps: { clock: Clock; log: Logger }, signal: AbortSignal): Promise<void> {
  const nodes = new SharedInformer<KubeObject>({ client: client.resource(RESOURCES.nodes), clock: deps.clock, log: deps.log, metadataOnly: true });
  const secrets = client.resource(NODE_PASSWORD_SECRETS);
  nodes.addEventHandler({
    delete(node) {
      const name = nodePasswordSecretName(node.metadata.name ?? '');
      secrets.delete(NODE_PASSWORD_NAMESPACE, name).then(
        () => deps.log.info('removed the node password of a deleted node', { node: node.metadata.name ?? '' }),
        (e: unknown) => {
          if (!(e instanceof StatusError && e.status === 404)) deps.log.warn('cannot remove the node password of a deleted node', { node: node.metadata.name ?? '', error: (e as Error).message });
        },
      );
    },
  });
  return nodes.run(signal);
}
