// Test-only hostile-input generators for the robustness suite: CA requests mutated the way a hostile or
// broken peer would send them, rendered with the shared hand-written framing of test/support/ca-wire.ts.
// Not a test file: no assertions.
import fc from 'fast-check';
import { cstr, eventMask, f64, frame } from '../support/ca-wire.js';

export { cstr, f64, frame, MemoryTransport, splitStream, WireReader, type Wire } from '../support/ca-wire.js';

export const versionReq = (): Buffer => frame(0, 0, 13, 0, 0);
export const createChanReq = (name: string, cid: number): Buffer => frame(18, 0, 0, cid, 13, cstr(name));
export const eventAddReq = (dt: number, cnt: number, sid: number, subId: number, mask = 1 | 4): Buffer =>
  frame(1, dt, cnt, sid, subId, eventMask(mask));

// ---- hostile input generators -------------------------------------------------------------------

/** Requests a client may send, and obsolete or server-only commands (which close the circuit). */
const COMMANDS = [0, 1, 2, 3, 4, 6, 8, 9, 10, 12, 15, 18, 19, 20, 21, 23];
const OBSOLETE = [5, 7, 11, 13, 14, 16, 17, 22, 24, 25, 26, 27];

/** Values at the edges of 16- and 32-bit header fields. */
const EDGE16 = [0, 1, 7, 8, 38, 39, 0xfffe, 0xffff];
const EDGE32 = [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** A request descriptor: sid fields are resolved to live SIDs at run time (see renderRequest). */
export interface RequestSpec {
  cmd: number;
  dt: number;
  cnt: number;
  /** p1: an index into the circuit's live SIDs, or a raw value. */
  p1: { sid: number } | { raw: number };
  p2: number;
  payload: Buffer;
  extended: boolean;
}

export interface Mutation {
  kind: 'none' | 'flip' | 'field' | 'truncate' | 'garbage' | 'size';
  at: number;
  value: number;
  bytes: Buffer;
}

const field16 = fc.oneof(fc.constantFrom(...EDGE16), fc.integer({ min: 0, max: 0xffff }));
const field32 = fc.oneof(fc.constantFrom(...EDGE32), fc.integer({ min: 0, max: 0xffffffff }));

/** Plausible requests: mostly known commands with small types/counts, sometimes anything. */
export const requestSpec: fc.Arbitrary<RequestSpec> = fc.record({
  cmd: fc.oneof(
    { weight: 150, arbitrary: fc.constantFrom(...COMMANDS) },
    { weight: 1, arbitrary: fc.constantFrom(...OBSOLETE) },
    { weight: 1, arbitrary: field16 },
  ),
  dt: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 38 }) }, { weight: 2, arbitrary: field16 }),
  cnt: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 12 }) }, { weight: 2, arbitrary: field16 }),
  p1: fc.oneof(
    { weight: 8, arbitrary: fc.record({ sid: fc.integer({ min: 0, max: 7 }) }) },
    { weight: 2, arbitrary: fc.record({ raw: field32 }) },
  ),
  p2: fc.oneof(fc.integer({ min: 0, max: 8 }), field32),
  payload: fc.oneof(
    fc.uint8Array({ maxLength: 96 }).map((a) => Buffer.from(a)),
    fc.constantFrom('A', 'B', 'S', 'E', 'W', 'NOPE', '').map(cstr),
    fc.double().map((v) => f64(v)),
    fc.integer({ min: 0, max: 0xffff }).map(eventMask),
  ),
  extended: fc.nat({ max: 9 }).map((n) => n === 0),
});

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.oneof(
    { weight: 16, arbitrary: fc.constant('none' as const) },
    { weight: 4, arbitrary: fc.constantFrom('flip', 'field', 'truncate', 'garbage', 'size') },
  ),
  at: fc.nat({ max: 200 }),
  value: field32,
  bytes: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
});

/** Applies one mutation to an encoded message (header fields, sizes, truncation, garbage). */
export function mutate(msg: Buffer, m: Mutation): Buffer {
  const out = Buffer.from(msg);
  switch (m.kind) {
    case 'none':
      return out;
    case 'flip':
      out[m.at % out.length]! ^= 1 << (m.value % 8);
      return out;
    case 'field': {
      // One of the six header fields set to an arbitrary value.
      const offsets = [0, 2, 4, 6, 8, 12];
      const off = offsets[m.at % offsets.length]!;
      if (off >= 8) out.writeUInt32BE(m.value >>> 0, off);
      else out.writeUInt16BE(m.value & 0xffff, off);
      return out;
    }
    case 'size':
      // A size field that disagrees with the bytes that follow (never above 64 KiB in the short form).
      out.writeUInt16BE(m.value & 0xffff, 2);
      return out;
    case 'truncate':
      return out.subarray(0, m.at % out.length);
    case 'garbage':
      return Buffer.concat([out, m.bytes]);
  }
}

/** Encodes a spec with p1 resolved against the live SIDs. */
export function renderRequest(spec: RequestSpec, sids: readonly number[]): Buffer {
  const p1 = 'sid' in spec.p1 ? (sids[spec.p1.sid % Math.max(1, sids.length)] ?? 0) : spec.p1.raw;
  return frame(spec.cmd, spec.dt, spec.cnt, p1, spec.p2, spec.payload, { extended: spec.extended });
}
