/**
 * A small, safe arithmetic expression parser and exact evaluator (no `eval`): integers,
 * + - * / and parentheses, evaluated with exact fractions so 7 / 2 * 2 is exactly 7.
 * Used by Countdown-v0 (only the given numbers, each at most once) and Arithmetic-v0.
 * Every failure is a result with a reason, never an exception.
 */

/** An exact fraction num/den, den > 0, reduced. */
export interface Fraction {
  num: number;
  den: number;
}

export type ExprNode =
  | { kind: 'num'; value: number }
  | { kind: 'op'; op: '+' | '-' | '*' | '/'; left: ExprNode; right: ExprNode }
  | { kind: 'neg'; arg: ExprNode };

export interface ParseExprOptions {
  /** Allow unary minus ("-3", "-(2+1)"). Countdown forbids it (only the given numbers). Default false. */
  allowUnaryMinus?: boolean;
  /** Longest accepted expression in characters (default 1000). */
  maxLength?: number;
  /** Deepest parenthesis nesting (default 64). */
  maxDepth?: number;
}

export type ParseExprResult = { ok: true; node: ExprNode; numbers: number[] } | { ok: false; reason: string };
export type EvalResult = { ok: true; value: Fraction } | { ok: false; reason: string };

type Token = { t: 'num'; v: number; pos: number } | { t: 'op'; v: string; pos: number };

const OP_ALIASES: Record<string, string> = { '×': '*', x: '*', X: '*', '·': '*', '÷': '/', ':': '/', '−': '-', '–': '-' };

function tokenize(src: string): Token[] | string {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if (c >= '0' && c <= '9') {
      let j = i;
      while (j < src.length && src[j]! >= '0' && src[j]! <= '9') j++;
      if (src[j] === '.') return `decimal numbers are not allowed (at ${i})`;
      const digits = src.slice(i, j);
      if (digits.length > 15) return `number too long at ${i}`;
      out.push({ t: 'num', v: Number(digits), pos: i });
      i = j;
      continue;
    }
    const op = '+-*/()'.includes(c) ? c : OP_ALIASES[c];
    if (op) { out.push({ t: 'op', v: op, pos: i }); i++; continue; }
    return `unexpected character ${JSON.stringify(c)} at ${i}`;
  }
  return out;
}

/** Parse an expression. Grammar: expr = term (('+'|'-') term)*; term = factor (('*'|'/') factor)*; factor = number | '(' expr ')' | '-' factor. */
export function parseExpression(src: unknown, options: ParseExprOptions = {}): ParseExprResult {
  if (typeof src !== 'string') return { ok: false, reason: 'the expression is not a string' };
  const maxLength = options.maxLength ?? 1000;
  if (src.length > maxLength) return { ok: false, reason: `the expression is longer than ${maxLength} characters` };
  if (src.trim() === '') return { ok: false, reason: 'the expression is empty' };
  const tokens = tokenize(src);
  if (typeof tokens === 'string') return { ok: false, reason: tokens };
  const maxDepth = options.maxDepth ?? 64;
  const numbers: number[] = [];
  let i = 0;
  let error: string | null = null;
  const fail = (msg: string): null => { error ??= msg; return null; };
  const peek = () => tokens[i];

  const expr = (depth: number): ExprNode | null => {
    let left = term(depth);
    while (left && peek()?.t === 'op' && (peek()!.v === '+' || peek()!.v === '-')) {
      const op = tokens[i++]!.v as '+' | '-';
      const right = term(depth);
      if (!right) return null;
      left = { kind: 'op', op, left, right };
    }
    return left;
  };
  const term = (depth: number): ExprNode | null => {
    let left = factor(depth);
    while (left && peek()?.t === 'op' && (peek()!.v === '*' || peek()!.v === '/')) {
      const op = tokens[i++]!.v as '*' | '/';
      const right = factor(depth);
      if (!right) return null;
      left = { kind: 'op', op, left, right };
    }
    return left;
  };
  const factor = (depth: number): ExprNode | null => {
    const tok = peek();
    if (!tok) return fail('the expression ends too early');
    if (tok.t === 'num') { i++; numbers.push(tok.v); return { kind: 'num', value: tok.v }; }
    if (tok.v === '(') {
      if (depth >= maxDepth) return fail(`parentheses nested deeper than ${maxDepth}`);
      i++;
      const inner = expr(depth + 1);
      if (!inner) return null;
      if (peek()?.v !== ')') return fail(`missing ")" for "(" at ${tok.pos}`);
      i++;
      return inner;
    }
    if (tok.v === '-' && options.allowUnaryMinus) {
      if (depth >= maxDepth) return fail(`expression nested deeper than ${maxDepth}`);
      i++;
      const arg = factor(depth + 1);
      return arg ? { kind: 'neg', arg } : null;
    }
    return fail(`unexpected ${JSON.stringify(tok.v)} at ${tok.pos}`);
  };

  const node = expr(0);
  if (!node) return { ok: false, reason: error ?? 'invalid expression' };
  if (i < tokens.length) return { ok: false, reason: `unexpected ${JSON.stringify(tokens[i]!.v)} at ${tokens[i]!.pos}` };
  return { ok: true, node, numbers };
}

function gcd(a: number, b: number): number {
  a = Math.abs(a); b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a || 1;
}

/** A reduced fraction, or null when it leaves the exactly representable integers. */
export function fraction(num: number, den: number): Fraction | null {
  if (den === 0 || !Number.isSafeInteger(num) || !Number.isSafeInteger(den)) return null;
  if (den < 0) { num = -num; den = -den; }
  const g = gcd(num, den);
  return { num: num / g, den: den / g };
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

function gcdBig(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b) [a, b] = [b, a % b];
  return a || 1n;
}

/**
 * num/den computed exactly (BigInt), reduced, as a Fraction of safe integers; null when the
 * reduced value leaves them (never a silently rounded result).
 */
function exactFraction(num: bigint, den: bigint): Fraction | null {
  if (den === 0n) return null;
  if (den < 0n) { num = -num; den = -den; }
  const g = gcdBig(num, den);
  num /= g; den /= g;
  if (num > MAX_EXACT || -num > MAX_EXACT || den > MAX_EXACT) return null;
  return { num: Number(num), den: Number(den) };
}

/**
 * Exact value of a parsed expression (fractions); division by zero and overflow are
 * failures. Each operation is computed with BigInt, so intermediate products past 2^53
 * never round; a reduced result outside the safe integers is refused as too large.
 */
export function evaluateNode(node: ExprNode): EvalResult {
  switch (node.kind) {
    case 'num': return { ok: true, value: { num: node.value, den: 1 } };
    case 'neg': {
      const a = evaluateNode(node.arg);
      return a.ok ? { ok: true, value: { num: -a.value.num, den: a.value.den } } : a;
    }
    case 'op': {
      const a = evaluateNode(node.left);
      if (!a.ok) return a;
      const b = evaluateNode(node.right);
      if (!b.ok) return b;
      const xn = BigInt(a.value.num), xd = BigInt(a.value.den), yn = BigInt(b.value.num), yd = BigInt(b.value.den);
      let r: Fraction | null;
      switch (node.op) {
        case '+': r = exactFraction(xn * yd + yn * xd, xd * yd); break;
        case '-': r = exactFraction(xn * yd - yn * xd, xd * yd); break;
        case '*': r = exactFraction(xn * yn, xd * yd); break;
        case '/':
          if (yn === 0n) return { ok: false, reason: 'division by zero' };
          r = exactFraction(xn * yd, xd * yn); break;
      }
      return r ? { ok: true, value: r } : { ok: false, reason: 'a number in the calculation is too large' };
    }
  }
}

/** Parse and evaluate in one call. */
export function evaluateExpression(src: unknown, options: ParseExprOptions = {}): EvalResult & { numbers?: number[] } {
  const p = parseExpression(src, options);
  if (!p.ok) return p;
  const v = evaluateNode(p.node);
  return v.ok ? { ...v, numbers: p.numbers } : v;
}

/** Fraction as text: "7" or "7/2". */
export function fractionToString(f: Fraction): string {
  return f.den === 1 ? String(f.num) : `${f.num}/${f.den}`;
}
