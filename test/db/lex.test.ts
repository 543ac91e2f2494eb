// The shared lexer and token cursor of the .db and .acf parsers (src/ioc/lex): tokens with their
// lines, a failing line dropped whole, and errors that blame the right line.
import { describe, expect, it } from 'vitest';
import { lexText, tokenizeLine } from '../../src/ioc/lex/lexer.js';
import type { Token } from '../../src/ioc/lex/lexer.js';
import { SyntaxProblem, TokenCursor } from '../../src/ioc/lex/token-cursor.js';

const w = (text: string, line: number): Token => ({ kind: 'word', text, line });
const p = (text: string, line: number): Token => ({ kind: 'punct', text, line });
const s = (text: string, line: number): Token => ({ kind: 'string', text, line });

function lex(text: string, options = {}) {
  const problems: string[] = [];
  const out = lexText(text, options, (line, message) => problems.push(`${line}: ${message}`));
  return { ...out, problems };
}

/** The error a cursor call throws, as "line: message". */
function thrown(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(SyntaxProblem);
    return `${(err as SyntaxProblem).line}: ${(err as SyntaxProblem).message}`;
  }
  throw new Error('nothing thrown');
}

describe('lexer', () => {
  it('tokenizes words, punctuation and strings with C escapes, one line at a time', () => {
    expect(tokenizeLine('record(ai, "a\\tb\\x41\\101\\q") {', 7)).toEqual({
      tokens: [w('record', 7), p('(', 7), w('ai', 7), p(',', 7), s('a\tbAAq', 7), p(')', 7), p('{', 7)],
      errors: [],
    });
  });

  it('allows extra word characters only when asked (the .acf CIDR slash)', () => {
    expect(tokenizeLine('10.0.0.0/8', 1).errors).toEqual(['unexpected character "/"']);
    expect(tokenizeLine('10.0.0.0/8', 1, '/').tokens).toEqual([w('10.0.0.0/8', 1)]);
  });

  it('reports problems at their line and drops that line whole', () => {
    const { tokens, lineCount, problems } = lex('\uFEFFa # "c\nb "open\r\n"#" @ d\nc');
    expect(problems).toEqual(['2: unterminated string', '3: unexpected character "@"']);
    expect(tokens).toEqual([w('a', 1), w('c', 4)]);
    expect(lineCount).toBe(4);
  });

  it('skips lines and expands them before tokenizing, reporting expansion errors at the line', () => {
    const { tokens, problems } = lex('%c code\nX Y', {
      skipLine: (raw: string) => raw.startsWith('%'),
      expand: (line: string) => ({ text: line.replace('X', 'x1'), errors: line ? ['noted'] : [] }),
    });
    expect(problems).toEqual(['2: noted']);
    expect(tokens).toEqual([w('x1', 2), w('Y', 2)]);
  });
});

describe('token cursor', () => {
  const tokens = [w('ASG', 1), p('(', 1), s('G', 1), p(')', 2), w('RULE', 3)];

  it('takes, peeks and expects tokens', () => {
    const cur = new TokenCursor(tokens, 9);
    expect(cur.next('a keyword')).toEqual(w('ASG', 1));
    expect(cur.isPunct('(')).toBe(true);
    expect(cur.expect('(')).toEqual(p('(', 1));
    expect(cur.word('a name')).toEqual(s('G', 1));
    expect(cur.peek()).toEqual(p(')', 2));
    cur.skip();
    expect(cur.atEnd).toBe(false);
    cur.skip();
    expect(cur.atEnd).toBe(true);
  });

  it('blames the offending token line, and the last line at the end of the file', () => {
    const cur = new TokenCursor(tokens, 9);
    expect(thrown(() => cur.expect('{'))).toBe('1: unexpected "ASG", expected "{"');
    expect(thrown(() => cur.word('a name'))).toBe('1: unexpected "(", expected a name');
    expect(thrown(() => cur.expect(','))).toBe('1: unexpected string "G", expected ","');
    cur.skipToWord(new Set(['RULE']));
    expect(cur.next('RULE')).toEqual(w('RULE', 3));
    expect(thrown(() => cur.next('"}"'))).toBe('9: unexpected end of file, expected "}"');
  });
});
