// The record database: owns the soft records, resolves channel names (`NAME`, `NAME.FIELD`,
// `NAME.FIELD$`, aliases) for the CA server as a PvProvider, batches posts, and applies access
// security. The agent declares its own PVs here with builders named by kind and direction
// (pythonSoftIOC style). No sockets, no files: .db and .acf files are loaded by other modules.
import type { EpicsTimeStamp } from '../../ca/value.js';
import { GwError } from '../../errors.js';
import { ALLOW_ALL } from '../access/access-rules.js';
import type { AccessPolicy } from '../access/access-rules.js';
import { FieldPv } from '../records/field-pv.js';
import { Record, toEpicsStamp } from '../records/record.js';
import type { RecordHandle, RecordHost, RecordInput } from '../records/record.js';
import { menuFtype } from '../records/menus.js';
import { COMPUTED_FIELDS, RECORD_TYPES } from '../records/record-types.js';
import type { ClientIdentity, PvProvider, ServedPv } from '../server/pv.js';
import { globMatcher, isValidRecordName, parsePvName } from './pv-name.js';

export type { RecordHandle } from '../records/record.js';

/** Field values by field name (`VAL` is the initial value; menus by choice string or index). */
export interface RecordFields {
  [field: string]: RecordInput | undefined;
}

export interface CreateRecordOptions {
  info?: { readonly [name: string]: string };
  aliases?: readonly string[];
}

export interface RecordDatabaseOptions {
  /** Clock for time stamps (default: the system clock). */
  now?: () => EpicsTimeStamp;
}

/** The record types a builder or a .db file may name. */
export const RECORD_TYPE_NAMES: readonly string[] = [...RECORD_TYPES.keys()];

export class RecordDatabase implements PvProvider {
  private readonly records = new Map<string, Record>();
  private readonly aliases = new Map<string, Record>();
  private readonly pvs = new Map<string, FieldPv>();
  private readonly removedListeners = new Set<(names: readonly string[]) => void>();
  private readonly accessListeners = new Set<() => void>();
  private readonly dirty = new Set<Record>();
  private batchDepth = 0;
  private access: AccessPolicy = ALLOW_ALL;
  private readonly host: RecordHost;

  constructor(options: RecordDatabaseOptions = {}) {
    const now = options.now ?? (() => toEpicsStamp(Date.now()));
    this.host = {
      isBatching: () => this.batchDepth > 0,
      markDirty: (r) => this.dirty.add(r),
      rights: (asg, asl, who) => this.access.rights(asg, asl, who),
      asgChanged: () => this.fireAccessChanged(),
      removeRecord: (r) => this.removeRecord(r),
      now,
    };
  }

  // ---- builders -------------------------------------------------------------------------------

  aiRecord(name: string, fields?: RecordFields, options?: CreateRecordOptions): RecordHandle {
    return this.createRecord('ai', name, fields, options);
  }
  aoRecord(name: string, fields?: RecordFields, options?: CreateRecordOptions): RecordHandle {
    return this.createRecord('ao', name, fields, options);
  }
  biRecord(name: string, fields?: RecordFields, options?: CreateRecordOptions): RecordHandle {
    return this.createRecord('bi', name, fields, options);
  }
  boRecord(name: string, fields?: RecordFields, options?: CreateRecordOptions): RecordHandle {
    return this.createRecord('bo', name, fields, options);
  }
  mbbiRecord(name: string, fields?: RecordFields, options?: CreateRecordOptions): RecordHandle {
    return this.createRecord('mbbi', name, fields, options);
  }
  mbboRecord(name: string, fields?: RecordFields, options?: CreateRecordOptions): RecordHandle {
    return this.createRecord('mbbo', name, fields, options);
  }
  longinRecord(name: string, fields?: RecordFields, options?: CreateRecordOptions): RecordHandle {
    return this.createRecord('longin', name, fields, options);
  }
  longoutRecord(name: string, fields?: RecordFields, options?: CreateRecordOptions): RecordHandle {
    return this.createRecord('longout', name, fields, options);
  }
  stringinRecord(name: string, fields?: RecordFields, options?: CreateRecordOptions): RecordHandle {
    return this.createRecord('stringin', name, fields, options);
  }
  stringoutRecord(name: string, fields?: RecordFields, options?: CreateRecordOptions): RecordHandle {
    return this.createRecord('stringout', name, fields, options);
  }
  /** FTVL (default DOUBLE here, unlike EPICS's STRING) and NELM (default 1) fix the element type and capacity. */
  waveformRecord(name: string, fields?: RecordFields, options?: CreateRecordOptions): RecordHandle {
    return this.createRecord('waveform', name, { FTVL: 'DOUBLE', ...fields }, options);
  }

  /**
   * Creates a record of any supported type. Throws GwError GW_INTERNAL for an unknown type, a bad or
   * taken name, an unknown field or a value a field cannot hold (a bug in the declaring code).
   * A record given VAL (or PINI YES) is processed once at creation; others stay UDF/INVALID.
   */
  createRecord(
    type: string,
    name: string,
    fields: RecordFields = {},
    options: CreateRecordOptions = {},
  ): RecordHandle {
    const def = RECORD_TYPES.get(type);
    if (!def) throw new GwError('GW_INTERNAL', `unknown record type "${type}"`);
    this.checkNewName(name);
    let ftvl = 0;
    let nelm = 1;
    if (def.kind === 'waveform') {
      const f = fields.FTVL;
      ftvl =
        typeof f === 'number' ? f : typeof f === 'string' ? menuFtype.indexOf(f) : f === undefined ? 0 : -1;
      if (ftvl < 0 || ftvl >= menuFtype.length)
        throw new GwError('GW_INTERNAL', `${name}: bad FTVL ${JSON.stringify(f)}`);
      nelm = Number(fields.NELM ?? 1);
      if (!Number.isInteger(nelm) || nelm < 1)
        throw new GwError('GW_INTERNAL', `${name}: bad NELM ${String(nelm)}`);
    }
    const rec = new Record(this.host, def, name, ftvl, nelm);
    const entries = Object.entries(fields).filter(
      ([k, v]) => v !== undefined && k !== 'FTVL' && k !== 'NELM',
    );
    // VAL last: enum state strings (ZNAM, ZRST...) must be known to convert a state name.
    entries.sort(([a], [b]) => Number(a === 'VAL') - Number(b === 'VAL'));
    for (const [field, value] of entries) {
      if (!rec.fieldDef(field) || COMPUTED_FIELDS.has(field)) {
        throw new GwError('GW_INTERNAL', `${name}: record type ${type} has no settable field ${field}`);
      }
      try {
        rec.initField(field, value!);
      } catch (err) {
        throw new GwError('GW_INTERNAL', `${name}: ${(err as Error).message}`, { cause: err });
      }
    }
    for (const [k, v] of Object.entries(options.info ?? {})) rec.info.set(k, v);
    this.records.set(name, rec);
    for (const alias of options.aliases ?? []) this.addAlias(name, alias);
    if (fields.VAL !== undefined || rec.num('PINI') === 1) rec.process();
    return rec;
  }

  /** Adds an alias name for a record. */
  addAlias(recordName: string, alias: string): void {
    const rec = this.records.get(recordName);
    if (!rec) throw new GwError('GW_INTERNAL', `alias "${alias}": no record "${recordName}"`);
    this.checkNewName(alias);
    this.aliases.set(alias, rec);
    rec.aliases.push(alias);
  }

  private checkNewName(name: string): void {
    if (!isValidRecordName(name)) throw new GwError('GW_INTERNAL', `invalid record name "${name}"`);
    if (this.records.has(name) || this.aliases.has(name)) {
      throw new GwError('GW_INTERNAL', `record name "${name}" is already in use`);
    }
  }

  /** A record by its name or an alias. */
  get(name: string): RecordHandle | undefined {
    return this.records.get(name) ?? this.aliases.get(name);
  }

  has(name: string): boolean {
    return this.records.has(name) || this.aliases.has(name);
  }

  /** All records (not aliases), in creation order. */
  list(): RecordHandle[] {
    return [...this.records.values()];
  }

  /** Record names (not aliases) matching a dbgrep pattern (`*`, `?`), in creation order: what dbgrep lists. */
  names(pattern = '*'): string[] {
    const matches = globMatcher(pattern);
    return [...this.records.keys()].filter(matches);
  }

  get size(): number {
    return this.records.size;
  }

  /**
   * Forgets the cached channel views of these names, made for a start-up warm-up that no channel uses
   * now: the memory a channel costs stays what real clients cause. A name still in use would just get
   * a new view on its next channel (views hold no state of their own).
   */
  forgetPvs(names: readonly string[]): void {
    for (const name of names) this.pvs.delete(name);
  }

  /** Removes a record (by name or alias); returns false if there is none. */
  remove(name: string): boolean {
    const rec = this.records.get(name) ?? this.aliases.get(name);
    if (!rec) return false;
    this.removeRecord(rec);
    return true;
  }

  private removeRecord(rec: Record): void {
    if (this.records.get(rec.name) !== rec) return;
    this.records.delete(rec.name);
    for (const a of rec.aliases) this.aliases.delete(a);
    const names = new Set([rec.name, ...rec.aliases]);
    // Channel names bound to the record: found by a scan (removal is rare; an index per record would
    // cost memory for every record that was ever searched).
    for (const [n, pv] of this.pvs) {
      if (pv.record !== rec) continue;
      names.add(n);
      this.pvs.delete(n);
    }
    this.dirty.delete(rec);
    rec.markRemoved();
    const list = [...names];
    for (const l of [...this.removedListeners]) l(list);
  }

  // ---- batching -------------------------------------------------------------------------------

  /** Runs `fn`; records changed inside post once each at the end, with the union of their event masks. */
  batch<T>(fn: () => T): T {
    this.batchDepth++;
    try {
      return fn();
    } finally {
      this.batchDepth--;
      if (this.batchDepth === 0 && this.dirty.size > 0) {
        const records = [...this.dirty];
        this.dirty.clear();
        for (const r of records) r.flush();
      }
    }
  }

  // ---- access security ------------------------------------------------------------------------

  /** Installs access rules (undefined: everything read+write) and tells the server to re-check. */
  setAccessPolicy(policy: AccessPolicy | undefined): void {
    this.access = policy ?? ALLOW_ALL;
    this.fireAccessChanged();
  }

  /** Access bits a client has on a channel name (0 if the name does not resolve). */
  rights(name: string, who: ClientIdentity): number {
    return this.lookup(name)?.accessRights(who) ?? 0;
  }

  private fireAccessChanged(): void {
    for (const l of [...this.accessListeners]) l();
  }

  // ---- PvProvider ------------------------------------------------------------------------------

  lookup(name: string): ServedPv | undefined {
    const cached = this.pvs.get(name);
    if (cached) return cached;
    // A record's own name (its VAL) is the common case: no name parsing for it.
    const own = this.records.get(name) ?? this.aliases.get(name);
    const pv = own ? new FieldPv(name, own, 'VAL', false) : this.fieldPv(name);
    if (pv) this.pvs.set(name, pv);
    return pv;
  }

  private fieldPv(name: string): FieldPv | undefined {
    const parts = parsePvName(name);
    if (!parts) return undefined;
    const rec = this.records.get(parts.record) ?? this.aliases.get(parts.record);
    if (!rec) return undefined;
    const key = parts.isLongString ? `${parts.field}$` : parts.field;
    if (!rec.channelShape(key)) return undefined;
    return new FieldPv(name, rec, parts.field, parts.isLongString);
  }

  hasName(name: string): boolean {
    // A record's or alias's own name is its VAL, which every record type has: the common search,
    // answered without parsing the name or creating its FieldPv.
    if (this.records.has(name) || this.aliases.has(name) || this.pvs.has(name)) return true;
    const parts = parsePvName(name);
    if (!parts) return false;
    const rec = this.records.get(parts.record) ?? this.aliases.get(parts.record);
    return (
      rec !== undefined &&
      rec.channelShape(parts.isLongString ? `${parts.field}$` : parts.field) !== undefined
    );
  }

  onRemoved(listener: (names: readonly string[]) => void): () => void {
    this.removedListeners.add(listener);
    return () => this.removedListeners.delete(listener);
  }

  onAccessChanged(listener: () => void): () => void {
    this.accessListeners.add(listener);
    return () => this.accessListeners.delete(listener);
  }
}
