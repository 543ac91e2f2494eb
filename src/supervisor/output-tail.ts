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
    // Drop from the front in one splice: shift() per line is quadratic under an output flood.
    let drop = 0;
    let bytes = this.bytes;
    while (
      drop < this.lines.length &&
      (this.lines.length - drop > this.maxLines || bytes + this.partial.length > this.maxBytes)
    ) {
      bytes -= this.lines[drop]!.length + 1;
      drop++;
    }
    if (drop > 0) {
      this.lines.splice(0, drop);
      this.bytes = bytes;
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
