// Prepares raw pty output for the log file and the tail: turns the terminal's CRLF into LF and puts
// an ISO-8601 UTC timestamp at the start of every line. Also writes the supervisor's own `@@@` lines
// (procServ's marker) on a line of their own. Pure apart from the injected time source.

export class LineStamper {
  private isAtLineStart = true;
  private hasPendingCr = false;

  constructor(
    private readonly now: () => number,
    private readonly isStamping = true,
  ) {}

  /** Child output in, log text out. A trailing '\r' is held back until we know whether '\n' follows. */
  feed(data: string): string {
    let text = (this.hasPendingCr ? '\r' : '') + data;
    this.hasPendingCr = text.endsWith('\r');
    if (this.hasPendingCr) text = text.slice(0, -1);
    text = text.replace(/\r\n/g, '\n');
    if (text === '') return '';
    const stamp = this.isStamping ? `${new Date(this.now()).toISOString()} ` : '';
    let out = '';
    for (const piece of text.split(/(?<=\n)/)) {
      out += (this.isAtLineStart ? stamp : '') + piece;
      this.isAtLineStart = piece.endsWith('\n');
    }
    return out;
  }

  /** A supervisor message on its own line: "@@@ text". */
  marker(message: string): string {
    const prefix = this.isAtLineStart ? '' : '\n';
    this.isAtLineStart = true;
    const stamp = this.isStamping ? `${new Date(this.now()).toISOString()} ` : '';
    return `${prefix}${stamp}@@@ ${message}\n`;
  }
}
