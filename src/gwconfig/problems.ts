// Collects located problems (errors and warnings) while a config is parsed and validated, so a bad
// file reports everything at once. Pure bookkeeping; knows nothing about INI or the gateway.
import type { Problem } from '../errors.js';

export class ProblemList {
  readonly items: Problem[] = [];

  constructor(readonly file: string) {}

  error(where: number | string, message: string): void {
    this.add('error', where, message);
  }

  warn(where: number | string, message: string): void {
    this.add('warning', where, message);
  }

  get hasErrors(): boolean {
    return this.items.some((p) => p.severity === 'error');
  }

  private add(severity: Problem['severity'], where: number | string, message: string): void {
    const problem: Problem =
      typeof where === 'number' && where > 0
        ? { file: this.file, line: where, message, severity }
        : { file: this.file, key: String(where), message, severity };
    this.items.push(problem);
  }
}

/** Sorts problems by line (keyed ones last), keeping the order of equal positions. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER),
  );
}
