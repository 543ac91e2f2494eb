// The CLI's status table, durations and socket default (pure formatting of supervisor status).
import { describe, expect, it } from 'vitest';
import { defaultSocketPath, formatDuration, formatStatusTable } from '../../src/cli/control-commands.js';
import type { ChildStatus } from '../../src/supervisor/types.js';

function status(over: Partial<ChildStatus>): ChildStatus {
  return {
    name: 'gw',
    state: 'stopped',
    pid: undefined,
    since: 0,
    uptimeMs: undefined,
    restarts: 0,
    lastExit: undefined,
    lastStartAt: undefined,
    reason: undefined,
    nextStartAt: undefined,
    backoffMs: 1000,
    isBackoffAtCap: false,
    consecutiveFailures: 0,
    log: undefined,
    ...over,
  };
}

describe('status table', () => {
  it('NAME STATE PID UPTIME RESTARTS LAST-EXIT, then reasons', () => {
    const table = formatStatusTable([
      status({
        name: 'gw-central',
        state: 'running',
        pid: 4321,
        uptimeMs: 93_000,
        restarts: 2,
        lastExit: { code: undefined, signal: 'SIGSEGV', at: 0, uptimeMs: 1, text: 'signal SIGSEGV' },
      }),
      status({ name: 'gw2', state: 'fatal', reason: 'gateway binary not found: /opt/gw' }),
      status({
        name: 'gw3',
        state: 'backoff',
        restarts: 12,
        isBackoffAtCap: true,
        reason: 'exited: exit 1; restart in 60 s',
        lastExit: { code: 1, signal: undefined, at: 0, uptimeMs: 1, text: 'exit 1' },
      }),
      status({
        name: 'gw4',
        state: 'running',
        pid: 7,
        uptimeMs: 1000,
        log: { path: '/l', bytesWritten: 0, errors: 3, lastError: 'ENOSPC', droppedBytes: 99 },
      }),
    ]);
    expect(table).toBe(
      [
        'NAME        STATE    PID   UPTIME  RESTARTS  LAST-EXIT',
        'gw-central  RUNNING  4321  1m33s   2         signal SIGSEGV',
        'gw2         FATAL    -     -       0         -',
        'gw3         BACKOFF  -     -       12        exit 1',
        'gw4         RUNNING  7     1s      0         -',
        'gw2: gateway binary not found: /opt/gw',
        'gw3: exited: exit 1; restart in 60 s (retrying at the slowest rate)',
        'gw4: log file errors: 3 (last: ENOSPC), 99 bytes dropped',
        '',
      ].join('\n'),
    );
  });

  it('an empty agent prints the header only', () => {
    expect(formatStatusTable([])).toBe('NAME  STATE  PID  UPTIME  RESTARTS  LAST-EXIT\n');
  });

  it('durations use two units at most', () => {
    expect([0, 59_999, 60_000, 3_599_000, 3_600_000, 86_399_000, 90_000_000].map(formatDuration)).toEqual([
      '0s',
      '59s',
      '1m00s',
      '59m59s',
      '1h00m',
      '23h59m',
      '1d01h',
    ]);
    expect(formatDuration(undefined)).toBe('-');
  });

  it('socket path: GWAGENT_SOCKET, else /run/gwagent/control.sock', () => {
    expect(defaultSocketPath({ GWAGENT_SOCKET: '/tmp/x.sock' })).toBe('/tmp/x.sock');
    expect(defaultSocketPath({ GWAGENT_SOCKET: '' })).toBe('/run/gwagent/control.sock');
    expect(defaultSocketPath({})).toBe('/run/gwagent/control.sock');
  });
});
