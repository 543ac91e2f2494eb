// The one token cursor of the .db and .acf parsers: peek, take and expect tokens, with an error that
// carries the line it blames (the parsers catch it, report it and resynchronise). Pure.
import type { Token } from './lexer.js';

/** A syntax error at one line; the parsers turn it into a Problem and skip ahead. */
export class SyntaxProblem extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** How an error message names a token: strings with their quotes marked, others as written. */
export function describe(t: Token): string {
  return t.kind === 'string' ? `string "${t.text}"` : `"${t.text}"`;
}

/** The error for finding `t` where `what` was expected. */
export function unexpected(t: Token, what: string, where = ''): SyntaxProblem {
  return new SyntaxProblem(t.line, `unexpected ${describe(t)}${where}, expected ${what}`);
}

export class TokenCursor {
  private pos = 0;

  /** `lastLine` is where "unexpected end of file" is blamed. */
  constructor(
    private readonly tokens: readonly Token[],
    readonly lastLine: number,
  ) {}

  get atEnd(): boolean {
    return this.pos >= this.tokens.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  /** Steps over the current token. */
  skip(): void {
    this.pos++;
  }

  /** Whether the current token is the punctuation `p`. */
  isPunct(p: string): boolean {
    const t = this.tokens[this.pos];
    return t !== undefined && t.kind === 'punct' && t.text === p;
  }

  /** Takes the current token; at the end of the file that is an error naming `what` was expected. */
  next(what: string): Token {
    const t = this.tokens[this.pos];
    if (!t) throw new SyntaxProblem(this.lastLine, `unexpected end of file, expected ${what}`);
    this.pos++;
    return t;
  }

  /** Takes the punctuation `p`, or throws. */
  expect(p: string): Token {
    const t = this.next(`"${p}"`);
    if (t.kind !== 'punct' || t.text !== p) throw unexpected(t, `"${p}"`);
    return t;
  }

  /** Takes a word or string (anything but punctuation), or throws. */
  word(what: string): Token {
    const t = this.next(what);
    if (t.kind === 'punct') throw unexpected(t, what);
    return t;
  }

  /** Skips to the next word in `keywords` (or the end). */
  skipToWord(keywords: ReadonlySet<string>): void {
    while (this.pos < this.tokens.length) {
      const t = this.tokens[this.pos]!;
      if (t.kind === 'word' && keywords.has(t.text)) return;
      this.pos++;
    }
  }
}
