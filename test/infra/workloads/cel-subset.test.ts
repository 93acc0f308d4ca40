import { describe, expect, it } from 'vitest';
import { evaluateCel } from './cel-subset.ts';

describe('CEL subset used to check CRD rules', () => {
  it('evaluates has(), comparisons and negation on self', () => {
    expect(
      evaluateCel('!(has(self.hostname) && has(self.replicas) && self.replicas > 1)', { replicas: 3 }),
    ).toBe(true);
    expect(
      evaluateCel('!(has(self.hostname) && has(self.replicas) && self.replicas > 1)', {
        hostname: 'a',
        replicas: 3,
      }),
    ).toBe(false);
    expect(evaluateCel('has(self.a.b) && self.a.b == "x"', { a: { b: 'x' } })).toBe(true);
  });

  it('absorbs a missing-key error on one side of || and && like CEL', () => {
    expect(evaluateCel('has(self.subnetRouter) || self.exitNode == true', { subnetRouter: {} })).toBe(true);
    expect(evaluateCel('has(self.exitNode) && self.exitNode == true', {})).toBe(false);
    expect(() => evaluateCel('self.exitNode == true', {})).toThrow('no such key');
  });

  it('refuses syntax outside the subset instead of passing it', () => {
    expect(() => evaluateCel('self.tags.all(t, t.startsWith("tag:"))', { tags: [] })).toThrow('CEL subset');
    expect(() => evaluateCel('size(self.routes) > 0', { routes: [] })).toThrow('CEL subset');
  });
});
