// Parser of access security configuration files (.acf, the asLib syntax): UAG and HAG lists and
// ASG groups of RULE(level, NONE|READ|WRITE[, TRAPWRITE]) with optional UAG/HAG conditions.
// Beyond asLib, a HAG entry may be an IPv4 address or CIDR block matched against the peer address.
// INP<x> and CALC (rules that depend on PV values) are reported as unsupported. Every problem is
// reported with file and line (ProblemsError GW_ACF_PARSE). Pure: text in, rules out.
import { ProblemsError } from '../../errors.js';
import type { Problem } from '../../errors.js';
import { lexText } from '../lex/lexer.js';
import type { Token } from '../lex/lexer.js';
import { SyntaxProblem, TokenCursor, unexpected } from '../lex/token-cursor.js';
import { parseIpv4 } from '../../net.js';
import { AccessRules } from './access-rules.js';
import type { AccessLevel, AccessRule, HostPattern } from './access-rules.js';

/** Parses ACF text; throws ProblemsError (GW_ACF_PARSE) listing every problem. */
export function parseAcf(text: string, file: string): AccessRules {
  const problems: Problem[] = [];
  const problem = (line: number, message: string) =>
    problems.push({ file, line, message, severity: 'error' });
  const { tokens, lineCount } = lexText(text, { extraBare: '/' }, problem);
  const parser = new AcfParser(new TokenCursor(tokens, lineCount), problem);
  parser.parse();
  if (problems.length > 0) {
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    throw new ProblemsError('GW_ACF_PARSE', problems);
  }
  return new AccessRules({ uags: parser.uags, hags: parser.hags, asgs: parser.asgs });
}

/** Parses one HAG entry: `name`, `10.1.2.3` or `10.0.0.0/8`. */
export function parseHostPattern(text: string): HostPattern | string {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const ip = parseIpv4(addr);
  if (slash >= 0) {
    const bits = text.slice(slash + 1);
    if (ip === undefined || !/^\d{1,2}$/.test(bits) || Number(bits) > 32) return `bad CIDR block "${text}"`;
    return { kind: 'cidr', network: ip, maskBits: Number(bits), text };
  }
  if (ip !== undefined) return { kind: 'cidr', network: ip, maskBits: 32, text };
  return { kind: 'name', name: text.toLowerCase() };
}

const ACCESS: ReadonlySet<string> = new Set(['NONE', 'READ', 'WRITE']);
const TOP_KEYWORDS: ReadonlySet<string> = new Set(['UAG', 'HAG', 'ASG']);

class AcfParser {
  readonly uags = new Map<string, Set<string>>();
  readonly hags = new Map<string, HostPattern[]>();
  readonly asgs = new Map<string, AccessRule[]>();
  private readonly definedAt = new Map<string, number>();
  /** Rule references are checked at the end: asLib allows UAG/HAG after the ASG that uses them. */
  private readonly references: { kind: 'UAG' | 'HAG'; name: string; line: number }[] = [];
  constructor(
    private readonly cur: TokenCursor,
    private readonly problem: (line: number, message: string) => void,
  ) {}

  parse(): void {
    while (!this.cur.atEnd) {
      try {
        const t = this.cur.next('UAG, HAG or ASG');
        if (t.kind === 'word' && t.text === 'UAG') this.parseList('UAG');
        else if (t.kind === 'word' && t.text === 'HAG') this.parseList('HAG');
        else if (t.kind === 'word' && t.text === 'ASG') this.parseAsg();
        else throw unexpected(t, 'UAG, HAG or ASG');
      } catch (err) {
        if (!(err instanceof SyntaxProblem)) throw err;
        this.problem(err.line, err.message);
        this.cur.skipToWord(TOP_KEYWORDS);
      }
    }
    for (const ref of this.references) {
      const known = ref.kind === 'UAG' ? this.uags.has(ref.name) : this.hags.has(ref.name);
      if (!known) this.problem(ref.line, `RULE refers to undefined ${ref.kind} "${ref.name}"`);
    }
  }

  /** `(a, b, ...)` or `{a, b, ...}`: a comma-separated list of names up to `close`. */
  private names(close: string, what: string): Token[] {
    const out: Token[] = [];
    if (this.cur.isPunct(close)) {
      this.cur.skip();
      return out;
    }
    for (;;) {
      out.push(this.cur.word(what));
      const t = this.cur.next(`"," or "${close}"`);
      if (t.kind === 'punct' && t.text === close) return out;
      if (t.kind !== 'punct' || t.text !== ',') throw unexpected(t, `"," or "${close}"`);
    }
  }

  private define(kind: string, name: Token): void {
    const key = `${kind} ${name.text}`;
    const first = this.definedAt.get(key);
    // Reported without aborting: the duplicate's body is still parsed so its own errors show too.
    if (first !== undefined)
      this.problem(name.line, `duplicate ${kind} "${name.text}" (first defined at line ${first})`);
    else this.definedAt.set(key, name.line);
  }

  private parseList(kind: 'UAG' | 'HAG'): void {
    this.cur.expect('(');
    const name = this.cur.word(`a ${kind} name`);
    this.cur.expect(')');
    this.define(kind, name);
    const entries = this.cur.isPunct('{')
      ? (this.cur.skip(), this.names('}', kind === 'UAG' ? 'a user' : 'a host'))
      : [];
    if (kind === 'UAG') {
      this.uags.set(name.text, new Set(entries.map((e) => e.text)));
      return;
    }
    const patterns: HostPattern[] = [];
    for (const e of entries) {
      const p = parseHostPattern(e.text);
      if (typeof p === 'string') this.problem(e.line, p);
      else patterns.push(p);
    }
    this.hags.set(name.text, patterns);
  }

  private parseAsg(): void {
    this.cur.expect('(');
    const name = this.cur.word('an ASG name');
    this.cur.expect(')');
    this.define('ASG', name);
    const rules: AccessRule[] = [];
    this.asgs.set(name.text, rules);
    if (!this.cur.isPunct('{')) return;
    this.cur.skip();
    for (;;) {
      if (this.cur.isPunct('}')) {
        this.cur.skip();
        return;
      }
      if (this.cur.atEnd)
        throw new SyntaxProblem(this.cur.lastLine, `missing "}" closing ASG "${name.text}"`);
      try {
        const t = this.cur.word('RULE');
        if (/^INP[A-U]$/.test(t.text)) {
          this.cur.expect('(');
          this.names(')', 'a PV name');
          throw new SyntaxProblem(t.line, `${t.text} is not supported (rules cannot depend on PV values)`);
        }
        if (t.text !== 'RULE') throw unexpected(t, 'RULE', ` in ASG "${name.text}"`);
        rules.push(this.parseRule(t));
      } catch (err) {
        if (!(err instanceof SyntaxProblem)) throw err;
        this.problem(err.line, err.message);
        this.skipInBlock();
      }
    }
  }

  private parseRule(kw: Token): AccessRule {
    this.cur.expect('(');
    const args = this.names(')', 'a RULE argument');
    const [level, access, trap, ...extra] = args;
    if (!level || !access)
      throw new SyntaxProblem(kw.line, 'RULE needs a level and an access (NONE, READ or WRITE)');
    if (!/^\d+$/.test(level.text))
      throw new SyntaxProblem(level.line, `bad RULE level "${level.text}", expected 0 or 1`);
    if (!ACCESS.has(access.text)) {
      throw new SyntaxProblem(access.line, `bad RULE access "${access.text}", expected NONE, READ or WRITE`);
    }
    if (extra.length > 0 || (trap && trap.text !== 'TRAPWRITE' && trap.text !== 'NOTRAPWRITE')) {
      const bad = extra[0] ?? trap!;
      throw new SyntaxProblem(
        bad.line,
        `unexpected RULE argument "${bad.text}", expected TRAPWRITE or NOTRAPWRITE`,
      );
    }
    const rule: AccessRule = {
      level: Number(level.text),
      access: access.text as AccessLevel,
      trapWrite: trap?.text === 'TRAPWRITE',
      uags: [],
      hags: [],
      line: kw.line,
    };
    if (!this.cur.isPunct('{')) return rule;
    this.cur.skip();
    const uags: string[] = [];
    const hags: string[] = [];
    for (;;) {
      if (this.cur.isPunct('}')) {
        this.cur.skip();
        break;
      }
      try {
        this.parseCondition(uags, hags);
      } catch (err) {
        if (!(err instanceof SyntaxProblem)) throw err;
        this.problem(err.line, err.message);
        this.skipPastClose();
        break;
      }
    }
    return { ...rule, uags, hags };
  }

  private parseCondition(uags: string[], hags: string[]): void {
    const t = this.cur.word('UAG, HAG or "}"');
    if (t.text === 'UAG' || t.text === 'HAG') {
      this.cur.expect('(');
      for (const n of this.names(')', `a ${t.text} name`)) {
        (t.text === 'UAG' ? uags : hags).push(n.text);
        this.references.push({ kind: t.text, name: n.text, line: n.line });
      }
    } else if (t.text === 'CALC' || t.text === 'METHOD' || t.text === 'AUTHORITY') {
      this.cur.expect('(');
      this.names(')', 'an argument');
      throw new SyntaxProblem(t.line, `${t.text} is not supported`);
    } else {
      throw unexpected(t, 'UAG or HAG', ' in RULE');
    }
  }

  /** Skips past the "}" closing the current block. */
  private skipPastClose(): void {
    let depth = 0;
    while (!this.cur.atEnd) {
      const t = this.cur.next('"}"');
      if (t.kind === 'punct' && t.text === '{') depth++;
      if (t.kind === 'punct' && t.text === '}' && depth-- === 0) return;
    }
  }

  /** After an error inside an ASG: skip to the next RULE/INPx or the ASG's closing "}". */
  private skipInBlock(): void {
    let depth = 0;
    for (let t = this.cur.peek(); t; t = this.cur.peek()) {
      if (t.kind === 'punct' && t.text === '{') depth++;
      if (t.kind === 'punct' && t.text === '}') {
        if (depth === 0) return;
        depth--;
      }
      if (depth === 0 && t.kind === 'word' && (t.text === 'RULE' || /^INP[A-U]$/.test(t.text))) return;
      this.cur.skip();
    }
  }
}
