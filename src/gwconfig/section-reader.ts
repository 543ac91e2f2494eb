// Typed access to one INI section: string/number/boolean/list/enum getters with defaults, each
// reporting a located problem instead of throwing. Also flags unknown and repeated keys.
// Pure: works on an already-read IniSection.
import type { IniEntry, IniSection } from './ini-source.js';
import type { ProblemList } from './problems.js';

const TRUE_WORDS = new Set(['yes', 'true', 'on', '1']);
const FALSE_WORDS = new Set(['no', 'false', 'off', '0']);

/** Splits a list value: items separated by commas and/or whitespace. */
export function splitList(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export class SectionReader {
  private readonly used = new Set<string>();

  constructor(
    readonly section: IniSection,
    private readonly problems: ProblemList,
  ) {}

  /** Where to point for a missing key: the section header line. */
  get line(): number {
    return this.section.line;
  }

  entry(key: string): IniEntry | undefined {
    this.used.add(key);
    const all = this.section.entries.filter((e) => e.key === key);
    const extra = all[1];
    if (extra !== undefined)
      this.problems.error(extra.line, `key "${key}" is given more than once in [${this.section.name}]`);
    return all[0];
  }

  /** Every occurrence of a repeatable key, in file order. */
  all(key: string): IniEntry[] {
    this.used.add(key);
    return this.section.entries.filter((e) => e.key === key);
  }

  string(key: string, fallback: string): string {
    return this.entry(key)?.value ?? fallback;
  }

  required(key: string): string | undefined {
    const e = this.entry(key);
    if (e === undefined || e.value === '') {
      this.problems.error(e?.line ?? this.where(key), `[${this.section.name}] needs "${key} = ..."`);
      return undefined;
    }
    return e.value;
  }

  optional(key: string): string | undefined {
    const v = this.entry(key)?.value;
    return v === '' ? undefined : v;
  }

  number(key: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER, integer = false): number {
    const e = this.entry(key);
    if (e === undefined) return fallback;
    const n = Number(e.value);
    if (
      e.value.trim() === '' ||
      !Number.isFinite(n) ||
      n < min ||
      n > max ||
      (integer && !Number.isInteger(n))
    ) {
      const kind = integer ? 'an integer' : 'a number';
      this.problems.error(e.line, `"${key}" must be ${kind} from ${min} to ${max}, got "${e.value}"`);
      return fallback;
    }
    return n;
  }

  integer(key: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    return this.number(key, fallback, min, max, true);
  }

  boolean(key: string, fallback: boolean): boolean {
    const e = this.entry(key);
    if (e === undefined) return fallback;
    const v = e.value.trim().toLowerCase();
    if (TRUE_WORDS.has(v)) return true;
    if (FALSE_WORDS.has(v)) return false;
    this.problems.error(e.line, `"${key}" must be yes or no, got "${e.value}"`);
    return fallback;
  }

  oneOf<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    const e = this.entry(key);
    if (e === undefined) return fallback;
    const v = e.value.trim();
    if ((choices as readonly string[]).includes(v)) return v as T;
    this.problems.error(e.line, `"${key}" must be one of ${choices.join(', ')}, got "${e.value}"`);
    return fallback;
  }

  list(key: string, fallback: string[] = []): string[] {
    const e = this.entry(key);
    return e === undefined ? fallback : splitList(e.value);
  }

  lineOf(key: string): number {
    return this.section.entries.find((e) => e.key === key)?.line ?? this.section.line;
  }

  /** Reports every key that no getter asked for (typos would otherwise be ignored silently). */
  reportUnknown(isAllowed: (key: string) => boolean = () => false): void {
    for (const e of this.section.entries) {
      if (!this.used.has(e.key) && !isAllowed(e.key)) {
        this.problems.error(e.line, `unknown key "${e.key}" in [${this.section.name}]`);
      }
    }
  }

  private where(key: string): number | string {
    return this.section.line > 0 ? this.section.line : `${this.section.name}.${key}`;
  }
}
