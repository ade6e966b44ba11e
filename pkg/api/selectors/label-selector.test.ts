import { describe, expect, it } from 'vitest';
import { LabelSelectorError } from './errors';
import { everything, formatLabels, fromLabelSelector, nothing, parseLabelSelector } from './label-selector';

describe('parseLabelSelector', () => {
  it('parses every operator and prints the canonical form sorted by key', () => {
    const s = parseLabelSelector('z=1, e in (y,x), f notin (z), g, !h, a==b, c!=d, n>3, m<10');
    expect(s.toString()).toBe('a==b,c!=d,e in (x,y),f notin (z),g,!h,m<10,n>3,z=1');
    expect(s.requirements.map((r) => r.operator)).toEqual(['==', '!=', 'in', 'notin', 'exists', '!', 'lt', 'gt', '=']);
  });

  it('treats empty and blank selectors as everything', () => {
    expect(parseLabelSelector('').empty).toBe(true);
    expect(parseLabelSelector('   ').matches({ a: 'b' })).toBe(true);
    expect(parseLabelSelector('').matches(undefined)).toBe(true);
  });

  it('matches like upstream: != and notin accept objects without the key', () => {
    const labels = { app: 'web', tier: 'front', n: '5' };
    const cases: [string, boolean][] = [
      ['app=web', true],
      ['app==web', true],
      ['app=db', false],
      ['app!=db', true],
      ['missing!=x', true],
      ['missing=x', false],
      ['tier in (front,back)', true],
      ['tier in (back)', false],
      ['missing in (x)', false],
      ['tier notin (back)', true],
      ['tier notin (front)', false],
      ['missing notin (x)', true],
      ['app', true],
      ['missing', false],
      ['!missing', true],
      ['!app', false],
      ['n>4', true],
      ['n>5', false],
      ['n<6', true],
      ['app>1', false], // not an integer
      ['missing<1', false],
      ['app=web,tier=front', true],
      ['app=web,tier=back', false],
    ];
    for (const [query, want] of cases) expect([query, parseLabelSelector(query).matches(labels)]).toEqual([query, want]);
  });

  it('accepts empty values and keywords used as values', () => {
    expect(parseLabelSelector('a=').matches({ a: '' })).toBe(true);
    expect(parseLabelSelector('a=,b=c').toString()).toBe('a=,b=c');
    expect(parseLabelSelector('a in ()').requirements[0].values).toEqual(['']);
    expect(parseLabelSelector('a in (,x)').requirements[0].values).toEqual(['', 'x']);
    expect(parseLabelSelector('a in (x,)').requirements[0].values).toEqual(['', 'x']);
    expect(parseLabelSelector('a in (in,notin)').requirements[0].values).toEqual(['in', 'notin']);
    expect(parseLabelSelector('in=notin').matches({ in: 'notin' })).toBe(true);
    expect(parseLabelSelector('example.com/tier=a').matches({ 'example.com/tier': 'a' })).toBe(true);
  });

  it('rejects malformed selectors with typed, readable errors', () => {
    const bad: [string, RegExp][] = [
      ['a=b,', /expected: identifier after ','/],
      [',a', /found ',', expected: !, identifier, or 'end of string'/],
      ['a b', /found 'b', expected: in, notin, =, ==, !=, gt, lt/],
      ['a=b c', /found 'c', expected: ',' or 'end of string'/],
      ['a in x', /found 'x' expected: '\('/],
      ['a in (x', /found '', expected: ',' or '\)'/],
      ['a in (x y)', /found 'y', expected: ',' or '\)'/],
      ['!a=b', /found '=', expected: ',' or 'end of string'/],
      ['a=(', /found '\(', expected: identifier/],
      ['-a=b', /unable to parse requirement: invalid label key "-a"/],
      ['a/b/c=d', /invalid label key/],
      ['/a=b', /prefix part must be non-empty/],
      ['a=-b', /Invalid value: "-b"/],
      [`a=${'x'.repeat(64)}`, /no more than 63 characters/],
      ['a>b', /the value must be an integer/],
    ];
    for (const [query, message] of bad) {
      let caught: unknown;
      try {
        parseLabelSelector(query);
      } catch (e) {
        caught = e;
      }
      expect(caught, query).toBeInstanceOf(LabelSelectorError);
      expect((caught as LabelSelectorError).code).toBe('invalid-label-selector');
      expect((caught as Error).message, query).toMatch(message);
    }
  });
});

describe('fromLabelSelector', () => {
  it('compiles matchLabels and matchExpressions', () => {
    const s = fromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['a', 'b'] },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'team', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist', values: [] },
      ],
    });
    expect(s.toString()).toBe('app=web,env notin (prod),!legacy,team,tier in (a,b)');
    expect(s.matches({ app: 'web', tier: 'a', team: 'x' })).toBe(true);
    expect(s.matches({ app: 'web', tier: 'a', team: 'x', legacy: '1' })).toBe(false);
    expect(s.matches({ app: 'web', tier: 'c', team: 'x' })).toBe(false);
  });

  it('null selects nothing, {} selects everything', () => {
    expect(fromLabelSelector(null)).toBe(nothing);
    expect(nothing.matches({})).toBe(false);
    expect(fromLabelSelector(undefined).matches({ a: 'b' })).toBe(false);
    expect(fromLabelSelector({})).toBe(everything);
    expect(fromLabelSelector({ matchLabels: {}, matchExpressions: [] }).matches({})).toBe(true);
  });

  it('rejects unknown operators and inconsistent values', () => {
    expect(() => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] })).toThrow(
      /"Equals" is not a valid label selector operator/,
    );
    expect(() => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toThrow(/values set can't be empty/);
    expect(() => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })).toThrow(/must be empty/);
    expect(() => fromLabelSelector({ matchLabels: { 'bad key': 'x' } })).toThrow(LabelSelectorError);
  });
});

describe('formatLabels', () => {
  it('sorts by key and prints <none> when empty', () => {
    expect(formatLabels({ b: '2', a: '1' })).toBe('a=1,b=2');
    expect(formatLabels({})).toBe('<none>');
    expect(formatLabels(undefined)).toBe('<none>');
  });
});
