import { describe, expect, it } from 'vitest';
import { controllerManagerArgs, goDurationMs } from './controller-manager-args';

describe('--kube-controller-manager-arg', () => {
  it('reads Go durations', () => {
    expect(goDurationMs('40s')).toBe(40_000);
    expect(goDurationMs('1m30s')).toBe(90_000);
    expect(goDurationMs('500ms')).toBe(500);
    expect(goDurationMs('1.5h')).toBe(5_400_000);
    for (const bad of ['', '40', '-5s', '5 s', 's', '1m30']) expect(() => goDurationMs(bad), bad).toThrow(/is not a duration/);
  });

  it('takes the node lifecycle grace periods and returns the rest as unsupported', () => {
    const r = controllerManagerArgs(['node-monitor-grace-period=10s', '--node-startup-grace-period=1m', 'v=2', 'bind-address']);
    expect(r.nodeLifecycle).toEqual({ nodeMonitorGracePeriodMs: 10_000, nodeStartupGracePeriodMs: 60_000 });
    expect(r.unsupported).toEqual(['v=2', 'bind-address']);
    expect(controllerManagerArgs([]).nodeLifecycle).toEqual({});
  });

  it('rejects a malformed or zero grace period with the flag in the message', () => {
    expect(() => controllerManagerArgs(['node-monitor-grace-period=soon'])).toThrow('invalid --kube-controller-manager-arg node-monitor-grace-period=soon: "soon" is not a duration');
    expect(() => controllerManagerArgs(['node-monitor-grace-period=0'])).toThrow(/expected a positive duration/);
  });
});
