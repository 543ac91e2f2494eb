// Fuzzing of every file and string a user types, in memory: .db text (with macros and includes), .acf
// text, the agent INI, the site JSON and --macros, each mutated from a valid example. A parser may
// only return its result or its problem list (ProblemsError / GwError), every problem must say where
// (a line within the file, or a key), and nothing may take long: macro expansion is bounded.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GwError, ProblemsError, type Problem } from '../../src/errors.js';
import { checkAgentText } from '../../src/gwconfig/index.js';
import { parseSite } from '../../src/gwconfig/site-model.js';
import { loadDbFiles, parseAcf, parseMacroDefinitions, RecordDatabase } from '../../src/ioc/db/index.js';

const DB = `# records
record(ao, "$(P)AO") {
  field(DESC, "an \\"output\\"")
  field(DRVH, "100")
  field(EGU, "$(U=mm)")
  info(autosaveFields, "VAL")
  alias("$(P)AO2")
}
record(mbbo, "$(P)MB") {
  field(ZRST, "zero")
  field(ONST, "one")
}
record(waveform, "$(P)WF") {
  field(FTVL, "DOUBLE")
  field(NELM, "8")
}
alias("$(P)MB", "$(P)MB2")
include "other.db"
`;
const OTHER_DB = 'record(stringout, "$(P)SO") { field(VAL, "${Q}") }\n';

const ACF = `UAG(ops) { alice, bob }
HAG(console) { cr-console1, 10.1.0.0/16 }
ASG(DEFAULT) {
  RULE(1, READ)
  RULE(1, WRITE, TRAPWRITE) { UAG(ops) HAG(console) }
}
ASG(RO) {
  RULE(1, READ)
}
`;

const INI = readFileSync('test/gwconfig/fixtures/pair.ini', 'latin1');
const JSON_SITE = readFileSync('test/gwconfig/fixtures/site3.json', 'latin1');

/** Tokens that matter to these syntaxes, and bytes that should not be there. */
const TOKENS = [
  '{',
  '}',
  '(',
  ')',
  '"',
  "'",
  ',',
  '=',
  '[',
  ']',
  '\n',
  '\r\n',
  '#',
  ';',
  '\\',
  '$(',
  '${',
  '$(P)',
  ')',
  '\u0000',
  '\u00ff',
  '\ufeff',
  'record(ai, "X") {',
  'field(',
  'include "other.db"',
  'include "self.db"',
  'RULE(',
  'UAG(',
  'ASG(DEFAULT) {',
  '[gateway.X]',
  'allow = ',
  ':',
  '0x',
  '-1',
  '1e999',
  'x'.repeat(300),
];

interface Edit {
  at: number;
  kind: 'insert' | 'delete' | 'replace' | 'duplicate' | 'truncate';
  token: string;
  length: number;
}

const edits: fc.Arbitrary<Edit[]> = fc.array(
  fc.record({
    at: fc.nat(),
    kind: fc.constantFrom(
      'insert' as const,
      'delete' as const,
      'replace' as const,
      'duplicate' as const,
      'truncate' as const,
    ),
    token: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 8 })),
    length: fc.integer({ min: 1, max: 40 }),
  }),
  { minLength: 1, maxLength: 6 },
);

/** Applies edits to a valid text. */
function mutateText(text: string, list: readonly Edit[]): string {
  let t = text;
  for (const e of list) {
    const at = e.at % (t.length + 1);
    switch (e.kind) {
      case 'insert':
        t = t.slice(0, at) + e.token + t.slice(at);
        break;
      case 'delete':
        t = t.slice(0, at) + t.slice(at + e.length);
        break;
      case 'replace':
        t = t.slice(0, at) + e.token + t.slice(at + e.token.length);
        break;
      case 'duplicate':
        t = t.slice(0, at) + t.slice(at, at + e.length * 4) + t.slice(at);
        break;
      case 'truncate':
        t = t.slice(0, at);
        break;
    }
  }
  return t;
}

/** Every problem names its file and a line inside it (or a key); its message is not empty. */
function expectLocated(problems: readonly Problem[], files: Record<string, string>): void {
  for (const p of problems) {
    expect(Object.keys(files)).toContain(p.file);
    expect(p.message.length).toBeGreaterThan(0);
    if (p.line !== undefined) {
      const lines = files[p.file]!.split('\n').length;
      expect(p.line).toBeGreaterThanOrEqual(1);
      expect(p.line).toBeLessThanOrEqual(lines);
    }
  }
}

const RUNS = 400;

describe('.db files', () => {
  it('load or report located problems, whatever the edits', () => {
    let refused = 0;
    fc.assert(
      fc.property(
        edits,
        fc.constantFrom('P=T:,Q=q', 'P=T:,Q=q', 'P=T:,Q=q', 'P=T:', 'P=$(Q),Q=$(P)', ''),
        (list, macros) => {
          const files: Record<string, string> = { 'main.db': mutateText(DB, list), 'other.db': OTHER_DB };
          files['self.db'] = 'include "self.db"\n';
          try {
            loadDbFiles(new RecordDatabase(), ['main.db'], {
              macros,
              readFile: (path) => {
                const text = files[path];
                if (text === undefined) throw new Error(`ENOENT: ${path}`);
                return text;
              },
            });
          } catch (err) {
            expect(err).toBeInstanceOf(ProblemsError);
            expect((err as ProblemsError).code).toBe('GW_DB_PARSE');
            expectLocated((err as ProblemsError).problems, files);
            refused++;
          }
        },
      ),
      { numRuns: RUNS },
    );
    console.log(`[robustness] .db fuzz: ${RUNS} mutated files, ${refused} refused with located problems`);
    expect(refused).toBeGreaterThan(RUNS / 2);
  });

  it('stops exponential macro expansion quickly with a clear message (was minutes and gigabytes)', () => {
    const chain = (levels: number) =>
      Array.from({ length: levels }, (_, i) => `M${i}=$(M${i + 1})$(M${i + 1})`)
        .concat([`M${levels}=x`])
        .join(',');
    const load = (levels: number) => {
      const started = Date.now();
      let message = '';
      try {
        loadDbFiles(new RecordDatabase(), ['f.db'], {
          macros: chain(levels),
          readFile: () => 'record(ao, "X") {\n  field(DESC, "$(M0)")\n}\n',
        });
      } catch (err) {
        message = (err as Error).message;
      }
      return { ms: Date.now() - started, first: message.split('\n')[0] };
    };
    const twenty = load(20);
    const thirty = load(30);
    console.log(`[robustness] macro bomb: 20 doubling levels ${twenty.ms} ms, 30 levels ${thirty.ms} ms`);
    expect(twenty.first).toBe('f.db:2: error: macro expansion needs more than 100000 substitutions');
    expect(thirty.first).toBe('f.db:2: error: macros nested more than 20 deep at "M21"');
    expect(twenty.ms + thirty.ms).toBeLessThan(2000);
  });
});

describe('.acf files', () => {
  it('parse or report located problems, whatever the edits', () => {
    let refused = 0;
    fc.assert(
      fc.property(edits, (list) => {
        const text = mutateText(ACF, list);
        try {
          parseAcf(text, 'fuzz.acf');
        } catch (err) {
          expect(err).toBeInstanceOf(ProblemsError);
          expect((err as ProblemsError).code).toBe('GW_ACF_PARSE');
          expectLocated((err as ProblemsError).problems, { 'fuzz.acf': text });
          refused++;
        }
      }),
      { numRuns: RUNS },
    );
    console.log(`[robustness] .acf fuzz: ${RUNS} mutated files, ${refused} refused with located problems`);
    expect(refused).toBeGreaterThan(RUNS / 4);
  });
});

describe('agent INI and site JSON', () => {
  it('check without throwing and locate every problem', () => {
    let withErrors = 0;
    fc.assert(
      fc.property(edits, (list) => {
        const text = mutateText(INI, list);
        const r = checkAgentText('fuzz.ini', text);
        for (const p of r.problems) expect(p.line !== undefined || p.key !== undefined).toBe(true);
        expectLocated(r.problems, { 'fuzz.ini': text });
        if (r.hasErrors) withErrors++;
      }),
      { numRuns: RUNS },
    );
    let jsonErrors = 0;
    fc.assert(
      fc.property(edits, (list) => {
        const text = mutateText(JSON_SITE, list);
        const r = parseSite('fuzz.json', text);
        for (const p of r.problems) {
          expect(p.file).toBe('fuzz.json');
          expect(p.key ?? p.line).toBeDefined();
        }
        if (r.problems.some((p) => p.severity === 'error')) jsonErrors++;
      }),
      { numRuns: RUNS },
    );
    console.log(
      `[robustness] config fuzz: ${RUNS} mutated INI files (${withErrors} with errors), ${RUNS} mutated site JSON (${jsonErrors} with errors)`,
    );
    expect(withErrors).toBeGreaterThan(0);
    expect(jsonErrors).toBeGreaterThan(0);
  });

  it('--macros parses or throws GW_USAGE naming the problem', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc
            .array(fc.constantFrom('P', '=', ',', '"', "'", '\\', 'X:', ' ', '$(P)'), { maxLength: 12 })
            .map((a) => a.join('')),
        ),
        (text) => {
          try {
            const m = parseMacroDefinitions(text);
            for (const name of m.keys()) expect(name).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
          } catch (err) {
            expect(err).toBeInstanceOf(GwError);
            expect((err as GwError).code).toBe('GW_USAGE');
            expect((err as GwError).message).toMatch(/^--macros: /);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
