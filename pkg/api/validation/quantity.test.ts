import { describe, expect, it } from 'vitest';
import { canonicalQuantity, compareQuantities, parseQuantity } from './quantity';
import { validateResourceRequirements } from './resources';

describe('quantities', () => {
  it.each([
    ['0.5', '500m'],
    ['500m', '500m'],
    ['1000m', '1'],
    ['1.5', '1500m'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['100', '100'],
    ['1e3', '1e3'],
    ['1500000', '1500k'],
    ['128974848', '128974848'],
    ['129e6', '129e6'],
    ['0', '0'],
    ['1Ki', '1Ki'],
    ['0.1m', '1m'],
    ['-1', '-1'],
  ])('canonicalises %s as %s', (input, out) => {
    expect(canonicalQuantity(input)).toBe(out);
  });

  it('rejects malformed quantities', () => {
    for (const bad of ['', 'abc', '1Kb', '1..2', '1 Gi', '1e', 'Gi']) expect(parseQuantity(bad), bad).toBeUndefined();
  });

  it('compares across formats', () => {
    expect(compareQuantities(parseQuantity('1Gi')!, parseQuantity('1073741824')!)).toBe(0);
    expect(compareQuantities(parseQuantity('2')!, parseQuantity('1500m')!)).toBe(1);
  });

  it('reports requests above limits and bad names at exact paths', () => {
    const errs = validateResourceRequirements({ requests: { cpu: '2', foo: '1' }, limits: { cpu: '1', memory: 'lots' } }, 'spec.containers[0].resources');
    expect(errs.map((e) => `${e.field}: ${e.detail}`)).toEqual([
      `spec.containers[0].resources.limits[memory]: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
      'spec.containers[0].resources.requests[foo]: Invalid value: "foo": must be a standard resource type or fully qualified',
      'spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1',
    ]);
  });
});
