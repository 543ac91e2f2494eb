// The bounded in-memory tail of a child's output (last N lines and at most M bytes), for `gwagent logs`
// and for late console clients. Pure data structure: no I/O.

export class OutputTail {
  private lines: string[] = [];
  private bytes = 0;
  private partial = '';

  constructor(
    private readonly maxLines = 1000,
    private readonly maxBytes = 256 * 1024,
  ) {}

  push(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
      this.bytes += line.length + 1;
    }
    // An endless line without '\n' must not grow without bound either.
    if (this.partial.length > this.maxBytes) {
      this.partial = this.partial.slice(this.partial.length - this.maxBytes);
    }
    while (
      this.lines.length > 0 &&
      (this.lines.length > this.maxLines || this.bytes + this.partial.length > this.maxBytes)
    ) {
      this.bytes -= this.lines.shift()!.length + 1;
    }
  }

  /** The last `count` lines (all kept lines by default), each ending in '\n', then any unfinished line. */
  text(count = this.maxLines): string {
    const kept = count <= 0 ? [] : this.lines.slice(-count);
    return kept.map((l) => l + '\n').join('') + this.partial;
  }

  clear(): void {
    this.lines = [];
    this.bytes = 0;
    this.partial = '';
  }
}
