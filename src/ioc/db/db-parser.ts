// Parser of the .db file syntax into plain declarations: record/grecord with field, info and alias
// entries, top-level alias, include (relative to the including file, depth-limited), macros
// substituted per line before tokenizing. It reports every problem with file and line and keeps
// going; it knows nothing of record types (db-loader.ts checks those). File reads are injected.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Problem } from '../../errors.js';
import { lexText } from '../lex/lexer.js';
import type { Token } from '../lex/lexer.js';
import { SyntaxProblem, TokenCursor, unexpected } from '../lex/token-cursor.js';
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
  const { tokens, lineCount } = lexText(
    text,
    {
      // `%` lines pass C code through in .dbd files; they mean nothing to a database.
      skipLine: (raw) => raw.trimStart().startsWith('%'),
      expand: (line) => expandMacros(line, macros),
    },
    (line, message) => out.problems.push({ file, line, message, severity: 'error' }),
  );
  new Parser(new TokenCursor(tokens, lineCount), file, options, out, depth).parse();
  return out;
}

const TOP_KEYWORDS = new Set(['record', 'grecord', 'alias', 'include']);

class Parser {
  constructor(
    private readonly cur: TokenCursor,
    private readonly file: string,
    private readonly options: DbParseOptions,
    private readonly out: ParsedDb,
    private readonly depth: number,
  ) {}

  parse(): void {
    for (let t = this.cur.peek(); t; t = this.cur.peek()) {
      try {
        if (t.kind === 'word' && (t.text === 'record' || t.text === 'grecord')) this.parseRecord();
        else if (t.kind === 'word' && t.text === 'alias') this.parseTopAlias();
        else if (t.kind === 'word' && t.text === 'include') this.parseInclude();
        else throw unexpected(t, 'record, alias or include');
      } catch (err) {
        if (!(err instanceof SyntaxProblem)) throw err;
        this.problem(err.line, err.message);
        // Resynchronise at the next record, alias or include keyword.
        this.cur.skip();
        this.cur.skipToWord(TOP_KEYWORDS);
      }
    }
  }

  private problem(line: number, message: string): void {
    this.out.problems.push({ file: this.file, line, message, severity: 'error' });
  }

  /** A word or string; a "{" here would open a JSON value (dbStatic's JSON links), which we refuse. */
  private value(what: string): Token {
    const t = this.cur.peek();
    if (t?.kind === 'punct' && t.text === '{') {
      this.cur.skip();
      throw new SyntaxProblem(t.line, 'JSON values are not supported');
    }
    return this.cur.word(what);
  }

  private parseRecord(): void {
    const kw = this.cur.next('record');
    this.cur.expect('(');
    const type = this.value('a record type');
    this.cur.expect(',');
    const name = this.value('a record name');
    this.cur.expect(')');
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
    if (!this.cur.isPunct('{')) return;
    this.cur.skip();
    for (;;) {
      if (this.cur.atEnd)
        throw new SyntaxProblem(this.cur.lastLine, `missing "}" closing record "${decl.name}"`);
      if (this.cur.isPunct('}')) {
        this.cur.skip();
        return;
      }
      try {
        this.parseBodyItem(decl);
      } catch (err) {
        if (!(err instanceof SyntaxProblem)) throw err;
        this.problem(err.line, err.message);
        this.skipInBody();
      }
    }
  }

  private parseBodyItem(decl: DbRecordDecl): void {
    const t = this.cur.next('field, info or alias');
    if (t.kind === 'word' && (t.text === 'field' || t.text === 'info')) {
      this.cur.expect('(');
      const name = this.value(t.text === 'field' ? 'a field name' : 'an info name');
      this.cur.expect(',');
      const value = this.value('a value');
      this.cur.expect(')');
      (t.text === 'field' ? decl.fields : decl.infos).push({
        name: name.text,
        value: value.text,
        line: t.line,
      });
    } else if (t.kind === 'word' && t.text === 'alias') {
      this.cur.expect('(');
      const name = this.value('an alias name');
      this.cur.expect(')');
      decl.aliases.push({ name: name.text, line: t.line });
    } else {
      throw unexpected(t, 'field, info or alias', ` in record "${decl.name}"`);
    }
  }

  private parseTopAlias(): void {
    const kw = this.cur.next('alias');
    this.cur.expect('(');
    const record = this.value('a record name');
    this.cur.expect(',');
    const alias = this.value('an alias name');
    this.cur.expect(')');
    this.out.aliases.push({ record: record.text, alias: alias.text, file: this.file, line: kw.line });
  }

  private parseInclude(): void {
    const kw = this.cur.next('include');
    const name = this.value('a file name');
    const max = this.options.maxIncludeDepth ?? DEFAULT_MAX_INCLUDE_DEPTH;
    if (this.depth + 1 > max) throw new SyntaxProblem(kw.line, `include nesting deeper than ${max}`);
    const path = name.text.startsWith('/') ? name.text : join(dirname(this.file), name.text);
    let text: string;
    try {
      text = (this.options.readFile ?? defaultRead)(path);
    } catch (err) {
      throw new SyntaxProblem(kw.line, `cannot read include file "${path}": ${errorReason(err)}`);
    }
    parseDbText(text, path, this.options, this.out, this.depth + 1);
  }

  /** After an error inside a record body: skip past the next ")" or up to "}". */
  private skipInBody(): void {
    for (let t = this.cur.peek(); t; t = this.cur.peek()) {
      if (t.kind === 'punct' && t.text === '}') return;
      this.cur.skip();
      if (t.kind === 'punct' && t.text === ')') return;
    }
  }
}

function errorReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code ?? (err as Error).message;
}
