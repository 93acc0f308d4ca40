// A small evaluator of GitHub Actions expressions, enough for job `if:` conditions: literals, context paths
// (inputs.keep-for, needs.gate.outputs.trusted), ! == != < <= > >= && ||, parentheses and the status functions.
// Semantics follow the documented ones: && and || return an operand, == compares strings case-insensitively and
// coerces mixed types to numbers, a job condition without a status function means success() && (condition).

export type Value = string | number | boolean | null;

export interface StatusFunctions {
  success(): boolean;
  failure(): boolean;
  cancelled(): boolean;
}

export type Lookup = (path: readonly string[]) => Value;

type Token =
  | { kind: 'op'; text: string }
  | { kind: 'str'; value: string }
  | { kind: 'num'; value: number }
  | { kind: 'ident'; text: string };

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
    const op = /^(==|!=|<=|>=|&&|\|\||[!<>().,])/.exec(rest);
    if (op) {
      tokens.push({ kind: 'op', text: op[0] });
      i += op[0].length;
      continue;
    }
    if (rest.startsWith("'")) {
      // '' is an escaped quote inside a string literal.
      const m = /^'((?:[^']|'')*)'/.exec(rest);
      if (!m) throw new SyntaxError(`unterminated string in: ${source}`);
      tokens.push({ kind: 'str', value: m[1]!.replace(/''/g, "'") });
      i += m[0].length;
      continue;
    }
    const num = /^-?\d+(?:\.\d+)?/.exec(rest);
    if (num) {
      tokens.push({ kind: 'num', value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(rest);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0] });
      i += ident[0].length;
      continue;
    }
    throw new SyntaxError(`unexpected '${rest[0]}' in: ${source}`);
  }
  return tokens;
}

/** Precedence climbing over the token list; evaluates as it parses. */
class Parser {
  private position = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly lookup: Lookup,
    private readonly status: StatusFunctions,
  ) {}

  parse(): Value {
    const value = this.or();
    if (this.position !== this.tokens.length) throw new SyntaxError('trailing tokens in expression');
    return value;
  }

  private peekOp(text: string): boolean {
    const token = this.tokens[this.position];
    return token?.kind === 'op' && token.text === text;
  }

  private expectOp(text: string): void {
    if (!this.peekOp(text)) throw new SyntaxError(`expected '${text}'`);
    this.position++;
  }

  private or(): Value {
    let left = this.and();
    while (this.peekOp('||')) {
      this.position++;
      const right = this.and();
      left = truthy(left) ? left : right;
    }
    return left;
  }

  private and(): Value {
    let left = this.comparison();
    while (this.peekOp('&&')) {
      this.position++;
      const right = this.comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  }

  private comparison(): Value {
    const left = this.unary();
    for (const op of ['==', '!=', '<=', '>=', '<', '>']) {
      if (this.peekOp(op)) {
        this.position++;
        return compare(op, left, this.unary());
      }
    }
    return left;
  }

  private unary(): Value {
    if (this.peekOp('!')) {
      this.position++;
      return !truthy(this.unary());
    }
    return this.primary();
  }

  private primary(): Value {
    const token = this.tokens[this.position++];
    if (!token) throw new SyntaxError('unexpected end of expression');
    if (token.kind === 'str' || token.kind === 'num') return token.value;
    if (token.kind === 'op') {
      if (token.text !== '(') throw new SyntaxError(`unexpected '${token.text}'`);
      const value = this.or();
      this.expectOp(')');
      return value;
    }
    if (token.text === 'true') return true;
    if (token.text === 'false') return false;
    if (token.text === 'null') return null;
    if (this.peekOp('(')) {
      this.position++;
      this.expectOp(')');
      return this.call(token.text);
    }
    const path = [token.text];
    while (this.peekOp('.')) {
      this.position++;
      const next = this.tokens[this.position++];
      if (next?.kind !== 'ident') throw new SyntaxError('expected a property name after "."');
      path.push(next.text);
    }
    return this.lookup(path);
  }

  private call(name: string): Value {
    switch (name) {
      case 'always':
        return true;
      case 'success':
        return this.status.success();
      case 'failure':
        return this.status.failure();
      case 'cancelled':
        return this.status.cancelled();
      default:
        throw new SyntaxError(`function ${name}() is not supported by this evaluator`);
    }
  }
}

export function truthy(value: Value): boolean {
  return value !== null && value !== false && value !== 0 && value !== '' && !Number.isNaN(value);
}

function toNumber(value: Value): number {
  if (value === null) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  return value.trim() === '' ? 0 : Number(value);
}

function compare(op: string, left: Value, right: Value): boolean {
  if (typeof left === 'string' && typeof right === 'string') {
    const a = left.toLowerCase();
    const b = right.toLowerCase();
    if (op === '==') return a === b;
    if (op === '!=') return a !== b;
    return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
  }
  const a = toNumber(left);
  const b = toNumber(right);
  if (op === '==') return a === b;
  if (op === '!=') return a !== b;
  return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
}

export function evaluate(source: string, lookup: Lookup, status: StatusFunctions): Value {
  const body = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(source)?.[1] ?? source;
  return new Parser(tokenize(body), lookup, status).parse();
}

/** A job's `if:`, with the implicit success() GitHub adds when the condition calls no status function. */
export function jobCondition(
  condition: string | undefined,
  lookup: Lookup,
  status: StatusFunctions,
): boolean {
  if (condition === undefined) return status.success();
  const callsStatus = /\b(?:always|success|failure|cancelled)\s*\(/.test(condition);
  const value = truthy(evaluate(condition, lookup, status));
  return callsStatus ? value : status.success() && value;
}
