// Evaluates the small subset of CEL the Tailscale CRDs' x-kubernetes-validations use: `self.a.b` member access,
// `has(...)`, literals, comparisons, `!`, `&&`, `||` and parentheses. Anything else throws, so an upstream rule this
// subset cannot read fails the test instead of passing unchecked.

type Token = { kind: 'ident' | 'number' | 'string' | 'op'; text: string };

const OPERATORS = ['&&', '||', '==', '!=', '>=', '<=', '>', '<', '!', '(', ')', '.'];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    const number = /^\d+/.exec(rest);
    const string = /^(?:"[^"]*"|'[^']*')/.exec(rest);
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (ident) tokens.push({ kind: 'ident', text: ident[0] });
    else if (number) tokens.push({ kind: 'number', text: number[0] });
    else if (string) tokens.push({ kind: 'string', text: string[0].slice(1, -1) });
    else if (op) tokens.push({ kind: 'op', text: op });
    else throw new Error(`CEL subset: cannot read '${rest}' in '${source}'`);
    i += (ident ?? number ?? string)?.[0].length ?? op!.length;
  }
  return tokens;
}

const MISSING = Symbol('missing');
type Evaluate = () => unknown;

/** Parses the rule into closures, then evaluates it; `&&`/`||` absorb an error on one side as CEL does. */
export function evaluateCel(rule: string, self: unknown): boolean {
  const tokens = tokenize(rule);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const take = (text?: string): Token => {
    const token = tokens[pos++];
    if (!token || (text !== undefined && token.text !== text)) {
      throw new Error(`CEL subset: expected '${text ?? 'a token'}' at ${pos} in '${rule}'`);
    }
    return token;
  };
  const truthy = (value: unknown): boolean => {
    if (typeof value !== 'boolean')
      throw new Error(`CEL subset: '${rule}' uses a non-boolean as a condition`);
    return value;
  };

  const member = (): Evaluate => {
    if (take().text !== 'self') throw new Error(`CEL subset: only 'self' paths are supported in '${rule}'`);
    const keys: string[] = [];
    while (peek()?.text === '.') {
      take('.');
      keys.push(take().text);
    }
    return () =>
      keys.reduce<unknown>(
        (value, key) =>
          value !== null && typeof value === 'object' && key in value
            ? (value as Record<string, unknown>)[key]
            : MISSING,
        self,
      );
  };

  const primary = (): Evaluate => {
    const token = peek();
    if (!token) throw new Error(`CEL subset: unexpected end of '${rule}'`);
    if (token.text === '(') {
      take('(');
      const inner = or();
      take(')');
      return inner;
    }
    if (token.text === 'has') {
      take('has');
      take('(');
      const path = member();
      take(')');
      return () => path() !== MISSING;
    }
    if (
      token.kind === 'number' ||
      token.kind === 'string' ||
      token.text === 'true' ||
      token.text === 'false'
    ) {
      take();
      const literal =
        token.kind === 'number'
          ? Number(token.text)
          : token.kind === 'string'
            ? token.text
            : token.text === 'true';
      return () => literal;
    }
    const path = member();
    return () => {
      const value = path();
      if (value === MISSING) throw new Error(`CEL: no such key in '${rule}'`);
      return value;
    };
  };

  const comparison = (): Evaluate => {
    const left = primary();
    const op = peek()?.text;
    if (!op || !['==', '!=', '>', '<', '>=', '<='].includes(op)) return left;
    take();
    const right = primary();
    return () => {
      const [a, b] = [left(), right()];
      if (op === '==') return a === b;
      if (op === '!=') return a !== b;
      if (typeof a !== 'number' || typeof b !== 'number')
        throw new Error(`CEL subset: '${op}' needs numbers in '${rule}'`);
      return op === '>' ? a > b : op === '<' ? a < b : op === '>=' ? a >= b : a <= b;
    };
  };

  const unary = (): Evaluate => {
    if (peek()?.text !== '!') return comparison();
    take('!');
    const operand = unary();
    return () => !truthy(operand());
  };

  // CEL's logical operators are commutative: `true || error` is true and `false && error` is false.
  const logical = (op: '&&' | '||', next: () => Evaluate): Evaluate => {
    let result = next();
    while (peek()?.text === op) {
      take(op);
      const [left, right] = [result, next()];
      const decisive = op === '||';
      result = () => {
        const outcomes = [left, right].map((side) => {
          try {
            return { value: truthy(side()) };
          } catch (error) {
            return { error };
          }
        });
        if (outcomes.some((o) => o.value === decisive)) return decisive;
        const failed = outcomes.find((o) => 'error' in o);
        if (failed) throw failed.error;
        return !decisive;
      };
    }
    return result;
  };
  const and = (): Evaluate => logical('&&', unary);
  function or(): Evaluate {
    return logical('||', and);
  }

  const evaluate = or();
  if (pos !== tokens.length) throw new Error(`CEL subset: trailing input in '${rule}'`);
  return truthy(evaluate());
}
