// Property: any set of records written out as .db text (with escapes, comments and odd spacing)
// parses back to the same declarations, and loads into the same field values.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDbText } from '../../src/ioc/db/db-parser.js';
import { loadDbFiles } from '../../src/ioc/db/db-loader.js';
import { RecordDatabase } from '../../src/ioc/db/record-database.js';

const nameChar = fc.constantFrom(...'ABCXYZabc019_-:;<>[]'.split(''));
const recordName = fc.array(nameChar, { minLength: 1, maxLength: 20 }).map((a) => a.join(''));
const text = fc.string({ maxLength: 39 }).filter((s) => !/[\n\r$]/.test(s));
const spacing = fc.constantFrom(' ', '', '\t', '  ');

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const recordArb = fc.record({
  name: recordName,
  desc: text,
  egu: fc.string({ maxLength: 15 }).filter((s) => !/[\n\r$]/.test(s)),
  hihi: fc
    .double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })
    .map((v) => (Object.is(v, -0) ? 0 : v)),
  prec: fc.integer({ min: 0, max: 15 }),
  sp: spacing,
  comment: fc.boolean(),
});

describe('.db round trip', () => {
  it('parses generated records back exactly and loads their values', () => {
    fc.assert(
      fc.property(fc.uniqueArray(recordArb, { selector: (r) => r.name, maxLength: 6 }), (recs) => {
        const lines: string[] = [];
        for (const r of recs) {
          const s = r.sp;
          lines.push(
            `record(${s}ai,${s}${quote(r.name)})${s}{${r.comment ? ' # a comment "with quotes"' : ''}`,
          );
          lines.push(`  field(DESC,${s}${quote(r.desc)})`);
          lines.push(
            `  field(EGU, ${quote(r.egu)})${s}field(HIHI,${s}${String(r.hihi)}) field(PREC, "${r.prec}")`,
          );
          lines.push('}');
        }
        const parsed = parseDbText(lines.join('\n'), 'gen.db');
        expect(parsed.problems).toEqual([]);
        expect(parsed.records.map((d) => [d.name, d.fields.map((f) => f.value)])).toEqual(
          recs.map((r) => [r.name, [r.desc, r.egu, String(r.hihi), String(r.prec)]]),
        );
        const db = new RecordDatabase();
        loadDbFiles(db, ['gen.db'], { readFile: () => lines.join('\n') });
        for (const r of recs) {
          const h = db.get(r.name)!;
          expect([h.field('DESC'), h.field('EGU'), h.field('HIHI'), h.field('PREC')]).toEqual([
            r.desc,
            r.egu,
            r.hihi,
            r.prec,
          ]);
        }
      }),
      { numRuns: 200 },
    );
  });
});
