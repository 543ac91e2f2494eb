// Loads .db files into a RecordDatabase: parses every file, checks record types, field names and
// values against our record model, merges repeated definitions of a record (same type) as EPICS
// does, resolves aliases, and only then creates the records. All problems are reported together
// (ProblemsError GW_DB_PARSE) and nothing is created when there is any.
import { ProblemsError } from '../../errors.js';
import type { Problem } from '../../errors.js';
import type { RecordInput } from '../records/record.js';
import { COMPUTED_FIELDS, ftvlType, RECORD_TYPES } from '../records/record-types.js';
import { parseFieldText } from '../records/value-convert.js';
import { parseDbFile } from './db-parser.js';
import type { DbParseOptions, DbRecordDecl, ParsedDb } from './db-parser.js';
import { parseMacroDefinitions } from './macros.js';
import { isValidRecordName } from './pv-name.js';
import type { RecordDatabase } from './record-database.js';

export interface DbLoadOptions extends Omit<DbParseOptions, 'macros'> {
  /** `"P=X:,Q=Y"` as given to --macros, or parsed definitions. */
  macros?: string | ReadonlyMap<string, string>;
}

export interface DbLoadResult {
  records: number;
  aliases: number;
}

interface Pending {
  type: string;
  name: string;
  where: string;
  fields: Map<string, RecordInput>;
  info: Map<string, string>;
  aliases: string[];
}

/**
 * Parses and loads .db files into `db`. Throws ProblemsError (GW_DB_PARSE) listing every problem
 * with file:line; in that case `db` is left unchanged.
 */
export function loadDbFiles(
  db: RecordDatabase,
  files: readonly string[],
  options: DbLoadOptions = {},
): DbLoadResult {
  const macros = typeof options.macros === 'string' ? parseMacroDefinitions(options.macros) : options.macros;
  const parsed: ParsedDb = { records: [], aliases: [], problems: [] };
  for (const file of files) parseDbFile(file, { ...options, macros }, parsed);
  const problems = parsed.problems;
  const problem = (file: string, line: number, message: string) =>
    problems.push({ file, line, message, severity: 'error' });

  const pending = new Map<string, Pending>();
  for (const decl of parsed.records) {
    const p = collectRecord(decl, pending, db, problem);
    if (!p) continue;
    for (const a of decl.aliases) p.aliases.push(a.name);
  }
  const names = new Set<string>();
  for (const p of pending.values()) names.add(p.name);
  let aliasCount = 0;
  const checkAlias = (alias: string, file: string, line: number): boolean => {
    if (!isValidRecordName(alias)) problem(file, line, `invalid alias name "${alias}"`);
    else if (names.has(alias) || db.has(alias))
      problem(file, line, `alias "${alias}" is already a record or alias name`);
    else {
      names.add(alias);
      aliasCount++;
      return true;
    }
    return false;
  };
  for (const decl of parsed.records) {
    for (const a of decl.aliases)
      if (!checkAlias(a.name, decl.file, a.line)) removeAlias(pending, decl.name, a.name);
  }
  for (const a of parsed.aliases) {
    const target = pending.get(a.record);
    if (!target) problem(a.file, a.line, `alias "${a.alias}" refers to unknown record "${a.record}"`);
    else if (checkAlias(a.alias, a.file, a.line)) target.aliases.push(a.alias);
  }
  if (problems.length > 0) throw new ProblemsError('GW_DB_PARSE', sortProblems(problems));

  for (const p of pending.values()) {
    db.createRecord(p.type, p.name, Object.fromEntries(p.fields), {
      info: Object.fromEntries(p.info),
      aliases: p.aliases,
    });
  }
  return { records: pending.size, aliases: aliasCount };
}

/** Problems in file order (as first met), then by line; stable for problems on the same line. */
function sortProblems(problems: Problem[]): Problem[] {
  const fileOrder = new Map<string, number>();
  for (const p of problems) if (!fileOrder.has(p.file)) fileOrder.set(p.file, fileOrder.size);
  return [...problems].sort(
    (a, b) => fileOrder.get(a.file)! - fileOrder.get(b.file)! || (a.line ?? 0) - (b.line ?? 0),
  );
}

function removeAlias(pending: Map<string, Pending>, record: string, alias: string): void {
  const p = pending.get(record);
  if (p) p.aliases = p.aliases.filter((a) => a !== alias);
}

function collectRecord(
  decl: DbRecordDecl,
  pending: Map<string, Pending>,
  db: RecordDatabase,
  problem: (file: string, line: number, message: string) => void,
): Pending | undefined {
  const existing = pending.get(decl.name);
  // record("*", name) modifies a record defined earlier, whatever its type (EPICS 7).
  const typeName = decl.type === '*' && existing ? existing.type : decl.type;
  const type = RECORD_TYPES.get(typeName);
  if (!type) {
    problem(decl.file, decl.line, `unknown record type "${decl.type}"`);
    return undefined;
  }
  if (!isValidRecordName(decl.name)) {
    problem(decl.file, decl.line, `invalid record name "${decl.name}"`);
    return undefined;
  }
  if (db.has(decl.name)) {
    problem(decl.file, decl.line, `record "${decl.name}" already exists`);
    return undefined;
  }
  let p = existing;
  if (p && p.type !== typeName) {
    problem(
      decl.file,
      decl.line,
      `record "${decl.name}" redefined as ${typeName} (defined as ${p.type} at ${p.where})`,
    );
    return undefined;
  }
  if (!p) {
    p = {
      type: typeName,
      name: decl.name,
      where: `${decl.file}:${decl.line}`,
      fields: new Map(),
      info: new Map(),
      aliases: [],
    };
    pending.set(decl.name, p);
  }
  for (const f of decl.fields) {
    const def = type.fields.get(f.name);
    if (!def) {
      problem(decl.file, f.line, `record type ${typeName} has no field "${f.name}"`);
      continue;
    }
    if (COMPUTED_FIELDS.has(f.name)) {
      problem(decl.file, f.line, `field ${f.name} cannot be set in a .db file`);
      continue;
    }
    if (f.name === 'VAL' && type.kind === 'waveform') {
      p.fields.set('VAL', f.value);
      continue;
    }
    const parsed = parseFieldText(def.type, def, f.value);
    if ('error' in parsed) {
      problem(decl.file, f.line, `bad value "${f.value}" for field ${f.name} (${def.type}): ${parsed.error}`);
      continue;
    }
    if (f.name === 'NELM' && (parsed.value as number) < 1) {
      problem(decl.file, f.line, `bad value "${f.value}" for field NELM: must be at least 1`);
      continue;
    }
    p.fields.set(f.name, parsed.value);
  }
  for (const i of decl.infos) p.info.set(i.name, i.value);
  if (type.kind === 'waveform' && typeof p.fields.get('VAL') === 'string') {
    const valLine = [...decl.fields].reverse().find((f) => f.name === 'VAL')?.line ?? decl.line;
    const elements = waveformValue(
      p.fields.get('VAL') as string,
      ftvlType(Number(p.fields.get('FTVL') ?? 0)),
    );
    if ('error' in elements) problem(decl.file, valLine, `bad value for field VAL: ${elements.error}`);
    else p.fields.set('VAL', elements.value);
  }
  return p;
}

/** A waveform VAL in a .db file: a JSON array, or text for CHAR/UCHAR arrays. Returns an error reason. */
function waveformValue(text: string, elementType: string): { value: RecordInput } | { error: string } {
  const t = text.trim();
  if (t.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(t);
      if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return { value: v };
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return { value: v };
    } catch {
      // reported below
    }
    return { error: 'not a JSON array of numbers or of strings' };
  }
  if (elementType === 'CHAR' || elementType === 'UCHAR') return { value: text };
  if (t === '') return { value: [] };
  return { error: `expected a JSON array for FTVL ${elementType}` };
}
