import { describe, expect, it } from 'vitest';
import { CelRuleValidator } from './cel-rules';
import type { JSONSchemaProps } from './types';

const schema: JSONSchemaProps = {
  type: 'object',
  'x-kubernetes-validations': [{ rule: 'self.spec.min <= self.spec.max', message: 'min must not exceed max' }],
  properties: {
    spec: {
      type: 'object',
      'x-kubernetes-validations': [
        { rule: 'self.mode == oldSelf.mode', message: 'mode is immutable' },
        { rule: "self.mode != 'x'", messageExpression: "'mode ' + self.mode + ' is reserved'", reason: 'FieldValueForbidden' },
        { rule: "!has(self.name) || self.name.startsWith('n')", fieldPath: '.name' },
        { rule: 'self.items.all(i, i.size() <= 3) && quantity(self.mem).isLessThan(quantity("1Gi"))' },
      ],
      properties: {
        mode: { type: 'string' },
        name: { type: 'string' },
        min: { type: 'integer' },
        max: { type: 'integer' },
        mem: { type: 'string' },
        items: { type: 'array', items: { type: 'string' } },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } }, 'x-kubernetes-validations': [{ rule: 'self.port >= oldSelf.port', message: 'ports only grow' }] },
        },
      },
    },
  },
};

const base = { apiVersion: 'e/v1', kind: 'K', metadata: { name: 'k' }, spec: { mode: 'a', name: 'nice', min: 1, max: 2, mem: '512Mi', items: ['ab'], ports: [{ name: 'p', port: 80 }] } };
const texts = (errs: { field: string; detail: string }[]) => errs.map((e) => `${e.field}: ${e.detail}`);

describe('CEL x-kubernetes-validations', () => {
  const v = new CelRuleValidator(schema);

  it('passes a valid object and reports failed rules with their messages', () => {
    expect(v.validate(base, undefined, false)).toEqual([]);
    const bad = { ...base, spec: { ...base.spec, mode: 'x', name: 'bad', min: 3, items: ['abcd'], mem: '2Gi' } };
    expect(texts(v.validate(bad, undefined, false))).toEqual([
      '<nil>: Invalid value: "object": min must not exceed max',
      'spec: Forbidden: mode x is reserved',
      "spec.name: Invalid value: \"object\": failed rule: !has(self.name) || self.name.startsWith('n')",
      'spec: Invalid value: "object": failed rule: self.items.all(i, i.size() <= 3) && quantity(self.mem).isLessThan(quantity("1Gi"))',
    ]);
  });

  it('runs transition rules only on updates, correlating map-list items by key', () => {
    const next = { ...base, spec: { ...base.spec, mode: 'b', ports: [{ name: 'p', port: 70 }, { name: 'q', port: 1 }] } };
    expect(v.validate(next, undefined, true)).toEqual([]);
    expect(texts(v.validate(next, base, true))).toEqual(['spec: Invalid value: "object": mode is immutable', 'spec.ports[0]: Invalid value: "object": ports only grow']);
  });
});
