// The push parser: same messages whatever the chunking, extended headers, oversize rejection.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StreamParser, parseDatagram } from '../../src/ca/stream-parser.js';
import { GwError } from '../../src/errors.js';
import { hex } from '../support/hex.js';

// A pipelined libca circuit start (A.4) followed by a large-array message (extended header).
const stream = Buffer.concat([
  hex('00 00 00 00 00 00 00 0D 00 00 00 00 00 00 00 00'),
  hex('00 14 00 08 00 00 00 00 00 00 00 00 00 00 00 00 72 6F 6F 74 00 00 00 00'),
  hex('00 12 00 08 00 00 00 00 00 00 00 01 00 00 00 0D 54 45 53 54 3A 41 00 00'),
  hex('00 04 FF FF 00 04 00 00 00 00 00 2A 00 00 00 01 00 01 00 00 00 01 00 00'),
  Buffer.alloc(0x10000, 0xab),
  hex('00 17 00 00 00 00 00 00 00 00 00 00 00 00 00 00'),
]);

function summary(msgs: ReturnType<StreamParser['feed']>) {
  return msgs.map((m) => [
    m.command,
    m.payloadSize,
    m.dataType,
    m.dataCount,
    m.parameter1,
    m.parameter2,
    m.payload.length,
    m.extended ?? false,
  ]);
}

const expected = [
  [0, 0, 0, 13, 0, 0, 0, false],
  [20, 8, 0, 0, 0, 0, 8, false],
  [18, 8, 0, 0, 1, 13, 8, false],
  [4, 0x10000, 4, 0x10000, 42, 1, 0x10000, true],
  [23, 0, 0, 0, 0, 0, 0, false],
];

describe('StreamParser', () => {
  it('decodes a whole stream in one chunk', () => {
    expect(summary(new StreamParser().feed(stream))).toEqual(expected);
  });
  it('gives the same messages when split at every byte offset of the small messages', () => {
    for (let cut = 1; cut < 90; cut++) {
      const p = new StreamParser();
      const got = [
        ...p.feed(stream.subarray(0, cut)).map((x) => ({ ...x, payload: Buffer.from(x.payload) })),
        ...p.feed(stream.subarray(cut)),
      ];
      expect(summary(got)).toEqual(expected);
      expect(p.pendingBytes).toBe(0);
    }
  });
  it('gives the same messages for random chunkings (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const p = new StreamParser();
        const got: ReturnType<StreamParser['feed']> = [];
        let prev = 0;
        for (const c of [...points, stream.length]) {
          for (const msg of p.feed(stream.subarray(prev, c)))
            got.push({ ...msg, payload: Buffer.from(msg.payload) });
          prev = c;
        }
        expect(summary(got)).toEqual(expected);
        expect(got[3]!.payload.every((b) => b === 0xab)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
  it('rejects a payload above the limit before buffering it', () => {
    const p = new StreamParser(1024);
    let caught: unknown;
    try {
      p.feed(hex('00 04 FF FF 00 04 00 00 00 00 00 2A 00 00 00 01 00 01 00 00 00 01 00 00'));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(GwError);
    expect((caught as GwError).code).toBe('GW_CA_OVERSIZE');
    expect(p.pendingBytes).toBe(0);
  });
});

describe('parseDatagram', () => {
  it('splits a search datagram and flags a truncated tail', () => {
    const d = hex(`00 00 00 00 00 01 00 0D 00 00 00 01 00 00 00 00
                   00 06 00 08 00 05 00 0D 00 00 00 01 00 00 00 01 54 45 53 54 3A 41 00 00
                   00 06 00 10 00 05`);
    const { messages, truncated } = parseDatagram(d);
    expect(messages.map((x) => x.command)).toEqual([0, 6]);
    expect(truncated).toBe(true);
  });
});
