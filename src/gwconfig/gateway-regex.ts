// The gateway's pattern language: checks a pvlist pattern against what ca-gateway really compiles
// (glibc re_compile_pattern, syntax bits 0 = GNU Emacs syntax, anchored at both ends) and translates it
// into an equivalent JavaScript RegExp for `config explain` and the tests.
// Pure. Anything the gateway would silently read differently from what a reader expects is refused.

const JS_SPECIAL = new Set([...'^$\\.*+?()[]{}|/']);
const LITERAL_ESCAPES = new Set([...'.*+?[]\\^$']);
const REPEAT = new Set(['*', '+', '?']);

/** What `checkPattern` found: translated source (when valid), group count, and every problem. */
export interface PatternCheck {
  errors: string[];
  groups: number;
  jsSource?: string;
}

function explainEscape(c: string): string {
  if (c === 'd' || c === 'D')
    return `"\\${c}" is not a digit class in the gateway (it matches a literal "${c}"); use [0-9]`;
  if (c === '{' || c === '}')
    return 'intervals \\{m,n\\} are not supported by the gateway; repeat the item instead';
  if (/[1-9]/.test(c))
    return `back-reference "\\${c}" in a pattern is not supported; use it in an alias target`;
  if ("wWsSbB<>`'".includes(c))
    return `"\\${c}" is a GNU Emacs operator that gwagent does not support; spell the characters out`;
  return `"\\${c}" is not a gateway regex escape; it would match a literal "${c}"`;
}

/**
 * Checks one pvlist pattern as ca-gateway compiles it and, when it is valid, translates it to JavaScript.
 * The JavaScript source is unanchored; wrap it with `anchoredRegExp`.
 */
export function checkPattern(pattern: string): PatternCheck {
  const errors: string[] = [];
  if (pattern.length === 0) return { errors: ['empty pattern'], groups: 0 };
  if (pattern.length > 256) errors.push(`pattern is ${pattern.length} characters; the gateway allows 256`);
  const bad = [...pattern].find((c) => c <= ' ' || c > '~' || c === '#');
  if (bad !== undefined) {
    errors.push(
      `character ${JSON.stringify(bad)} cannot appear in a pvlist pattern (whitespace, '#' and non-ASCII end or break the line)`,
    );
    return { errors, groups: 0 };
  }
  let js = '';
  let groups = 0;
  let depth = 0;
  // Where a repetition operator would be literal in Emacs syntax: at the start, after \( or \|.
  let atItemStart = true;
  let lastWasRepeat = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '\\') {
      const n = pattern.charAt(i + 1);
      i++;
      lastWasRepeat = false;
      if (n === '') {
        errors.push('pattern ends with a lone backslash');
        break;
      }
      if (n === '(') {
        js += '(';
        groups++;
        depth++;
        atItemStart = true;
        continue;
      }
      if (n === ')') {
        if (depth === 0) errors.push('"\\)" without a matching "\\("');
        depth = Math.max(0, depth - 1);
        js += ')';
        atItemStart = false;
        continue;
      }
      if (n === '|') {
        js += '|';
        atItemStart = true;
        continue;
      }
      if (LITERAL_ESCAPES.has(n)) {
        js += '\\' + n;
        atItemStart = false;
        continue;
      }
      errors.push(explainEscape(n));
      continue;
    }
    if (c === '(' || c === ')' || c === '|') {
      errors.push(
        `bare "${c}" is a literal character in the gateway's regex syntax; write "\\${c}" for a group or alternation`,
      );
      continue;
    }
    if (c === '{' || c === '}') {
      errors.push(
        'intervals {m,n} are not supported by the gateway (it treats "{" and "}" as literal characters)',
      );
      continue;
    }
    if (c === '^' || c === '$') {
      errors.push(
        `"${c}" is not needed (patterns are anchored at both ends) and is a literal in most positions; write "\\${c}" for the character`,
      );
      continue;
    }
    if (REPEAT.has(c)) {
      if (atItemStart)
        errors.push(
          `"${c}" at the start of a pattern or group is a literal character in the gateway; write "\\${c}"`,
        );
      else if (lastWasRepeat)
        errors.push(`repetition operators "${pattern.charAt(i - 1)}${c}" in a row are ambiguous; use one`);
      js += c;
      lastWasRepeat = true;
      continue;
    }
    lastWasRepeat = false;
    atItemStart = false;
    if (c === '[') {
      const end = scanBracket(pattern, i, errors);
      if (end < 0) break;
      js += translateBracket(pattern.slice(i + 1, end));
      i = end;
      continue;
    }
    js += c === '.' ? '.' : JS_SPECIAL.has(c) ? '\\' + c : c;
  }
  if (depth > 0) errors.push('"\\(" without a matching "\\)"');
  return errors.length > 0 ? { errors, groups } : { errors, groups, jsSource: js };
}

/** Finds the closing "]" of a bracket expression that starts at `start`; -1 (and an error) if none. */
function scanBracket(pattern: string, start: number, errors: string[]): number {
  let i = start + 1;
  if (pattern.charAt(i) === '^') i++;
  if (pattern.charAt(i) === ']') i++; // a leading "]" is a member, POSIX rule
  for (; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '[' && ':=.'.includes(pattern.charAt(i + 1))) {
      errors.push('character classes like [[:digit:]] are not supported by the gateway; use [0-9]');
      return -1;
    }
    if (c === ']') return i;
  }
  errors.push('"[" without a closing "]"');
  return -1;
}

/** POSIX bracket body to JavaScript: backslash is a literal member inside brackets in the gateway. */
function translateBracket(body: string): string {
  let out = '[';
  let i = 0;
  if (body.startsWith('^')) {
    out += '^';
    i = 1;
  }
  for (; i < body.length; i++) {
    const c = body.charAt(i);
    out += c === '\\' || c === ']' || c === '[' || c === '^' ? '\\' + c : c;
  }
  return out + ']';
}

/** The whole-name RegExp the gateway effectively uses for a valid pattern. */
export function anchoredRegExp(pattern: string): RegExp {
  const check = checkPattern(pattern);
  if (check.jsSource === undefined)
    throw new Error(`invalid gateway pattern ${pattern}: ${check.errors.join('; ')}`);
  return new RegExp(`^(?:${check.jsSource})$`);
}

/** Escapes a literal PV name (or prefix) for use inside a gateway pattern. */
export function escapeLiteral(name: string): string {
  return [...name].map((c) => (LITERAL_ESCAPES.has(c) ? '\\' + c : c)).join('');
}

/** Checks an ALIAS target: a PV name with \0..\9 substitutions that exist in the pattern. */
export function checkAliasTarget(target: string, groups: number): string[] {
  const errors: string[] = [];
  const bad = [...target].find((c) => c <= ' ' || c > '~' || c === '#');
  if (bad !== undefined) errors.push(`character ${JSON.stringify(bad)} cannot appear in an alias target`);
  for (let i = 0; i < target.length; i++) {
    if (target.charAt(i) !== '\\') continue;
    const n = target.charAt(i + 1);
    i++;
    if (!/[0-9]/.test(n)) errors.push(`"\\${n}" in an alias target: only \\0..\\9 substitutions are allowed`);
    else if (Number(n) > groups)
      errors.push(`alias target uses \\${n} but the pattern has only ${groups} group(s)`);
  }
  return errors;
}

/** Applies \0..\9 substitutions of an alias target to a match. */
export function expandAlias(target: string, match: RegExpMatchArray): string {
  return target.replace(/\\([0-9])/g, (_, d: string) => match[Number(d)] ?? '');
}
