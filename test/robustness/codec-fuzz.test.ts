// Fuzzing of the pure protocol core with fast-check: the TCP stream parser, the DBR payload decoder and
// the UDP search responder fed random bytes and mutated valid messages. They may only ever return a
// result or throw GwError, and never hold more than their limits allow.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_UDP_SEND } from '../../src/ca/constants.js';
import { decodeDbr } from '../../src/ca/dbr.js';
import { StreamParser } from '../../src/ca/stream-parser.js';
import { GwError } from '../../src/errors.js';
import { answerSearch } from '../../src/ioc/server/search-responder.js';
import { cstr, frame, mutate, mutation, requestSpec, renderRequest, splitStream } from './wire.js';

const MAX_PAYLOAD = 1024;
const RUNS = 300;

/** A stream of mutated plausible requests, cut into arbitrary chunks. */
const hostileStream = fc
  .tuple(
    fc.array(fc.tuple(requestSpec, mutation), { minLength: 1, maxLength: 20 }),
    fc.array(fc.nat({ max: 400 }), { maxLength: 10 }),
  )
  .map(([reqs, cuts]) => {
    const bytes = Buffer.concat(reqs.map(([spec, m]) => mutate(renderRequest(spec, [1, 2, 3]), m)));
    const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let from = 0;
    for (const p of [...points, bytes.length]) {
      chunks.push(bytes.subarray(from, p));
      from = p;
    }
    return { bytes, chunks };
  });

const randomBytes = fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a));

describe('StreamParser under hostile input', () => {
  it('returns whole messages or throws GW_CA_OVERSIZE, holding less than one maximal message', () => {
    let oversize = 0;
    let messages = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          hostileStream,
          randomBytes.map((b) => ({ bytes: b, chunks: [b] })),
        ),
        (s) => {
          const parser = new StreamParser(MAX_PAYLOAD);
          const got = [];
          try {
            for (const chunk of s.chunks) {
              for (const m of parser.feed(chunk)) {
                expect(m.payload.length).toBe(m.payloadSize);
                expect(m.payloadSize).toBeLessThanOrEqual(MAX_PAYLOAD);
                got.push({ ...m, payload: Buffer.from(m.payload) });
              }
              expect(parser.pendingBytes).toBeLessThan(24 + MAX_PAYLOAD);
            }
          } catch (err) {
            expect(err).toBeInstanceOf(GwError);
            expect((err as GwError).code).toBe('GW_CA_OVERSIZE');
            oversize++;
            return;
          }
          messages += got.length;
          // Chunking never changes what is parsed: the same messages as one independent split of the whole.
          const whole = splitStream(s.bytes).messages;
          expect(got.map((m) => [m.command, m.payloadSize, m.dataType, m.parameter1])).toEqual(
            whole.map((w) => [w.cmd, w.size, w.dt, w.p1]),
          );
        },
      ),
      { numRuns: RUNS },
    );
    console.log(`[robustness] StreamParser: ${RUNS} streams, ${messages} messages, ${oversize} oversize`);
    expect(oversize).toBeGreaterThan(0);
    expect(messages).toBeGreaterThan(RUNS / 2);
  });

  it('rejects a declared size above the limit before buffering its bytes', () => {
    const parser = new StreamParser(MAX_PAYLOAD);
    // An extended WRITE header declaring almost 4 GiB, with none of its payload.
    const head = frame(4, 0, 1, 0, 0, undefined, { extended: true, size: 0xfffffff8 });
    expect(() => parser.feed(head)).toThrow(/exceeds the limit of 1024 bytes/);
  });
});

describe('decodeDbr under hostile payloads', () => {
  it('decodes any type, count and payload without throwing, never past the payload', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 38 }), fc.integer({ min: 0, max: 0xffff })),
        fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 0xffffffff })),
        fc.uint8Array({ maxLength: 700 }).map((a) => Buffer.from(a)),
        (type, count, payload) => {
          const d = decodeDbr(type, count, payload);
          expect(d.value.length).toBeLessThanOrEqual(Math.max(1, count));
          // No more elements than the payload can hold (strings: 40 bytes, numbers: at least 1 byte).
          expect(d.value.length).toBeLessThanOrEqual(Math.max(1, payload.length));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads no limits from a GR/CTRL put shorter than its metadata (was a RangeError)', () => {
    for (const type of [22, 23, 25, 26, 27, 29, 30, 32, 33, 34]) {
      const d = decodeDbr(type, 1, Buffer.alloc(0));
      expect(d.value).toEqual([]);
      expect(d.upperDispLimit).toBeUndefined();
    }
  });
});

describe('answerSearch under hostile datagrams', () => {
  const hosted = new Set(['A', 'B']);
  const datagram = fc.oneof(
    randomBytes,
    fc
      .array(
        fc.tuple(
          fc.constantFrom('A', 'B', 'C', ''),
          fc.integer({ min: 0, max: 0xffff }),
          fc.integer({ min: 0, max: 15 }),
          mutation,
        ),
        { maxLength: 60 },
      )
      .map((items) =>
        Buffer.concat([
          frame(0, 0, 13, 7, 0),
          ...items.map(([name, cid, minor, m]) => mutate(frame(6, 5, minor, cid, cid, cstr(name)), m)),
        ]),
      ),
  );

  it('answers only hosted names, in datagrams of at most MAX_UDP_SEND bytes', () => {
    let found = 0;
    fc.assert(
      fc.property(datagram, (dg) => {
        const r = answerSearch(dg, (n) => hosted.has(n), 5064);
        const searches = splitStream(dg).messages.filter((m) => m.cmd === 6).length;
        expect(r.found).toBeLessThanOrEqual(r.searched);
        expect(r.searched).toBeLessThanOrEqual(searches);
        let answers = 0;
        for (const reply of r.replies) {
          expect(reply.length).toBeLessThanOrEqual(MAX_UDP_SEND);
          const { messages, rest } = splitStream(reply);
          expect(rest).toBe(0);
          answers += messages.filter((m) => m.cmd === 6).length;
        }
        expect(answers).toBe(r.found);
        found += r.found;
      }),
      { numRuns: 500 },
    );
    expect(found).toBeGreaterThan(0);
  });
});
