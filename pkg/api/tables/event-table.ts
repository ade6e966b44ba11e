// `kubectl get events` for core/v1 and events.k8s.io/v1 (upstream prints both from the same internal
// Event, so the columns are the same): LAST SEEN TYPE REASON OBJECT MESSAGE, and with -o wide also
// SUBOBJECT SOURCE FIRST SEEN COUNT NAME. Both JSON shapes are read: events.k8s.io names
// involvedObject `regarding`, message `note`, source `deprecatedSource`, and so on.
import type { TableDef } from '../resource-def';
import type { KubeObject } from '../types';
import { timeSince } from './human-duration';
import { at, col, int, name, nameColumn, optInt, str, wide } from './internal/read';

interface EventView {
  regarding: unknown;
  message: string;
  firstTimestamp: string;
  lastTimestamp: string;
  eventTime: string;
  count: number;
  series: unknown;
  sourceComponent: string;
  sourceHost: string;
  reportingController: string;
  reportingInstance: string;
}

function view(e: KubeObject): EventView {
  const v1 = e.regarding !== undefined || e.note !== undefined || e.deprecatedSource !== undefined || e.reportingController !== undefined;
  const pick = (core: string, newer: string): unknown => (v1 && e[newer] !== undefined ? e[newer] : e[core]);
  const source = pick('source', 'deprecatedSource');
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  return {
    regarding: pick('involvedObject', 'regarding'),
    message: text(pick('message', 'note')),
    firstTimestamp: text(pick('firstTimestamp', 'deprecatedFirstTimestamp')),
    lastTimestamp: text(pick('lastTimestamp', 'deprecatedLastTimestamp')),
    eventTime: text(e.eventTime),
    count: int({ c: pick('count', 'deprecatedCount') }, 'c'),
    series: e.series,
    sourceComponent: str(source, 'component'),
    sourceHost: str(source, 'host'),
    reportingController: text(pick('reportingComponent', 'reportingController')),
    reportingInstance: text(e.reportingInstance),
  };
}

function sourceCell(v: EventView): string {
  const component = v.sourceComponent || v.reportingController;
  const instance = v.sourceHost || v.reportingInstance;
  return instance === '' ? component : `${component}, ${instance}`;
}

export const eventTable: TableDef = {
  columns: [
    col('Last Seen'),
    col('Type'),
    col('Reason'),
    col('Object'),
    wide('Subobject'),
    wide('Source'),
    col('Message'),
    wide('First Seen'),
    wide('Count'),
    { ...nameColumn, priority: 1 },
  ],
  row(e, now) {
    const v = view(e);
    const firstSeen = v.firstTimestamp !== '' ? timeSince(v.firstTimestamp, now) : timeSince(v.eventTime, now);
    let lastSeen = v.lastTimestamp !== '' ? timeSince(v.lastTimestamp, now) : firstSeen;
    let count = v.count;
    if (v.series !== undefined && v.series !== null) {
      lastSeen = timeSince(at(v.series, 'lastObservedTime'), now);
      count = optInt(v.series, 'count') ?? 0;
    } else if (count === 0) {
      count = 1; // events.k8s.io singletons carry no count
    }
    const kind = str(v.regarding, 'kind').toLowerCase();
    const target = str(v.regarding, 'name') !== '' ? `${kind}/${str(v.regarding, 'name')}` : kind;
    return [
      lastSeen,
      str(e, 'type'),
      str(e, 'reason'),
      target,
      str(v.regarding, 'fieldPath'),
      sourceCell(v),
      v.message.trim(),
      firstSeen,
      count,
      name(e),
    ];
  },
};
