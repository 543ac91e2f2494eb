// lastOutputLine: LOG_MSG's "why the gateway quit", taken from the supervisor's timestamped tail.
import { describe, expect, it } from 'vitest';
import { lastOutputLine } from '../../src/agent/exit-line.js';

const S = '2026-12-05T06:00:00.123Z ';

describe('lastOutputLine', () => {
  it('is the last line the child printed, without stamp or markers after it', () => {
    const tail = [
      `${S}@@@ gwagent: GWR starting (pid 42)`,
      `${S}Gateway starting`,
      `${S}server isnt attached to a network`,
      `${S}@@@ gwagent: GWR exited: exit 0`,
      `${S}@@@ gwagent: GWR backoff: restart in 1 s`,
      '',
    ].join('\n');
    expect(lastOutputLine(tail, 'GWR')).toBe('server isnt attached to a network');
  });

  it('looks only at the latest run: nothing printed since the last start is undefined', () => {
    const tail = [
      `${S}an old complaint`,
      `${S}@@@ gwagent: GWR starting (pid 43)`,
      `${S}@@@ gwagent: GWR fatal: gateway binary not found: gateway`,
    ].join('\n');
    expect(lastOutputLine(tail, 'GWR')).toBeUndefined();
  });

  it('drops terminal escapes and control characters, and blank lines', () => {
    const tail = `${S}@@@ gwagent: G starting\n${S}\x1b[31mbad\x07 thing\x1b[0m\r\n${S}   \n`;
    expect(lastOutputLine(tail, 'G')).toBe('bad thing');
  });

  it('reads unstamped tails too (log timestamps off)', () => {
    expect(lastOutputLine('@@@ gwagent: G starting\nquit: no pvlist\n', 'G')).toBe('quit: no pvlist');
  });
});
