// The supervisor's pure helpers: /proc and /etc parsers, orphan detection, tail, line stamping, the
// control protocol framing.
import { describe, expect, it } from 'vitest';
import { LineSplitter, parseRequest } from '../../src/supervisor/control-protocol.js';
import { exitInfo } from '../../src/supervisor/exit-info.js';
import { LineStamper } from '../../src/supervisor/line-stamper.js';
import { findOrphans, reapOrphans } from '../../src/supervisor/orphans.js';
import { OutputTail } from '../../src/supervisor/output-tail.js';
import { compareStartTime, parsePidStat } from '../../src/proc.js';
import { groupsOf, parsePasswd } from '../../src/supervisor/accounts.js';
import { FakeClock, FakeSystem, MemoryStateStore } from './fakes.js';

// A real line from /proc/<pid>/stat, with a hostile comm containing ") S 1 (".
const STAT =
  '4242 (evil) S 1 (x) S 1 4242 4242 0 -1 4194560 96 0 0 0 0 0 0 0 20 0 1 0 987654321 2621440 215 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0';

describe('parsePidStat', () => {
  it('counts fields from the last parenthesis', () => {
    const st = parsePidStat(STAT);
    expect([st?.comm, st?.state, st?.pgrp, st?.startTime]).toEqual(['evil) S 1 (x', 'S', 4242, '987654321']);
  });

  it('rejects truncated text', () => {
    expect(parsePidStat('12 (sh) S 1 12')).toBeUndefined();
    expect(parsePidStat('garbage')).toBeUndefined();
  });

  it('compares start times beyond 2^53', () => {
    expect(compareStartTime('9007199254740993', '9007199254740992')).toBe(1);
    expect(compareStartTime('5', '5')).toBe(0);
    expect(compareStartTime('4', '10')).toBe(-1);
  });
});

describe('/etc/passwd and /etc/group', () => {
  it('parses users and skips malformed lines', () => {
    const text =
      'root:x:0:0:root:/root:/bin/bash\n# comment\nbad line\ngw:x:1500:1600:Gateway:/home/gw:/bin/sh\nno:x::1:x:/:/bin/sh\n';
    expect(parsePasswd(text)).toEqual([
      { name: 'root', uid: 0, gid: 0, home: '/root' },
      { name: 'gw', uid: 1500, gid: 1600, home: '/home/gw' },
    ]);
  });

  it('collects supplementary groups, primary first, no duplicates', () => {
    const text = 'gw:x:1600:\ndialout:x:20:gw,other\nepics:x:3000:a, gw\nroot:x:0:\nagain:x:1600:gw\n';
    expect(groupsOf(text, 'gw', 1600)).toEqual([1600, 20, 3000]);
  });
});

describe('findOrphans', () => {
  const record = { name: 'gw1', pid: 500, pgid: 500, startTime: '1000', startedAt: 0 };

  it('finds the leader and its group when the start time matches', () => {
    const procs = [
      { pid: 500, state: 'S', pgrp: 500, startTime: '1000' },
      { pid: 501, state: 'S', pgrp: 500, startTime: '1002' },
      { pid: 502, state: 'Z', pgrp: 500, startTime: '1003' },
      { pid: 600, state: 'S', pgrp: 600, startTime: '900' },
    ];
    expect(findOrphans([record], procs)).toEqual([{ name: 'gw1', pgid: 500, pids: [500, 501] }]);
  });

  it('never touches a reused pid (same pid, other start time)', () => {
    const procs = [
      { pid: 500, state: 'S', pgrp: 500, startTime: '5000' },
      { pid: 501, state: 'S', pgrp: 500, startTime: '5001' },
    ];
    expect(findOrphans([record], procs)).toEqual([]);
  });

  it('leader gone: members started after it are ours', () => {
    const procs = [{ pid: 501, state: 'S', pgrp: 500, startTime: '1002' }];
    expect(findOrphans([record], procs)).toEqual([{ name: 'gw1', pgid: 500, pids: [501] }]);
  });

  it('nothing left: no orphans', () => {
    expect(findOrphans([record], [{ pid: 500, state: 'Z', pgrp: 500, startTime: '1000' }])).toEqual([]);
  });

  it('reapOrphans: SIGTERM, then SIGKILL at the deadline, and clears the state files', async () => {
    const clock = new FakeClock();
    const system = new FakeSystem();
    const store = new MemoryStateStore();
    store.write(record);
    store.write({ ...record, name: 'gone', pid: 700, pgid: 700 });
    system.procs.set(500, { pid: 500, state: 'S', pgrp: 500, startTime: '1000' });
    const done = reapOrphans({ store, system, clock, stopTimeoutMs: 1000, pollMs: 100 });
    expect(system.kills).toEqual([[-500, 'SIGTERM']]);
    clock.advance(999);
    expect(system.kills).toHaveLength(1);
    clock.advance(1);
    expect(await done).toEqual([{ name: 'gw1', pgid: 500, pids: [500], isKilled: true }]);
    expect(system.kills).toEqual([
      [-500, 'SIGTERM'],
      [-500, 'SIGKILL'],
    ]);
    expect(store.list()).toEqual([]);
  });

  it('reapOrphans: a group that obeys SIGTERM is not killed', async () => {
    const clock = new FakeClock();
    const system = new FakeSystem();
    const store = new MemoryStateStore();
    store.write(record);
    system.procs.set(500, { pid: 500, state: 'S', pgrp: 500, startTime: '1000' });
    const done = reapOrphans({ store, system, clock, stopTimeoutMs: 1000, pollMs: 100 });
    system.procs.clear();
    clock.advance(100);
    expect(await done).toEqual([{ name: 'gw1', pgid: 500, pids: [500], isKilled: false }]);
    expect(system.kills).toEqual([[-500, 'SIGTERM']]);
  });
});

describe('OutputTail', () => {
  it('keeps the last lines and the unfinished one', () => {
    const tail = new OutputTail(3, 1000);
    tail.push('a\nb\nc');
    tail.push('c\nd\ne\npartial');
    expect(tail.text()).toBe('cc\nd\ne\npartial');
    expect(tail.text(1)).toBe('e\npartial');
    expect(tail.text(0)).toBe('partial');
  });

  it('is bounded in bytes, also for a line without newline', () => {
    const tail = new OutputTail(1000, 20);
    tail.push('0123456789\n0123456789\nabc\n');
    expect(tail.text()).toBe('0123456789\nabc\n');
    tail.push('x'.repeat(50));
    expect(tail.text()).toBe('x'.repeat(20));
  });
});

describe('LineStamper', () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5, 6);

  it('stamps each line, turns CRLF into LF, also across chunks', () => {
    const s = new LineStamper(() => at);
    expect(s.feed('one\r\ntw')).toBe('2026-01-02T03:04:05.006Z one\n2026-01-02T03:04:05.006Z tw');
    expect(s.feed('o\r')).toBe('o');
    expect(s.feed('\nthree\r\n')).toBe('\n2026-01-02T03:04:05.006Z three\n');
  });

  it('puts markers on their own line', () => {
    const s = new LineStamper(() => at, false);
    expect(s.feed('half')).toBe('half');
    expect(s.marker('gwagent: x stopped')).toBe('\n@@@ gwagent: x stopped\n');
    expect(s.feed('next\n')).toBe('next\n');
    expect(s.marker('m')).toBe('@@@ m\n');
  });
});

describe('exitInfo', () => {
  it('names signals and codes', () => {
    expect(exitInfo(0, 11, 5, 2).text).toBe('signal SIGSEGV');
    expect(exitInfo(0, 9, 5, 2).signal).toBe('SIGKILL');
    expect(exitInfo(3, 0, 5, 2)).toEqual({ code: 3, signal: undefined, at: 5, uptimeMs: 2, text: 'exit 3' });
  });
});

describe('control protocol', () => {
  it('parses each request', () => {
    expect(parseRequest('{"cmd":"status"}')).toEqual({ cmd: 'status' });
    expect(parseRequest('{"cmd":"pvs"}')).toEqual({ cmd: 'pvs' });
    expect(parseRequest('{"cmd":"pvs","pattern":"A:*"}')).toEqual({ cmd: 'pvs', pattern: 'A:*' });
    expect(() => parseRequest('{"cmd":"pvs","pattern":5}')).toThrow('pattern must be a string');
    expect(parseRequest('{"cmd":"health"}')).toEqual({ cmd: 'health' });
    expect(parseRequest('{"cmd":"stop","name":"gw1"}')).toEqual({ cmd: 'stop', name: 'gw1' });
    expect(parseRequest('{"cmd":"logs","name":"gw1","lines":5}')).toEqual({
      cmd: 'logs',
      name: 'gw1',
      lines: 5,
    });
    expect(parseRequest('{"cmd":"console","name":"gw1"}')).toEqual({
      cmd: 'console',
      name: 'gw1',
      readOnly: false,
    });
    expect(parseRequest('{"cmd":"console","name":"gw1","readOnly":true}')).toEqual({
      cmd: 'console',
      name: 'gw1',
      readOnly: true,
    });
  });

  it('rejects bad requests with GW_CONTROL', () => {
    expect(() => parseRequest('nope')).toThrow('request is not JSON');
    expect(() => parseRequest('[1]')).toThrow('request must be a JSON object');
    expect(() => parseRequest('{"cmd":"format"}')).toThrow('unknown cmd: "format"');
    expect(() => parseRequest('{"cmd":"stop"}')).toThrow('stop needs a name');
    expect(() => parseRequest('{"cmd":"logs","name":"a","lines":-1}')).toThrow(
      'lines must be a non-negative integer',
    );
  });

  it('splits lines one at a time and keeps the rest', () => {
    const s = new LineSplitter(10);
    s.push(Buffer.from('{"a":1}\r\n{"b"'));
    expect(s.nextLine()).toBe('{"a":1}');
    expect(s.nextLine()).toBeUndefined();
    s.push(Buffer.from(':2}\nraw\x1d'));
    expect(s.nextLine()).toBe('{"b":2}');
    expect(s.takeRest().toString()).toBe('raw\x1d');
    s.push(Buffer.from('x'.repeat(11)));
    expect(() => s.nextLine()).toThrow('request line longer than 10 bytes');
  });
});
