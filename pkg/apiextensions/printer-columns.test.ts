import { describe, expect, it } from 'vitest';
import { parseColumnPath, printerColumnsTable } from './printer-columns';

describe('additionalPrinterColumns', () => {
  it('evaluates the JSONPath subset kubectl users write', () => {
    const t = printerColumnsTable([
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'First', type: 'string', jsonPath: '{.spec.items[0]}' },
      { name: 'Count', type: 'integer', jsonPath: ".spec['count']" },
      { name: 'Missing', type: 'string', jsonPath: '.spec.nope' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', priority: 1 },
    ]);
    expect(t.columns.map((c) => [c.name, c.type, c.priority])).toEqual([['Name', 'string', 0], ['Ready', 'string', 0], ['First', 'string', 0], ['Count', 'integer', 0], ['Missing', 'string', 0], ['Age', 'date', 1]]);
    const obj = { metadata: { name: 'x', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { items: ['a', 'b'], count: 3 }, status: { conditions: [{ type: 'Synced', status: 'False' }, { type: 'Ready', status: 'True' }] } };
    expect(t.row(obj, new Date('2026-01-01T00:05:00Z'))).toEqual(['x', 'True', 'a', 3, null, '5m']);
    expect(parseColumnPath('.spec..bad')).toBeUndefined();
  });

  it('shows Name and Age when a version declares no columns', () => {
    expect(printerColumnsTable([]).columns.map((c) => c.name)).toEqual(['Name', 'Age']);
  });
});
