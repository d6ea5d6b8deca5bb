/**
 * RE2, the regex dialect of Envoy's `safe_regex` (Google RE2), checked and translated to
 * JavaScript. RE2 refuses what cannot run in linear time (backreferences, lookaround,
 * atomic groups, possessive quantifiers), and spells a few things differently from
 * JavaScript (`(?P<name>…)`, `(?i)`, `\z`, `\Q…\E`, `[[:alpha:]]`). The validator uses
 * `checkRe2` so a mesh never carries a regex Envoy would NACK; the proxy uses
 * `compileRe2` so its matching agrees with Envoy's.
 */

export class Re2SyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} at offset ${offset}`);
    this.name = 'Re2SyntaxError';
  }
}

/** RE2's limit on a counted repetition `{n,m}`. */
const MAX_REPEAT = 1000;

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

// RE2's Perl classes are ASCII-only; JavaScript's \s is wider, so spell them out.
const PERL_CLASSES: Record<string, string> = {
  d: '0-9',
  s: '\\t\\n\\f\\r ',
  w: '0-9A-Za-z_',
};

interface Flags {
  i: boolean;
  s: boolean;
  m: boolean;
}

/** Translates an RE2 pattern into JavaScript regex source (to be compiled with the `u` flag). */
class Translator {
  private pos = 0;
  private out = '';

  constructor(private readonly src: string) {}

  translate(): string {
    this.alternation({ i: false, s: false, m: false }, 0);
    if (this.pos < this.src.length) throw new Re2SyntaxError('unmatched )', this.pos);
    return this.out;
  }

  private fail(reason: string, at = this.pos): never {
    throw new Re2SyntaxError(reason, at);
  }

  private peek(offset = 0): string {
    return this.src[this.pos + offset] ?? '';
  }

  /** Parses until an unmatched `)` or the end; `depth` tells whether `)` may close. */
  private alternation(flags: Flags, depth: number): void {
    let canRepeat = false;
    const f = { ...flags };
    while (this.pos < this.src.length) {
      const c = this.peek();
      if (c === ')') {
        if (depth === 0) this.fail('unmatched )');
        return;
      }
      if (c === '|') {
        this.out += '|';
        this.pos++;
        canRepeat = false;
        continue;
      }
      if (c === '*' || c === '+' || c === '?' || (c === '{' && this.isCountedRepeat())) {
        if (!canRepeat) this.fail(`missing argument to repetition operator ${c}`);
        this.repetition();
        canRepeat = false;
        continue;
      }
      canRepeat = this.atom(f, depth);
    }
  }

  private isCountedRepeat(): boolean {
    return /^\{\d+(,\d*)?\}/.test(this.src.slice(this.pos));
  }

  private repetition(): void {
    const c = this.peek();
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos))!;
      const min = Number(m[1]);
      const max = m[3] === undefined ? (m[2] ? Number.POSITIVE_INFINITY : min) : m[3] === '' ? Infinity : Number(m[3]);
      if (min > MAX_REPEAT || (Number.isFinite(max) && max > MAX_REPEAT))
        this.fail(`bad repetition operator: ${m[0]} exceeds ${MAX_REPEAT}`);
      if (max < min) this.fail(`bad repetition operator: ${m[0]}`);
      this.out += m[0];
      this.pos += m[0].length;
    } else {
      this.out += c;
      this.pos++;
    }
    const next = this.peek();
    if (next === '?') {
      this.out += '?';
      this.pos++;
    } else if (next === '+') {
      this.fail('possessive quantifiers are not supported by RE2');
    }
    const after = this.peek();
    if (after === '*' || after === '+' || (after === '?' && next !== '?')) {
      this.fail(`bad repetition operator: ${this.src.slice(this.pos - 1, this.pos + 1)}`);
    }
  }

  /** Emits one atom; returns whether a repetition operator may follow it. */
  private atom(flags: Flags, depth: number): boolean {
    const start = this.pos;
    const c = this.peek();
    switch (c) {
      case '(':
        return this.group(flags, depth);
      case '[':
        this.out += this.charClass(flags);
        return true;
      case '\\':
        return this.escape(flags);
      case '.':
        this.pos++;
        this.out += flags.s ? '[\\s\\S]' : '[^\\n]';
        return true;
      case '^':
        this.pos++;
        this.out += flags.m ? '(?<=^|\\n)' : '^';
        return false;
      case '$':
        this.pos++;
        this.out += flags.m ? '(?=$|\\n)' : '$';
        return false;
      default: {
        const cp = this.src.codePointAt(start)!;
        const ch = String.fromCodePoint(cp);
        this.pos += ch.length;
        this.out += this.literal(ch, flags);
        return true;
      }
    }
  }

  private literal(ch: string, flags: Flags): string {
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    if (flags.i && lower !== upper && lower.length === 1 && upper.length === 1) {
      return `[${escapeClassChar(lower)}${escapeClassChar(upper)}]`;
    }
    return escapeLiteral(ch);
  }

  private group(flags: Flags, depth: number): boolean {
    const open = this.pos;
    this.pos++; // (
    let prefix = '(';
    const inner = { ...flags };
    if (this.peek() === '?') {
      const rest = this.src.slice(this.pos);
      let m: RegExpExecArray | null;
      if ((m = /^\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest))) {
        prefix = `(?<${m[1]}>`;
        this.pos += m[0].length;
      } else if (rest.startsWith('?P=') || rest.startsWith('?P>')) {
        this.fail('backreferences are not supported by RE2', open);
      } else if (rest.startsWith('?=') || rest.startsWith('?!')) {
        this.fail('lookahead is not supported by RE2', open);
      } else if (rest.startsWith('?<=') || rest.startsWith('?<!')) {
        this.fail('lookbehind is not supported by RE2', open);
      } else if (rest.startsWith('?>')) {
        this.fail('atomic groups are not supported by RE2', open);
      } else if ((m = /^\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(rest))) {
        const [, on, off = '', end] = m;
        if (on === '' && off === '' && end === ')') this.fail('missing flags in (?)', open);
        if (m[0].includes('-') && off === '') this.fail('missing flags after - in group', open);
        if ((on + off).includes('U')) this.fail('ungreedy flag (?U) is not supported by Trellis', open);
        for (const f of on) inner[f as keyof Flags] = true;
        for (const f of off) inner[f as keyof Flags] = false;
        this.pos += m[0].length;
        if (end === ')') {
          // `(?i)` changes the flags for the rest of the enclosing group.
          Object.assign(flags, inner);
          return false;
        }
        prefix = '(?:';
      } else {
        this.fail('invalid or unsupported Perl syntax', open);
      }
    }
    this.out += prefix;
    this.alternation(inner, depth + 1);
    if (this.peek() !== ')') this.fail('missing closing )', open);
    this.pos++;
    this.out += ')';
    return true;
  }

  private escape(flags: Flags): boolean {
    const at = this.pos;
    const c = this.src[this.pos + 1];
    if (c === undefined) this.fail('trailing backslash at end of expression', at);
    this.pos += 2;
    if (c >= '1' && c <= '9') this.fail('backreferences are not supported by RE2', at);
    switch (c) {
      case 'A':
        this.out += '^';
        return false;
      case 'z':
        this.out += '$';
        return false;
      case 'b':
      case 'B':
        this.out += `\\${c}`;
        return false;
      case 'Q': {
        const end = this.src.indexOf('\\E', this.pos);
        const text = end < 0 ? this.src.slice(this.pos) : this.src.slice(this.pos, end);
        this.pos = end < 0 ? this.src.length : end + 2;
        for (const ch of text) this.out += this.literal(ch, flags);
        return text.length > 0;
      }
      case 'C':
        this.out += '[\\s\\S]';
        return true;
      case 'Z':
      case 'G':
      case 'k':
      case 'g':
        this.fail(`invalid escape sequence: \\${c}`, at);
    }
    const cls = this.classEscape(c, at);
    if (cls !== undefined) {
      this.out += cls.negated ? `[^${cls.body}]` : `[${cls.body}]`;
      return true;
    }
    this.out += this.literal(this.escapedChar(c, at), flags);
    return true;
  }

  /** `\d`, `\pL`, `\p{Greek}` and their negations, as class bodies. */
  private classEscape(c: string, at: number): { body: string; negated: boolean } | undefined {
    const perl = PERL_CLASSES[c.toLowerCase()];
    if (perl !== undefined) return { body: perl, negated: c !== c.toLowerCase() };
    if (c === 'p' || c === 'P') {
      let name: string;
      if (this.peek() === '{') {
        const end = this.src.indexOf('}', this.pos);
        if (end < 0) this.fail('invalid character class range', at);
        name = this.src.slice(this.pos + 1, end);
        this.pos = end + 1;
      } else {
        name = this.peek();
        if (!name) this.fail('invalid character class range', at);
        this.pos++;
      }
      let negated = c === 'P';
      if (name.startsWith('^')) {
        negated = !negated;
        name = name.slice(1);
      }
      const body = name === 'Any' ? '\\s\\S' : `\\p{${name}}`;
      try {
        new RegExp(`[${body}]`, 'u');
      } catch {
        this.fail(`invalid character class range: \\${c}{${name}}`, at);
      }
      return { body, negated };
    }
    return undefined;
  }

  /** A single escaped character (after the backslash), as the literal it stands for. */
  private escapedChar(c: string, at: number): string {
    switch (c) {
      case 'a':
        return '\x07';
      case 'f':
        return '\f';
      case 't':
        return '\t';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 'v':
        return '\v';
      case 'x': {
        let m: RegExpExecArray | null;
        const rest = this.src.slice(this.pos);
        if ((m = /^\{([0-9A-Fa-f]{1,6})\}/.exec(rest)) || (m = /^([0-9A-Fa-f]{2})/.exec(rest))) {
          const cp = Number.parseInt(m[1], 16);
          if (cp > 0x10ffff) this.fail('invalid escape sequence', at);
          this.pos += m[0].length;
          return String.fromCodePoint(cp);
        }
        return this.fail('invalid escape sequence: \\x', at);
      }
      case '0': {
        const m = /^[0-7]{0,2}/.exec(this.src.slice(this.pos))!;
        this.pos += m[0].length;
        return String.fromCodePoint(Number.parseInt(`0${m[0]}`, 8));
      }
    }
    // RE2 allows escaping any punctuation; escaping a letter or digit is an error.
    if (/[A-Za-z0-9]/.test(c)) this.fail(`invalid escape sequence: \\${c}`, at);
    return c;
  }

  private charClass(flags: Flags): string {
    const open = this.pos;
    this.pos++; // [
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.pos++;
    }
    let body = '';
    let first = true;
    while (true) {
      if (this.pos >= this.src.length) this.fail('missing closing ]', open);
      const c = this.peek();
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (c === '[' && this.peek(1) === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.pos));
        if (m) {
          const posix = POSIX_CLASSES[m[2]];
          if (!posix) this.fail(`invalid character class range: ${m[0]}`);
          this.pos += m[0].length;
          if (m[1]) {
            // A negated POSIX class inside a class: JavaScript has no set difference without the v flag.
            if (!negated && body === '' && this.peek() === ']') {
              this.pos++;
              return `[^${posix}]`;
            }
            this.fail(`negated POSIX class inside a larger class is not supported by Trellis: ${m[0]}`);
          }
          body += posix;
          continue;
        }
      }
      const lo = this.classChar();
      if (typeof lo !== 'string') {
        body += lo.negated ? this.negatedClassInClass(lo.body) : lo.body;
        continue;
      }
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== '') {
        const dash = this.pos;
        this.pos++;
        const hi = this.classChar();
        if (typeof hi !== 'string') this.fail('invalid character class range', dash);
        if (hi.codePointAt(0)! < lo.codePointAt(0)!) this.fail(`invalid character class range: ${lo}-${hi}`, dash);
        body += `${escapeClassChar(lo)}-${escapeClassChar(hi)}`;
        if (flags.i) body += caseFoldRange(lo, hi);
        continue;
      }
      body += escapeClassChar(lo);
      if (flags.i) body += caseVariants(lo);
    }
    return negated ? `[^${body}]` : `[${body}]`;
  }

  private negatedClassInClass(body: string): string {
    // `[\D]`, `[\PL]`: only expressible when it is the whole class; refuse otherwise.
    this.fail(`negated class escape inside a class is not supported by Trellis: [^${body}]`);
  }

  /** One member of a bracket class: a character, or a class escape like `\d`. */
  private classChar(): string | { body: string; negated: boolean } {
    const c = this.peek();
    if (c !== '\\') {
      const ch = String.fromCodePoint(this.src.codePointAt(this.pos)!);
      this.pos += ch.length;
      return ch;
    }
    const at = this.pos;
    const e = this.src[this.pos + 1];
    if (e === undefined) this.fail('trailing backslash at end of expression', at);
    this.pos += 2;
    if (e >= '1' && e <= '9') this.fail('backreferences are not supported by RE2', at);
    const cls = this.classEscape(e, at);
    if (cls !== undefined) return cls;
    if (e === 'b') return '\b';
    return this.escapedChar(e, at);
  }
}

function escapeLiteral(ch: string): string {
  // Outside a class `-` and `/` are plain; escaping them is an error under the `u` flag.
  return /[\\^$.*+?()[\]{}|]/.test(ch) ? `\\${ch}` : escapeControl(ch);
}

function escapeClassChar(ch: string): string {
  return /[\\\]^[-]/.test(ch) ? `\\${ch}` : escapeControl(ch);
}

function escapeControl(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x20 || cp === 0x7f) return `\\x${cp.toString(16).padStart(2, '0')}`;
  return ch;
}

function caseVariants(ch: string): string {
  const l = ch.toLowerCase();
  const u = ch.toUpperCase();
  let out = '';
  if (l !== ch && l.length === 1) out += escapeClassChar(l);
  if (u !== ch && u.length === 1) out += escapeClassChar(u);
  return out;
}

function caseFoldRange(lo: string, hi: string): string {
  // Case folding of a range, for the ASCII letters it covers (RE2 folds Unicode too; ASCII is what routes use).
  const a = lo.codePointAt(0)!;
  const b = hi.codePointAt(0)!;
  let out = '';
  const overlap = (x: number, y: number, shift: number) => {
    const s = Math.max(a, x);
    const e = Math.min(b, y);
    if (s <= e) out += `${String.fromCharCode(s + shift)}-${String.fromCharCode(e + shift)}`;
  };
  overlap(0x41, 0x5a, 0x20);
  overlap(0x61, 0x7a, -0x20);
  return out;
}

const cache = new Map<string, RegExp>();

/**
 * Checks that `pattern` is RE2 syntax Envoy accepts. Returns the reason it is not, or
 * `undefined` when it is.
 */
export function checkRe2(pattern: string): string | undefined {
  try {
    translateRe2(pattern);
    return undefined;
  } catch (e) {
    if (e instanceof Re2SyntaxError) return e.message;
    throw e;
  }
}

/** The JavaScript source equivalent to an RE2 pattern; throws `Re2SyntaxError`. */
export function translateRe2(pattern: string): string {
  const source = new Translator(pattern).translate();
  try {
    new RegExp(source, 'u');
  } catch (e) {
    throw new Re2SyntaxError(`invalid regular expression: ${(e as Error).message}`, 0);
  }
  return source;
}

/**
 * A JavaScript RegExp that matches exactly what RE2 matches for `pattern`. With
 * `fullMatch` (Envoy's `safe_regex` semantics) the whole input must match. Compiled
 * patterns are cached: route tables compile each regex once per config, not per request.
 */
export function compileRe2(pattern: string, fullMatch = true): RegExp {
  const key = `${fullMatch ? 'F' : 'P'}${pattern}`;
  let re = cache.get(key);
  if (!re) {
    const source = translateRe2(pattern);
    re = new RegExp(fullMatch ? `^(?:${source})$` : source, 'u');
    if (cache.size > 10_000) cache.clear();
    cache.set(key, re);
  }
  return re;
}
