// Search state machine: exact datagram bytes (A.1), batching into <= 1024-byte datagrams, libca-like
// back-off, and reply handling (A.2) including duplicates, explicit addresses and truncated datagrams.
import { describe, expect, it } from 'vitest';
import { SearchEngine } from '../../src/ca/client/search-engine.js';
import { hex, toHex } from '../support/hex.js';

describe('SearchEngine', () => {
  it('builds VERSION + SEARCH with DONT_REPLY, minor 13 and the CID twice (A.1)', () => {
    const s = new SearchEngine({ maxPeriodMs: 300_000 });
    s.add(1, 'TEST:A', 0);
    const [d, ...rest] = s.poll(0);
    expect(rest).toEqual([]);
    expect(toHex(d!)).toBe(
      toHex(
        hex(`00 00 00 00 00 01 00 0D 00 00 00 01 00 00 00 00
             00 06 00 08 00 05 00 0D 00 00 00 01 00 00 00 01 54 45 53 54 3A 41 00 00`),
      ),
    );
  });

  it('packs many names per datagram, never above 1024 bytes, each headed by its own VERSION', () => {
    const s = new SearchEngine({ maxPeriodMs: 300_000 });
    // 20-character names: 16 + 24 bytes each, so 25 fit after the 16-byte VERSION.
    for (let i = 0; i < 100; i++) s.add(i + 1, `GW:STAT:${String(i).padStart(12, '0')}`, 0);
    const ds = s.poll(0);
    expect(ds.map((d) => d.length)).toEqual([1016, 1016, 1016, 1016]);
    expect(ds.map((d) => d.readUInt32BE(8))).toEqual([1, 2, 3, 4]);
    for (const d of ds) expect(d.readUInt16BE(0)).toBe(0);
    expect(s.poll(1)).toEqual([]);
  });

  it('limits the datagrams of one poll and leaves the rest due', () => {
    const s = new SearchEngine({ maxPeriodMs: 300_000, maxDatagramsPerPoll: 2 });
    for (let i = 0; i < 100; i++) s.add(i + 1, `GW:STAT:${String(i).padStart(12, '0')}`, 0);
    expect(s.poll(0)).toHaveLength(2);
    expect(s.nextDueMs()).toBe(0);
    expect(s.poll(0)).toHaveLength(2);
    expect(s.nextDueMs()).toBe(32);
  });

  it('retries fast at first, doubling up to the maximum search period', () => {
    const s = new SearchEngine({ maxPeriodMs: 1000 });
    s.add(1, 'X', 0);
    const sent: number[] = [];
    for (let t = 0; t <= 5000; t++) if (s.poll(t).length) sent.push(t);
    expect(sent).toEqual([0, 32, 96, 224, 480, 992, 1992, 2992, 3992, 4992]);
    s.restart(5000);
    expect(s.nextDueMs()).toBe(5000);
  });

  it('resolves a name from a reply (A.2), ignores duplicates and other commands', () => {
    const s = new SearchEngine({ maxPeriodMs: 300_000 });
    s.add(1, 'TEST:A', 0);
    s.poll(0);
    const reply = hex(`00 00 00 00 00 01 00 0D 00 00 00 01 00 00 00 00
                       00 06 00 08 13 C8 00 00 FF FF FF FF 00 00 00 01 00 0D 00 00 00 00 00 00
                       00 17 00 00 00 00 00 00 00 00 00 00 00 00 00 00`);
    expect(s.handleDatagram(reply, '127.0.0.1')).toEqual([
      { cid: 1, host: '127.0.0.1', port: 5064, serverMinor: 13 },
    ]);
    expect(s.has(1)).toBe(false);
    expect(s.handleDatagram(reply, '127.0.0.2')).toEqual([]);
  });

  it('uses an explicit server address from p1, and stops at a truncated message', () => {
    const s = new SearchEngine({ maxPeriodMs: 300_000 });
    s.add(1, 'A', 0);
    s.add(2, 'B', 0);
    const d = hex(`00 06 00 08 9C 40 00 00 0A 00 00 05 00 00 00 01 00 0B 00 00 00 00 00 00
                   00 06 00 08 9C 40 00 00 FF FF FF FF 00 00 00 02 00 0D`);
    expect(s.handleDatagram(d, '127.0.0.1')).toEqual([
      { cid: 1, host: '10.0.0.5', port: 40000, serverMinor: 11 },
    ]);
    expect(s.has(2)).toBe(true);
  });
});
