// Parser of the .db file syntax into plain declarations: record/grecord with field, info and alias
// entries, top-level alias, include (relative to the including file, depth-limited), macros
// substituted per line before tokenizing. It reports every problem with file and line and keeps
// going; it knows nothing of record types (db-loader.ts checks those). File reads are injected.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Problem } from '../../errors.js';
import { stripBom, stripComment, tokenizeLine } from './db-lexer.js';
import type { Token } from './db-lexer.js';
import { expandMacros } from './macros.js';
import type { Macros } from './macros.js';

export interface DbEntry {
  name: string;
  value: string;
  line: number;
}

export interface DbRecordDecl {
  type: string;
  name: string;
  file: string;
  line: number;
  fields: DbEntry[];
  infos: DbEntry[];
  aliases: { name: string; line: number }[];
}

export interface DbAliasDecl {
  record: string;
  alias: string;
  file: string;
  line: number;
}

export interface ParsedDb {
  records: DbRecordDecl[];
  aliases: DbAliasDecl[];
  problems: Problem[];
}

export interface DbParseOptions {
  macros?: Macros;
  /** Reads a file as text (default: fs.readFileSync as Latin-1, so every byte survives). */
  readFile?: (path: string) => string;
  /** Nesting limit of `include` (default 16). */
  maxIncludeDepth?: number;
}

export const DEFAULT_MAX_INCLUDE_DEPTH = 16;

const defaultRead = (path: string): string => readFileSync(path, 'latin1');

/** Parses one .db file (and its includes). A file that cannot be read is a problem without a line. */
export function parseDbFile(path: string, options: DbParseOptions = {}, out?: ParsedDb): ParsedDb {
  const result = out ?? { records: [], aliases: [], problems: [] };
  let text: string;
  try {
    text = (options.readFile ?? defaultRead)(path);
  } catch (err) {
    result.problems.push({ file: path, message: `cannot read file: ${errorReason(err)}`, severity: 'error' });
    return result;
  }
  return parseDbText(text, path, options, result, 0);
}

/** Parses .db text named `file`; appends to `out` and returns it. */
export function parseDbText(
  text: string,
  file: string,
  options: DbParseOptions = {},
  out: ParsedDb = { records: [], aliases: [], problems: [] },
  depth = 0,
): ParsedDb {
  const macros = options.macros ?? new Map<string, string>();
  const tokens: Token[] = [];
  const problem = (line: number, message: string) =>
    out.problems.push({ file, line, message, severity: 'error' });
  stripBom(text)
    .split('\n')
    .forEach((raw, index) => {
      const lineNo = index + 1;
      // `%` lines pass C code through in .dbd files; they mean nothing to a database.
      if (raw.trimStart().startsWith('%')) return;
      const expanded = expandMacros(stripComment(raw), macros);
      for (const e of expanded.errors) problem(lineNo, e);
      const lexed = tokenizeLine(expanded.text, lineNo);
      for (const e of lexed.errors) problem(lineNo, e);
      // A line that does not tokenize is dropped whole, so one typo does not cascade into more errors.
      if (lexed.errors.length === 0) tokens.push(...lexed.tokens);
    });
  new Parser(tokens, file, options, out, depth, text.split('\n').length).parse();
  return out;
}

class ParseError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

const TOP_KEYWORDS = new Set(['record', 'grecord', 'alias', 'include']);

class Parser {
  private pos = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
    private readonly options: DbParseOptions,
    private readonly out: ParsedDb,
    private readonly depth: number,
    private readonly lastLine: number,
  ) {}

  parse(): void {
    while (this.pos < this.tokens.length) {
      const t = this.tokens[this.pos]!;
      try {
        if (t.kind === 'word' && (t.text === 'record' || t.text === 'grecord')) this.parseRecord();
        else if (t.kind === 'word' && t.text === 'alias') this.parseTopAlias();
        else if (t.kind === 'word' && t.text === 'include') this.parseInclude();
        else throw new ParseError(t.line, `unexpected ${describe(t)}, expected record, alias or include`);
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
        this.problem(err.line, err.message);
        this.skipToTop();
      }
    }
  }

  private problem(line: number, message: string): void {
    this.out.problems.push({ file: this.file, line, message, severity: 'error' });
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private next(what: string): Token {
    const t = this.tokens[this.pos];
    if (!t) throw new ParseError(this.lastLine, `unexpected end of file, expected ${what}`);
    this.pos++;
    return t;
  }

  private expect(punct: string): Token {
    const t = this.next(`"${punct}"`);
    if (t.kind !== 'punct' || t.text !== punct) {
      throw new ParseError(t.line, `unexpected ${describe(t)}, expected "${punct}"`);
    }
    return t;
  }

  private value(what: string): Token {
    const t = this.next(what);
    if (t.kind === 'punct') {
      if (t.text === '{') throw new ParseError(t.line, 'JSON values are not supported');
      throw new ParseError(t.line, `unexpected ${describe(t)}, expected ${what}`);
    }
    return t;
  }

  private parseRecord(): void {
    const kw = this.next('record');
    this.expect('(');
    const type = this.value('a record type');
    this.expect(',');
    const name = this.value('a record name');
    this.expect(')');
    const decl: DbRecordDecl = {
      type: type.text,
      name: name.text,
      file: this.file,
      line: kw.line,
      fields: [],
      infos: [],
      aliases: [],
    };
    this.out.records.push(decl);
    const open = this.peek();
    if (!open || open.kind !== 'punct' || open.text !== '{') return;
    this.pos++;
    for (;;) {
      const t = this.peek();
      if (!t) throw new ParseError(this.lastLine, `missing "}" closing record "${decl.name}"`);
      if (t.kind === 'punct' && t.text === '}') {
        this.pos++;
        return;
      }
      try {
        this.parseBodyItem(decl);
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
        this.problem(err.line, err.message);
        this.skipInBody();
      }
    }
  }

  private parseBodyItem(decl: DbRecordDecl): void {
    const t = this.next('field, info or alias');
    if (t.kind === 'word' && (t.text === 'field' || t.text === 'info')) {
      this.expect('(');
      const name = this.value(t.text === 'field' ? 'a field name' : 'an info name');
      this.expect(',');
      const value = this.value('a value');
      this.expect(')');
      (t.text === 'field' ? decl.fields : decl.infos).push({
        name: name.text,
        value: value.text,
        line: t.line,
      });
    } else if (t.kind === 'word' && t.text === 'alias') {
      this.expect('(');
      const name = this.value('an alias name');
      this.expect(')');
      decl.aliases.push({ name: name.text, line: t.line });
    } else {
      throw new ParseError(
        t.line,
        `unexpected ${describe(t)} in record "${decl.name}", expected field, info or alias`,
      );
    }
  }

  private parseTopAlias(): void {
    const kw = this.next('alias');
    this.expect('(');
    const record = this.value('a record name');
    this.expect(',');
    const alias = this.value('an alias name');
    this.expect(')');
    this.out.aliases.push({ record: record.text, alias: alias.text, file: this.file, line: kw.line });
  }

  private parseInclude(): void {
    const kw = this.next('include');
    const name = this.value('a file name');
    const max = this.options.maxIncludeDepth ?? DEFAULT_MAX_INCLUDE_DEPTH;
    if (this.depth + 1 > max) throw new ParseError(kw.line, `include nesting deeper than ${max}`);
    const path = name.text.startsWith('/') ? name.text : join(dirname(this.file), name.text);
    let text: string;
    try {
      text = (this.options.readFile ?? defaultRead)(path);
    } catch (err) {
      throw new ParseError(kw.line, `cannot read include file "${path}": ${errorReason(err)}`);
    }
    parseDbText(text, path, this.options, this.out, this.depth + 1);
  }

  /** After an error inside a record body: skip past the next ")" or up to "}". */
  private skipInBody(): void {
    while (this.pos < this.tokens.length) {
      const t = this.tokens[this.pos]!;
      if (t.kind === 'punct' && t.text === '}') return;
      this.pos++;
      if (t.kind === 'punct' && t.text === ')') return;
    }
  }

  /** After an error at top level: skip to the next record, alias or include keyword. */
  private skipToTop(): void {
    this.pos++;
    while (this.pos < this.tokens.length) {
      const t = this.tokens[this.pos]!;
      if (t.kind === 'word' && TOP_KEYWORDS.has(t.text)) return;
      this.pos++;
    }
  }
}

function describe(t: Token): string {
  return t.kind === 'string' ? `string "${t.text}"` : `"${t.text}"`;
}

function errorReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code ?? (err as Error).message;
}
