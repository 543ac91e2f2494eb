// Parser of access security configuration files (.acf, the asLib syntax): UAG and HAG lists and
// ASG groups of RULE(level, NONE|READ|WRITE[, TRAPWRITE]) with optional UAG/HAG conditions.
// Beyond asLib, a HAG entry may be an IPv4 address or CIDR block matched against the peer address.
// INP<x> and CALC (rules that depend on PV values) are reported as unsupported. Every problem is
// reported with file and line (ProblemsError GW_ACF_PARSE). Pure: text in, rules out.
import { ProblemsError } from '../../errors.js';
import type { Problem } from '../../errors.js';
import { stripBom, stripComment, tokenizeLine } from '../db/db-lexer.js';
import type { Token } from '../db/db-lexer.js';
import { parseIpv4 } from '../../net.js';
import { AccessRules } from './access-rules.js';
import type { AccessLevel, AccessRule, HostPattern } from './access-rules.js';

class AcfError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** Parses ACF text; throws ProblemsError (GW_ACF_PARSE) listing every problem. */
export function parseAcf(text: string, file: string): AccessRules {
  const problems: Problem[] = [];
  const tokens: Token[] = [];
  const lines = stripBom(text).split('\n');
  lines.forEach((raw, i) => {
    const lexed = tokenizeLine(stripComment(raw), i + 1, '/');
    for (const e of lexed.errors) problems.push({ file, line: i + 1, message: e, severity: 'error' });
    if (lexed.errors.length === 0) tokens.push(...lexed.tokens);
  });
  const parser = new AcfParser(tokens, lines.length, (line, message) =>
    problems.push({ file, line, message, severity: 'error' }),
  );
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

class AcfParser {
  readonly uags = new Map<string, Set<string>>();
  readonly hags = new Map<string, HostPattern[]>();
  readonly asgs = new Map<string, AccessRule[]>();
  private readonly definedAt = new Map<string, number>();
  /** Rule references are checked at the end: asLib allows UAG/HAG after the ASG that uses them. */
  private readonly references: { kind: 'UAG' | 'HAG'; name: string; line: number }[] = [];
  private pos = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly lastLine: number,
    private readonly problem: (line: number, message: string) => void,
  ) {}

  parse(): void {
    while (this.pos < this.tokens.length) {
      try {
        const t = this.next('UAG, HAG or ASG');
        if (t.kind === 'word' && t.text === 'UAG') this.parseList('UAG');
        else if (t.kind === 'word' && t.text === 'HAG') this.parseList('HAG');
        else if (t.kind === 'word' && t.text === 'ASG') this.parseAsg();
        else throw new AcfError(t.line, `unexpected ${describe(t)}, expected UAG, HAG or ASG`);
      } catch (err) {
        if (!(err instanceof AcfError)) throw err;
        this.problem(err.line, err.message);
        this.skipTo(new Set(['UAG', 'HAG', 'ASG']));
      }
    }
    for (const ref of this.references) {
      const known = ref.kind === 'UAG' ? this.uags.has(ref.name) : this.hags.has(ref.name);
      if (!known) this.problem(ref.line, `RULE refers to undefined ${ref.kind} "${ref.name}"`);
    }
  }

  private next(what: string): Token {
    const t = this.tokens[this.pos];
    if (!t) throw new AcfError(this.lastLine, `unexpected end of file, expected ${what}`);
    this.pos++;
    return t;
  }

  private peekPunct(p: string): boolean {
    const t = this.tokens[this.pos];
    return t !== undefined && t.kind === 'punct' && t.text === p;
  }

  private expect(p: string): Token {
    const t = this.next(`"${p}"`);
    if (t.kind !== 'punct' || t.text !== p)
      throw new AcfError(t.line, `unexpected ${describe(t)}, expected "${p}"`);
    return t;
  }

  private word(what: string): Token {
    const t = this.next(what);
    if (t.kind === 'punct') throw new AcfError(t.line, `unexpected ${describe(t)}, expected ${what}`);
    return t;
  }

  /** `(a, b, ...)` or `{a, b, ...}`: a comma-separated list of names up to `close`. */
  private names(close: string, what: string): Token[] {
    const out: Token[] = [];
    if (this.peekPunct(close)) {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.word(what));
      const t = this.next(`"," or "${close}"`);
      if (t.kind === 'punct' && t.text === close) return out;
      if (t.kind !== 'punct' || t.text !== ',') {
        throw new AcfError(t.line, `unexpected ${describe(t)}, expected "," or "${close}"`);
      }
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
    this.expect('(');
    const name = this.word(`a ${kind} name`);
    this.expect(')');
    this.define(kind, name);
    const entries = this.peekPunct('{')
      ? (this.pos++, this.names('}', kind === 'UAG' ? 'a user' : 'a host'))
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
    this.expect('(');
    const name = this.word('an ASG name');
    this.expect(')');
    this.define('ASG', name);
    const rules: AccessRule[] = [];
    this.asgs.set(name.text, rules);
    if (!this.peekPunct('{')) return;
    this.pos++;
    for (;;) {
      if (this.peekPunct('}')) {
        this.pos++;
        return;
      }
      if (this.pos >= this.tokens.length)
        throw new AcfError(this.lastLine, `missing "}" closing ASG "${name.text}"`);
      try {
        const t = this.word('RULE');
        if (/^INP[A-U]$/.test(t.text)) {
          this.expect('(');
          this.names(')', 'a PV name');
          throw new AcfError(t.line, `${t.text} is not supported (rules cannot depend on PV values)`);
        }
        if (t.text !== 'RULE')
          throw new AcfError(t.line, `unexpected ${describe(t)} in ASG "${name.text}", expected RULE`);
        rules.push(this.parseRule(t));
      } catch (err) {
        if (!(err instanceof AcfError)) throw err;
        this.problem(err.line, err.message);
        this.skipInBlock();
      }
    }
  }

  private parseRule(kw: Token): AccessRule {
    this.expect('(');
    const args = this.names(')', 'a RULE argument');
    const [level, access, trap, ...extra] = args;
    if (!level || !access)
      throw new AcfError(kw.line, 'RULE needs a level and an access (NONE, READ or WRITE)');
    if (!/^\d+$/.test(level.text))
      throw new AcfError(level.line, `bad RULE level "${level.text}", expected 0 or 1`);
    if (!ACCESS.has(access.text)) {
      throw new AcfError(access.line, `bad RULE access "${access.text}", expected NONE, READ or WRITE`);
    }
    if (extra.length > 0 || (trap && trap.text !== 'TRAPWRITE' && trap.text !== 'NOTRAPWRITE')) {
      const bad = extra[0] ?? trap!;
      throw new AcfError(
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
    if (!this.peekPunct('{')) return rule;
    this.pos++;
    const uags: string[] = [];
    const hags: string[] = [];
    for (;;) {
      if (this.peekPunct('}')) {
        this.pos++;
        break;
      }
      try {
        this.parseCondition(uags, hags);
      } catch (err) {
        if (!(err instanceof AcfError)) throw err;
        this.problem(err.line, err.message);
        this.skipPastClose();
        break;
      }
    }
    return { ...rule, uags, hags };
  }

  private parseCondition(uags: string[], hags: string[]): void {
    {
      const t = this.word('UAG, HAG or "}"');
      if (t.text === 'UAG' || t.text === 'HAG') {
        this.expect('(');
        for (const n of this.names(')', `a ${t.text} name`)) {
          (t.text === 'UAG' ? uags : hags).push(n.text);
          this.references.push({ kind: t.text, name: n.text, line: n.line });
        }
      } else if (t.text === 'CALC' || t.text === 'METHOD' || t.text === 'AUTHORITY') {
        this.expect('(');
        this.names(')', 'an argument');
        throw new AcfError(t.line, `${t.text} is not supported`);
      } else {
        throw new AcfError(t.line, `unexpected ${describe(t)} in RULE, expected UAG or HAG`);
      }
    }
  }

  /** Skips past the "}" closing the current block. */
  private skipPastClose(): void {
    let depth = 0;
    while (this.pos < this.tokens.length) {
      const t = this.tokens[this.pos++]!;
      if (t.kind === 'punct' && t.text === '{') depth++;
      if (t.kind === 'punct' && t.text === '}' && depth-- === 0) return;
    }
  }

  /** After an error inside an ASG: skip to the next RULE/INPx or the ASG's closing "}". */
  private skipInBlock(): void {
    let depth = 0;
    while (this.pos < this.tokens.length) {
      const t = this.tokens[this.pos]!;
      if (t.kind === 'punct' && t.text === '{') depth++;
      if (t.kind === 'punct' && t.text === '}') {
        if (depth === 0) return;
        depth--;
      }
      if (depth === 0 && t.kind === 'word' && (t.text === 'RULE' || /^INP[A-U]$/.test(t.text))) return;
      this.pos++;
    }
  }

  private skipTo(keywords: ReadonlySet<string>): void {
    while (this.pos < this.tokens.length) {
      const t = this.tokens[this.pos]!;
      if (t.kind === 'word' && keywords.has(t.text)) return;
      this.pos++;
    }
  }
}

function describe(t: Token): string {
  return t.kind === 'string' ? `string "${t.text}"` : `"${t.text}"`;
}
