// The circuit's output buffer: messages encoded in place, byte for byte (expected bytes written by hand
// from ca-protocol.md §2.1), and a taken view never written again, whatever is appended after it.
import { describe, expect, it } from 'vitest';
import { OutputBuffer } from '../../src/ioc/server/output-buffer.js';
import { hex, toHex } from '../support/hex.js';

describe('OutputBuffer', () => {
  it('encodes a header-only message and one with a payload zero-padded to 8', () => {
    const out = new OutputBuffer();
    out.message(22, 0, 0, 7, 3);
    out.message(15, 6, 1, 1, 0x42, Buffer.from([1, 2, 3]));
    expect(out.length).toBe(40);
    expect(toHex(out.take())).toBe(
      toHex(
        hex(`
        00 16 00 00 00 00 00 00 00 00 00 07 00 00 00 03
        00 0F 00 08 00 06 00 01 00 00 00 01 00 00 00 42
        01 02 03 00 00 00 00 00`),
      ),
    );
    expect(out.length).toBe(0);
  });

  it('uses the extended header for a payload of 0xFFFF bytes or more', () => {
    const out = new OutputBuffer();
    out.message(1, 6, 0x10000, 1, 2, Buffer.alloc(0x10000 * 8, 0xab));
    const b = out.take();
    expect(b.length).toBe(24 + 0x80000);
    expect(toHex(b.subarray(0, 24))).toBe(
      toHex(hex('00 01 FF FF 00 06 00 00 00 00 00 01 00 00 00 02 00 08 00 00 00 01 00 00')),
    );
    expect(b[24]).toBe(0xab);
    expect(b.at(-1)).toBe(0xab);
  });

  it('never writes into a view already taken, through growth and reuse of its chunk', () => {
    const out = new OutputBuffer();
    const taken: [Buffer, string][] = [];
    for (let i = 0; i < 2000; i++) {
      out.message(23, 0, 0, i, i * 3);
      if (i % 7 === 0) out.append(Buffer.alloc(i % 300, i & 0xff));
      if (i % 5 === 0) {
        const b = out.take();
        taken.push([b, toHex(b)]);
      }
    }
    taken.push([out.take(), '']);
    for (const [b, before] of taken.slice(0, -1)) expect(toHex(b)).toBe(before);
  });

  it('keeps pending bytes in order when a chunk overflows', () => {
    const out = new OutputBuffer();
    const expected: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      const payload = Buffer.alloc(8 * (i % 40), i & 0xff);
      out.message(1, 6, i, i, 0, payload);
      const h = Buffer.alloc(16);
      h.writeUInt16BE(1, 0);
      h.writeUInt16BE(payload.length, 2);
      h.writeUInt16BE(6, 4);
      h.writeUInt16BE(i, 6);
      h.writeUInt32BE(i, 8);
      expected.push(h, payload);
    }
    expect(out.take().equals(Buffer.concat(expected))).toBe(true);
  });
});
