import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProblemsError } from '../../src/errors.js';
import { loadDbFiles } from '../../src/ioc/db/db-loader.js';
import type { DbLoadOptions } from '../../src/ioc/db/db-loader.js';
import { parseDbText } from '../../src/ioc/db/db-parser.js';
import { RecordDatabase } from '../../src/ioc/db/record-database.js';

/** Loads in-memory files; returns the database or the problem lines. */
function load(
  files: Record<string, string>,
  options: DbLoadOptions = {},
  roots = Object.keys(files).slice(0, 1),
) {
  const db = new RecordDatabase({ now: () => ({ secPastEpoch: 1, nsec: 0 }) });
  const readFile = (path: string) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    return text;
  };
  try {
    loadDbFiles(db, roots, { readFile, ...options });
    return { db, problems: [] as string[] };
  } catch (err) {
    if (!(err instanceof ProblemsError)) throw err;
    expect(err.code).toBe('GW_DB_PARSE');
    return { db, problems: err.message.split('\n') };
  }
}

describe('.db parser', () => {
  it('parses records, fields, info, aliases, comments, quoted and bare words', () => {
    const text = [
      '# a comment',
      'record(ai, "X:TEMP") {',
      '  field(DESC, "Temp # not a comment")  # trailing comment',
      '  field(HIHI, 90)',
      '  info(autosaveFields, "VAL")',
      '  alias("X:T")',
      '}',
      'grecord(bo, X:RESET)',
      'alias("X:TEMP", "X:TEMPERATURE")',
      '%#include "c code"',
    ].join('\n');
    const parsed = parseDbText(text, 'a.db');
    expect(parsed.problems).toEqual([]);
    expect(parsed.records).toEqual([
      {
        type: 'ai',
        name: 'X:TEMP',
        file: 'a.db',
        line: 2,
        fields: [
          { name: 'DESC', value: 'Temp # not a comment', line: 3 },
          { name: 'HIHI', value: '90', line: 4 },
        ],
        infos: [{ name: 'autosaveFields', value: 'VAL', line: 5 }],
        aliases: [{ name: 'X:T', line: 6 }],
      },
      { type: 'bo', name: 'X:RESET', file: 'a.db', line: 8, fields: [], infos: [], aliases: [] },
    ]);
    expect(parsed.aliases).toEqual([{ record: 'X:TEMP', alias: 'X:TEMPERATURE', file: 'a.db', line: 9 }]);
  });

  it('accepts CRLF line ends and a UTF-8 byte order mark', () => {
    const parsed = parseDbText('\xEF\xBB\xBFrecord(ai, "A") {\r\n  field(DESC, "d")\r\n}\r\n', 'crlf.db');
    expect(parsed.problems).toEqual([]);
    expect(parsed.records[0]!.fields).toEqual([{ name: 'DESC', value: 'd', line: 2 }]);
  });

  it('translates C escapes in quoted strings', () => {
    const parsed = parseDbText('record(stringin, "S") { field(VAL, "a\\"b\\\\c\\x41\\101") }', 'e.db');
    expect(parsed.records[0]!.fields[0]!.value).toBe('a"b\\cAA');
  });
});

describe('.db loader', () => {
  it('creates records with typed fields, info, aliases and initial values', () => {
    const { db, problems } = load(
      {
        'a.db': [
          'record(ai, "$(P)TEMP") {',
          '  field(DESC, "Temperature")',
          '  field(EGU, "degC")',
          '  field(PREC, "2")',
          '  field(HIHI, "90") field(HHSV, "MAJOR")',
          '  field(VAL, "95")',
          '  info(k, "v")',
          '  alias("$(P)T")',
          '}',
          'record(mbbo, "${P}MODE") { field(ZRST, "Off") field(ONST, "On") field(VAL, "1") }',
          'record(waveform, "$(P)WF") { field(FTVL, "LONG") field(NELM, "5") field(VAL, "[1, 2, 3]") }',
          'record(waveform, "$(P)TXT") { field(FTVL, "CHAR") field(NELM, "32") field(VAL, "hi") }',
          'record(stringin, "$(Q=Z:)S")',
          'alias("$(P)TEMP", "$(P)TEMPERATURE")',
        ].join('\n'),
      },
      { macros: 'P=X:' },
    );
    expect(problems).toEqual([]);
    const t = db.get('X:TEMP')!;
    expect([t.field('DESC'), t.field('EGU'), t.field('PREC'), t.field('HIHI'), t.field('HHSV')]).toEqual([
      'Temperature',
      'degC',
      2,
      90,
      2,
    ]);
    expect([t.get(), t.alarm]).toEqual([95, { status: 3, severity: 2 }]);
    expect(t.info.get('k')).toBe('v');
    expect(db.get('X:T')).toBe(t);
    expect(db.get('X:TEMPERATURE')).toBe(t);
    expect(db.get('X:MODE')!.get()).toBe(1);
    expect(Array.from(db.get('X:WF')!.get() as Int32Array)).toEqual([1, 2, 3]);
    expect(db.lookup('X:WF')!.maxCount).toBe(5);
    expect(Array.from(db.get('X:TXT')!.get() as Int8Array)).toEqual([104, 105, 0]);
    expect(db.get('Z:S')!.alarm).toEqual({ status: 17, severity: 3 });
  });

  it('merges a second definition of the same record and type; refuses a different type', () => {
    const ok = load({
      'a.db':
        'record(ai, "A") { field(DESC, "one") field(EGU, "V") }\nrecord(ai, "A") { field(DESC, "two") }\nrecord("*", "A") { field(PREC, "3") }',
    });
    expect(ok.problems).toEqual([]);
    const a = ok.db.get('A')!;
    expect([a.field('DESC'), a.field('EGU'), a.field('PREC')]).toEqual(['two', 'V', 3]);
    const bad = load({ 'a.db': 'record(ai, "A")\nrecord(bo, "A")' });
    expect(bad.problems).toEqual(['a.db:2: error: record "A" redefined as bo (defined as ai at a.db:1)']);
  });

  it('reports every error with file:line and creates nothing', () => {
    const { db, problems } = load({
      'bad.db': [
        'record(aix, "A")',
        'record(ai, "B") {',
        '  field(FOO, "1")',
        '  field(HIHI, "abc")',
        '  field(PREC, "x")',
        '  field(HHSV, "HUGE")',
        '  field(PREC, "70000")',
        '  field(DESC, "this description is far too long to fit in forty-one bytes")',
        '  field(STAT, "HIHI")',
        '}',
        'record(ai, "C") { field(VAL, "$(UNDEFINED)") }',
        'record(ai, "D") { field(DESC "x") }',
        'record(ai, "E") { nonsense }',
        'alias("NOPE", "N2")',
        'alias("B", "C")',
        'record(ai, "bad name")',
        'field(X, "1")',
        'record(ai, "F") { field(DESC, "unterminated) }',
        'record(ai, "G") {',
      ].join('\n'),
    });
    expect(problems).toEqual([
      'bad.db:1: error: unknown record type "aix"',
      'bad.db:3: error: record type ai has no field "FOO"',
      'bad.db:4: error: bad value "abc" for field HIHI (DOUBLE): not a number',
      'bad.db:5: error: bad value "x" for field PREC (SHORT): not an integer',
      'bad.db:6: error: bad value "HUGE" for field HHSV (MENU): not one of "NO_ALARM", "MINOR", "MAJOR", "INVALID"',
      'bad.db:7: error: bad value "70000" for field PREC (SHORT): out of range -32768..32767',
      'bad.db:8: error: bad value "this description is far too long to fit in forty-one bytes" for field DESC (STRING): string longer than 40 characters',
      'bad.db:9: error: field STAT cannot be set in a .db file',
      'bad.db:11: error: undefined macro "UNDEFINED"',
      'bad.db:12: error: unexpected string "x", expected ","',
      'bad.db:13: error: unexpected "nonsense" in record "E", expected field, info or alias',
      'bad.db:14: error: alias "N2" refers to unknown record "NOPE"',
      'bad.db:15: error: alias "C" is already a record or alias name',
      'bad.db:16: error: invalid record name "bad name"',
      'bad.db:17: error: unexpected "field", expected record, alias or include',
      'bad.db:18: error: unterminated string',
      'bad.db:19: error: missing "}" closing record "G"',
    ]);
    expect(db.size).toBe(0);
  });

  it('refuses JSON field values, and resumes at the next record', () => {
    const text = 'record(ai, "A") {\n  field(INP, {const: 1})\n}\nrecord(ai, "B") { field(DESC, "d") }';
    const parsed = parseDbText(text, 'j.db');
    // The JSON's own "}" ends the record body; its ")" is then stray at top level.
    expect(parsed.problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      '2: JSON values are not supported',
      '2: unexpected ")", expected record, alias or include',
    ]);
    expect(parsed.records.map((r) => [r.name, r.fields.length])).toEqual([
      ['A', 0],
      ['B', 1],
    ]);
  });

  it('includes files relative to the including file, with a depth limit', () => {
    const files = {
      'top/main.db': 'include "sub/a.db"\nrecord(ai, "$(P)MAIN")',
      'top/sub/a.db': 'record(ai, "$(P)A")\ninclude "b.db"',
      'top/sub/b.db': 'record(bo, "$(P)B")\ninclude "missing.db"',
    };
    const { problems } = load(files, { macros: new Map([['P', 'I:']]) });
    expect(problems).toEqual([
      'top/sub/b.db:2: error: cannot read include file "top/sub/missing.db": ENOENT',
    ]);
    const loop = load({ 'l.db': 'record(ai, "L")\ninclude "l.db"' }, { maxIncludeDepth: 3 });
    expect(loop.problems).toEqual(['l.db:2: error: include nesting deeper than 3']);
    const fine = load(
      { 'top/main.db': files['top/main.db'], 'top/sub/a.db': 'record(ai, "$(P)A")' },
      {
        macros: 'P=I:',
      },
    );
    expect(fine.problems).toEqual([]);
    expect(fine.db.list().map((r) => r.name)).toEqual(['I:A', 'I:MAIN']);
  });

  it('reports an unreadable top-level file without a line', () => {
    const { problems } = load({}, {}, ['nope.db']);
    expect(problems).toEqual(['nope.db: error: cannot read file: ENOENT']);
  });

  it('loads real files from disk, resolving includes against the including file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gwagent-db-'));
    mkdirSync(join(dir, 'inc'));
    writeFileSync(
      join(dir, 'main.db'),
      'include "inc/common.db"\nrecord(longin, "$(P)COUNT") { field(VAL, 7) }\n',
    );
    writeFileSync(join(dir, 'inc', 'common.db'), 'record(stringin, "$(P)NAME") { field(VAL, "gw") }\n');
    const db = new RecordDatabase();
    expect(loadDbFiles(db, [join(dir, 'main.db')], { macros: 'P=R:' })).toEqual({ records: 2, aliases: 0 });
    expect(db.get('R:COUNT')!.get()).toBe(7);
    expect(db.get('R:NAME')!.get()).toBe('gw');
  });

  it('refuses names already in the database', () => {
    const db = new RecordDatabase();
    db.aiRecord('A');
    expect(() => loadDbFiles(db, ['x.db'], { readFile: () => 'record(ai, "A")' })).toThrow(
      'x.db:1: error: record "A" already exists',
    );
  });
});

describe('RecordDatabase.names (dbgrep)', () => {
  it('lists record names matching * and ?, in creation order, without aliases', () => {
    const db = new RecordDatabase();
    for (const n of ['X:B', 'X:A', 'Y:A', 'X:AB', 'X:A+(1)']) db.createRecord('ao', n);
    db.addAlias('X:B', 'X:ALIAS');
    expect(db.names()).toEqual(['X:B', 'X:A', 'Y:A', 'X:AB', 'X:A+(1)']);
    expect(db.names('X:*')).toEqual(['X:B', 'X:A', 'X:AB', 'X:A+(1)']);
    expect(db.names('?:A')).toEqual(['X:A', 'Y:A']);
    expect(db.names('X:A+(1)')).toEqual(['X:A+(1)']);
    expect(db.names('X:A')).toEqual(['X:A']);
    expect(db.names('Z*')).toEqual([]);
  });
});

describe('RecordDatabase.forgetPvs', () => {
  it('drops the channel views of the names (the warm-up’s), and a later lookup makes a fresh one', () => {
    const db = new RecordDatabase();
    db.aiRecord('W:A', { VAL: 1 });
    db.aiRecord('W:B', { VAL: 2 });
    const warmA = db.lookup('W:A')!;
    const warmB = db.lookup('W:B')!;
    db.forgetPvs(['W:A']);
    const fresh = db.lookup('W:A')!;
    expect(fresh).not.toBe(warmA);
    expect(fresh.name).toBe('W:A');
    expect(fresh.snapshot().value).toEqual(warmA.snapshot().value);
    expect(db.lookup('W:B')).toBe(warmB);
  });
});
