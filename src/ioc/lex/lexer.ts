// The one lexer of the EPICS database-style files, .db (dbLex.l) and .acf (asLib.l): punctuation,
// quoted strings with C escapes, bare words, `#` comments; one line at a time, since neither strings
// nor comments span lines. Both parsers own it from here (token-cursor.ts walks what it returns). Pure.

export interface Token {
  kind: 'word' | 'string' | 'punct';
  text: string;
  line: number;
}

/** Characters of an unquoted word, as dbLex's `bareword`. */
const BARE = /[a-zA-Z0-9_\-+:.[\]<>;]/;

/** Text without a leading UTF-8 byte order mark (as read in Latin-1, or already decoded). */
export function stripBom(text: string): string {
  if (text.startsWith('\xEF\xBB\xBF')) return text.slice(3);
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/** The line without its `#` comment (a `#` inside quotes is text). */
export function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted && ch === '\\') i++;
    else if (ch === '"') quoted = !quoted;
    else if (ch === '#' && !quoted) return line.slice(0, i);
  }
  return line;
}

const ESCAPES: { readonly [c: string]: string } = {
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
  '?': '?',
};

/**
 * Tokenizes one (comment-free, macro-expanded) line; errors carry the reason. `extraBare` adds
 * characters allowed in unquoted words (the .acf parser allows "/" for CIDR blocks).
 */
export function tokenizeLine(
  line: string,
  lineNo: number,
  extraBare = '',
): { tokens: Token[]; errors: string[] } {
  const isBare = (c: string) => BARE.test(c) || extraBare.includes(c);
  const tokens: Token[] = [];
  const errors: string[] = [];
  let i = 0;
  while (i < line.length) {
    const ch = line[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') {
      i++;
    } else if ('(){},'.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch, line: lineNo });
      i++;
    } else if (ch === '"') {
      let text = '';
      let j = i + 1;
      let closed = false;
      while (j < line.length) {
        const c = line[j]!;
        if (c === '"') {
          closed = true;
          break;
        }
        if (c === '\\' && j + 1 < line.length) {
          const e = line[j + 1]!;
          const hex = /^x([0-9a-fA-F]{1,2})/.exec(line.slice(j + 1));
          const oct = /^([0-7]{1,3})/.exec(line.slice(j + 1));
          if (hex) {
            text += String.fromCharCode(parseInt(hex[1]!, 16));
            j += 1 + hex[0].length;
          } else if (oct) {
            text += String.fromCharCode(parseInt(oct[1]!, 8) & 0xff);
            j += 1 + oct[0].length;
          } else {
            text += ESCAPES[e] ?? e;
            j += 2;
          }
          continue;
        }
        text += c;
        j++;
      }
      if (!closed) {
        errors.push('unterminated string');
        return { tokens, errors };
      }
      tokens.push({ kind: 'string', text, line: lineNo });
      i = j + 1;
    } else if (isBare(ch)) {
      let j = i;
      while (j < line.length && isBare(line[j]!)) j++;
      tokens.push({ kind: 'word', text: line.slice(i, j), line: lineNo });
      i = j;
    } else {
      errors.push(`unexpected character "${ch}"`);
      i++;
    }
  }
  return { tokens, errors };
}

export interface LexOptions {
  /** Characters allowed in unquoted words beyond dbLex's (the .acf parser adds "/" for CIDR blocks). */
  extraBare?: string;
  /** Lines passed over whole (the .db parser skips `%` lines). */
  skipLine?: (raw: string) => boolean;
  /** Rewrites a comment-free line before it is tokenized (the .db parser expands macros here). */
  expand?: (line: string) => { text: string; errors: string[] };
}

/**
 * Tokenizes a whole file: every problem goes to `problem` with its 1-based line, and a line that
 * does not tokenize is dropped whole, so one typo does not cascade into more errors. `lineCount` is the line
 * an "unexpected end of file" is reported at.
 */
export function lexText(
  text: string,
  options: LexOptions,
  problem: (line: number, message: string) => void,
): { tokens: Token[]; lineCount: number } {
  const tokens: Token[] = [];
  const lines = stripBom(text).split('\n');
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    if (options.skipLine?.(raw)) return;
    let line = stripComment(raw);
    if (options.expand) {
      const expanded = options.expand(line);
      for (const e of expanded.errors) problem(lineNo, e);
      line = expanded.text;
    }
    const lexed = tokenizeLine(line, lineNo, options.extraBare);
    for (const e of lexed.errors) problem(lineNo, e);
    if (lexed.errors.length === 0) tokens.push(...lexed.tokens);
  });
  return { tokens, lineCount: lines.length };
}
