// DefaultBinder: binds through the API's pods/binding subresource.
import type { CycleState } from '../../framework/cycle-state';
import type { BindPlugin, Handle } from '../../framework/interfaces';
import type { PodInfo } from '../../framework/pod-info';
import { Status } from '../../framework/status';

export const DEFAULT_BINDER = 'DefaultBinder';

export class DefaultBinder implements BindPlugin {
  readonly name = DEFAULT_BINDER;

  constructor(private readonly handle: Pick<Handle, 'actions'>) {}

  async bind(_state: CycleState, pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<Status> {
    try {
      await this.handle.actions.bind(pod, nodeName, signal);
      return Status.SUCCESS;
    } catch (e) {
      return Status.error(e);
    }
  }
}
