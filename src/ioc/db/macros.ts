// Macro definitions and substitution for .db files, as macLib does for dbLoadRecords: `$(NAME)`,
// `${NAME}`, with defaults `$(NAME=default)` / `${NAME=default}`, values and defaults that use
// other macros. Unlike dbLoadRecords, an undefined macro without a default is an error. Pure.
import { GwError } from '../../errors.js';

export type Macros = ReadonlyMap<string, string>;

/**
 * Parses `--macros "P=X:,Q=Y"`: comma-separated NAME=VALUE pairs; values may be quoted ('..' or "..")
 * to contain commas; blanks around names are ignored. Throws GwError GW_USAGE when malformed.
 */
export function parseMacroDefinitions(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    const comma = text.indexOf(',', i);
    if (eq < 0 || (comma >= 0 && comma < eq)) {
      const item = text.slice(i, comma < 0 ? text.length : comma).trim();
      if (item !== '') throw new GwError('GW_USAGE', `--macros: "${item}" is not NAME=VALUE`);
      i = comma < 0 ? text.length : comma + 1;
      continue;
    }
    const name = text.slice(i, eq).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new GwError('GW_USAGE', `--macros: bad macro name "${name}"`);
    }
    let j = eq + 1;
    let value = '';
    while (j < text.length && text[j] !== ',') {
      const ch = text[j]!;
      if (ch === '"' || ch === "'") {
        const end = text.indexOf(ch, j + 1);
        if (end < 0) throw new GwError('GW_USAGE', `--macros: unterminated quote in the value of ${name}`);
        value += text.slice(j + 1, end);
        j = end + 1;
      } else if (ch === '\\' && j + 1 < text.length) {
        value += text[j + 1];
        j += 2;
      } else {
        value += ch;
        j++;
      }
    }
    out.set(name, value.trim());
    i = j + 1;
  }
  return out;
}

const MAX_DEPTH = 20;
/**
 * Bounds of one string's expansion: macros that double at each level ("billion laughs") would
 * otherwise take exponential time and memory. Far above anything a real .db needs.
 */
const MAX_EXPANDED_LENGTH = 65_536;
const MAX_REFERENCES = 100_000;

interface Expansion {
  macros: Macros;
  errors: string[];
  active: Set<string>;
  references: number;
  /** Set when a bound was hit: the rest is left unexpanded and reported once. */
  stopped: boolean;
}

/**
 * Substitutes every macro reference in `text`. Returns the result and the reasons of any failures
 * (undefined macro without default, recursive definition, unterminated reference, nesting too deep,
 * expansion too large).
 */
export function expandMacros(text: string, macros: Macros): { text: string; errors: string[] } {
  const x: Expansion = { macros, errors: [], active: new Set(), references: 0, stopped: false };
  const result = expand(text, x, 0);
  return { text: result, errors: x.errors };
}

function stop(x: Expansion, reason: string): void {
  if (!x.stopped) x.errors.push(reason);
  x.stopped = true;
}

function expand(text: string, x: Expansion, depth: number): string {
  if (!text.includes('$') || x.stopped) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (out.length > MAX_EXPANDED_LENGTH)
      stop(x, `macro expansion longer than ${MAX_EXPANDED_LENGTH} characters`);
    // The rest stays unexpanded, so the line keeps its closing quotes and brackets.
    if (x.stopped) return out.slice(0, MAX_EXPANDED_LENGTH) + text.slice(i);
    const ch = text[i]!;
    const open = text[i + 1];
    if (ch !== '$' || (open !== '(' && open !== '{')) {
      out += ch;
      i++;
      continue;
    }
    const close = open === '(' ? ')' : '}';
    const end = findClose(text, i + 2, open, close);
    if (end < 0) {
      x.errors.push(`unterminated macro reference "${text.slice(i)}"`);
      return out + text.slice(i);
    }
    if (++x.references > MAX_REFERENCES) {
      stop(x, `macro expansion needs more than ${MAX_REFERENCES} substitutions`);
      continue;
    }
    const body = text.slice(i + 2, end);
    const eq = body.indexOf('=');
    const name = expand(eq < 0 ? body : body.slice(0, eq), x, depth + 1);
    const value = x.macros.get(name);
    if (x.active.has(name)) {
      x.errors.push(`macro "${name}" is defined in terms of itself`);
    } else if (depth > MAX_DEPTH) {
      stop(x, `macros nested more than ${MAX_DEPTH} deep at "${name}"`);
      continue;
    } else if (value !== undefined) {
      x.active.add(name);
      out += expand(value, x, depth + 1);
      x.active.delete(name);
    } else if (eq >= 0) {
      out += expand(body.slice(eq + 1), x, depth + 1);
    } else {
      x.errors.push(`undefined macro "${name}"`);
    }
    i = end + 1;
  }
  return out;
}

/** Index of the bracket closing a reference opened just before `from`, honouring nesting. */
function findClose(text: string, from: number, open: string, close: string): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === open) depth++;
    else if (ch === close) {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}
