// One soft record: its field values, alarm state, time stamp, processing (alarms, deadbands,
// clamping), CA puts to any of its fields, and the posting of monitor events to its channels.
// Snapshots are cached and immutable: arrays are replaced on change, never mutated in place.
// No sockets, no timers, no files; the owning database is reached only through RecordHost.
import {
  CA_PROTO_ACCESS_RIGHT_WRITE,
  DBE_ALARM,
  DBE_LOG,
  DBE_PROPERTY,
  DBE_VALUE,
  DBF_CHAR,
  DBR_PUT_ACKS,
  DBR_PUT_ACKT,
  DISABLE_ALARM,
  ECA_NORMAL,
  ECA_NOWTACCESS,
  ECA_PUTFAIL,
  INVALID_ALARM,
  NO_ALARM,
  POSIX_TIME_AT_EPICS_EPOCH,
  SOFT_ALARM,
  UDF_ALARM,
} from '../../ca/constants.js';
import type { DecodedDbr, EpicsTimeStamp, Metadata, ValueSnapshot } from '../../ca/value.js';
import { EMPTY_METADATA } from '../../ca/value.js';
import type { ClientIdentity, PvListener } from '../server/pv.js';
import { analogAlarms, stateAlarms } from './alarms.js';
import type { RaiseAlarm } from './alarms.js';
import { passesDeadband } from './deadband.js';
import { caNativeType, castToType, isStringType } from './field-def.js';
import type { FieldDef, FieldType } from './field-def.js';
import { fieldMetadata, stateStrings, valueMetadata } from './metadata.js';
import type { FieldReader } from './metadata.js';
import { ftvlType, MBB_SEVERITY_FIELDS } from './record-types.js';
import type { RecordTypeDef } from './record-types.js';
import { bytesToString, convertElement, isFloatDbr, stringToBytes } from './value-convert.js';
import type { ConvertContext, Scalar } from './value-convert.js';

/** Element storage of a waveform VAL, by FTVL. */
export type ArrayValue =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | readonly string[];

/** What `get()` returns: a number (numeric and enum records), a string, or a waveform's elements. */
export type RecordValue = number | string | ArrayValue;

/** What the agent may pass to `set()`: numbers, strings, or array-likes for waveforms. */
export type RecordInput = number | string | boolean | ArrayLike<number> | readonly string[];

export interface SetOptions {
  /** Alarm severity the agent reports with this value (kept until the next set/setAlarm). */
  severity?: number;
  /** Alarm status for `severity` (default SOFT_ALARM when severity > NO_ALARM). */
  status?: number;
  /** Time stamp of the value (default: now). A Date or POSIX milliseconds are converted. */
  stamp?: EpicsTimeStamp | Date | number;
}

/** Called after a CA put to VAL (or PROC) was applied; the put completes when it settles. */
export type WriteCallback = (value: RecordValue, who: ClientIdentity) => void | Promise<void>;

/** What a record needs from the database that owns it. */
export interface RecordHost {
  isBatching(): boolean;
  markDirty(record: Record): void;
  /** CA access bits for a field of access security group `asg` at level `asl`. */
  rights(asg: string, asl: 0 | 1, who: ClientIdentity): number;
  /** The record's ASG field changed: access rights must be re-evaluated. */
  asgChanged(): void;
  removeRecord(record: Record): void;
  now(): EpicsTimeStamp;
}

/** Converts a Date or POSIX milliseconds to an EPICS time stamp. */
export function toEpicsStamp(t: EpicsTimeStamp | Date | number): EpicsTimeStamp {
  if (typeof t === 'object' && !(t instanceof Date)) return t;
  const ms = t instanceof Date ? t.getTime() : t;
  const sec = Math.floor(ms / 1000);
  return { secPastEpoch: sec - POSIX_TIME_AT_EPICS_EPOCH, nsec: Math.round((ms - sec * 1000) * 1e6) };
}

const ZERO_STAMP: EpicsTimeStamp = Object.freeze({ secPastEpoch: 0, nsec: 0 });
/** Key of the pending-post map that stands for "DBE_PROPERTY to every channel". */
const ALL_CHANNELS = '*';

const TYPED_ARRAYS = {
  CHAR: Int8Array,
  UCHAR: Uint8Array,
  SHORT: Int16Array,
  USHORT: Uint16Array,
  LONG: Int32Array,
  ULONG: Uint32Array,
  INT64: Float64Array,
  UINT64: Float64Array,
  FLOAT: Float32Array,
  DOUBLE: Float64Array,
  ENUM: Uint16Array,
} as const;

/** What the agent holds for one of its records (returned by the RecordDatabase builders). */
export interface RecordHandle {
  readonly name: string;
  /** The record type, e.g. `ai`. */
  readonly type: RecordTypeDef;
  readonly aliases: readonly string[];
  /** `info(name, "value")` entries from a .db file, or given at creation. */
  readonly info: ReadonlyMap<string, string>;
  /** Current alarm status and severity. */
  readonly alarm: { status: number; severity: number };
  readonly timeStamp: EpicsTimeStamp;
  /** False until the record has a value (UDF). */
  readonly isDefined: boolean;
  readonly removed: boolean;
  /** Sets VAL and processes (alarms, time stamp, monitors). Throws TypeError on an unconvertible value. */
  set(value: RecordInput, options?: SetOptions): void;
  /** Raises (severity > NO_ALARM) or clears the agent's alarm, keeping the value, and processes. */
  setAlarm(severity: number, status?: number, stamp?: EpicsTimeStamp | Date | number): void;
  /** Processes without a new value: re-evaluates alarms, re-stamps, posts what changed (like PROC). */
  process(): void;
  /** VAL: a number, a string, or a waveform's elements (an immutable array: copy before changing). */
  get(): RecordValue;
  /** Any field's current value (menus as their index). Throws RangeError for an unknown field. */
  field(name: string): RecordValue;
  /** Writes a field with the effects of a CA put (posts, DBE_PROPERTY, processing for pp fields). */
  setField(name: string, value: Scalar): void;
  /** Called after each CA put to VAL or PROC; returns the function that unregisters it. */
  onWrite(callback: WriteCallback): () => void;
  /** Removes the record and its aliases; the server disconnects their channels. */
  remove(): void;
}

/** A soft record: the handle the agent holds, and what the record's channels read and write. */
export class Record implements FieldReader, RecordHandle {
  readonly name: string;
  readonly type: RecordTypeDef;
  /** VAL's definition; for waveforms its type is FTVL (the element type). */
  readonly valDef: FieldDef;
  readonly valType: FieldType;
  readonly aliases: string[] = [];
  readonly info = new Map<string, string>();

  private readonly host: RecordHost;
  private readonly values = new Map<string, Scalar>();
  private val: RecordValue;
  private nord = 0;
  private stat = UDF_ALARM;
  private sevr = INVALID_ALARM;
  private acks = 0;
  private ackt = 1;
  private udf = true;
  private stamp: EpicsTimeStamp = ZERO_STAMP;
  private agentAlarm: { status: number; severity: number } | undefined;
  /** Waveform/string "On Change" posting compares against the value last posted. */
  private lastPosted: RecordValue | undefined;
  private isRemoved = false;

  private readonly listeners = new Map<string, Set<PvListener>>();
  private readonly snapshots = new Map<string, ValueSnapshot>();
  private readonly metas = new Map<string, Metadata>();
  private readonly pending = new Map<string, number>();
  private readonly writeCallbacks = new Set<WriteCallback>();

  constructor(host: RecordHost, type: RecordTypeDef, name: string, ftvl = 0, nelm = 1) {
    this.host = host;
    this.type = type;
    this.name = name;
    const baseVal = type.fields.get('VAL')!;
    if (type.kind === 'waveform') {
      this.values.set('FTVL', ftvl);
      this.values.set('NELM', Math.max(1, Math.trunc(nelm)));
      this.valType = ftvlType(ftvl);
      this.valDef = { ...baseVal, type: this.valType, size: 40 };
      this.val = this.emptyArray(0);
    } else {
      this.valType = baseVal.type;
      this.valDef = baseVal;
      this.val = isStringType(this.valType) ? '' : 0;
    }
  }

  // ---- field access -------------------------------------------------------------------------

  /** The definition of a field, or undefined if the record type has no such field. */
  fieldDef(field: string): FieldDef | undefined {
    return field === 'VAL' ? this.valDef : this.type.fields.get(field);
  }

  /** Current value of a scalar field (VAL of a waveform returns its elements). */
  field(name: string): RecordValue {
    switch (name) {
      case 'VAL':
        return this.val;
      case 'NAME':
        return this.name;
      case 'RTYP':
        return this.type.name;
      case 'STAT':
        return this.stat;
      case 'SEVR':
        return this.sevr;
      case 'ACKS':
        return this.acks;
      case 'ACKT':
        return this.ackt;
      case 'UDF':
        return this.udf ? 1 : 0;
      case 'NORD':
        return this.nord;
    }
    const v = this.values.get(name);
    if (v !== undefined) return v;
    const def = this.type.fields.get(name);
    if (!def) throw new RangeError(`record type ${this.type.name} has no field ${name}`);
    return def.initial ?? (isStringType(def.type) ? '' : 0);
  }

  num(name: string): number {
    const v = this.field(name);
    return typeof v === 'number' ? v : Number(v);
  }

  str(name: string): string {
    const v = this.field(name);
    return typeof v === 'string' ? v : String(v);
  }

  /** The current value: a number, a string, or a waveform's first NORD elements. */
  get(): RecordValue {
    return this.val;
  }

  get isDefined(): boolean {
    return !this.udf;
  }

  get removed(): boolean {
    return this.isRemoved;
  }

  get alarm(): { status: number; severity: number } {
    return { status: this.stat, severity: this.sevr };
  }

  get timeStamp(): EpicsTimeStamp {
    return this.stamp;
  }

  // ---- the agent's API ----------------------------------------------------------------------

  /** Sets VAL and processes: alarms, time stamp, monitors (as a device support read would). */
  set(value: RecordInput, options: SetOptions = {}): void {
    const v = this.fromInput(value);
    if (v === undefined)
      throw new TypeError(`${this.name}: cannot set ${JSON.stringify(value)} on a ${this.type.name}`);
    this.assignVal(v);
    this.agentAlarm =
      options.severity !== undefined && options.severity > NO_ALARM
        ? { severity: options.severity, status: options.status ?? SOFT_ALARM }
        : undefined;
    this.process(options.stamp === undefined ? undefined : toEpicsStamp(options.stamp));
  }

  /** Raises (or with NO_ALARM clears) the agent's alarm without changing the value, and processes. */
  setAlarm(severity: number, status: number = SOFT_ALARM, stamp?: EpicsTimeStamp | Date | number): void {
    this.agentAlarm = severity > NO_ALARM ? { severity, status } : undefined;
    this.process(stamp === undefined ? undefined : toEpicsStamp(stamp));
  }

  /** Writes a non-VAL field from code, with the same effects as a CA put (posts, processing). */
  setField(name: string, value: Scalar): void {
    if (name === 'VAL') {
      this.set(value);
      return;
    }
    const def = this.type.fields.get(name);
    if (!def) throw new RangeError(`record type ${this.type.name} has no field ${name}`);
    if (def.readOnly) throw new RangeError(`${this.name}.${name} is read-only`);
    const v = convertElement(def.type, def, value, true, this.convertContext(def));
    if (v === undefined) throw new TypeError(`${this.name}.${name}: bad value ${String(value)}`);
    this.storeField(def, v);
  }

  /** Registers a callback for CA puts to VAL/PROC; returns the function that unregisters it. */
  onWrite(callback: WriteCallback): () => void {
    this.writeCallbacks.add(callback);
    return () => this.writeCallbacks.delete(callback);
  }

  /** Removes the record (and its aliases) from its database; its channels are disconnected. */
  remove(): void {
    if (!this.isRemoved) this.host.removeRecord(this);
  }

  /** Called by the database once the record is unlinked. */
  markRemoved(): void {
    this.isRemoved = true;
    this.listeners.clear();
    this.writeCallbacks.clear();
  }

  // ---- loading --------------------------------------------------------------------------------

  /**
   * Stores a field value at load time (no posts, no processing); throws TypeError on a value the
   * field cannot hold. VAL marks the record defined (unless NaN). FTVL/NELM are fixed at creation.
   */
  initField(name: string, value: RecordInput): void {
    if (name === 'VAL') {
      const v = this.fromInput(value);
      if (v === undefined) throw new TypeError(`bad value for ${this.type.name} VAL`);
      this.assignVal(v);
      this.primeLastValues();
    } else {
      const def = this.type.fields.get(name);
      if (!def) throw new TypeError(`record type ${this.type.name} has no field ${name}`);
      const input = typeof value === 'boolean' ? Number(value) : value;
      if (typeof input !== 'number' && typeof input !== 'string')
        throw new TypeError(`${name} is not an array field`);
      const v = convertElement(def.type, def, input, true, this.convertContext(def));
      if (v === undefined) throw new TypeError(`bad value ${JSON.stringify(input)} for ${name}`);
      if (name === 'UDF') this.udf = v !== 0;
      else if (name === 'ACKT') this.ackt = v as number;
      else this.values.set(name, v);
    }
    this.metas.clear();
    this.snapshots.clear();
  }

  /** Makes MLST/ALST/LALM/OVAL start from VAL, as init_record does, so the first process posts changes only. */
  private primeLastValues(): void {
    if (typeof this.val === 'number') {
      for (const f of ['MLST', 'ALST', 'LALM']) if (this.type.fields.has(f)) this.values.set(f, this.val);
    } else if (typeof this.val === 'string') {
      this.values.set('OVAL', this.val);
    }
    this.lastPosted = this.val;
  }

  // ---- processing ----------------------------------------------------------------------------

  /** dbProcess: clamp outputs, evaluate alarms, stamp (now unless given), post monitors. */
  process(stamp?: EpicsTimeStamp): void {
    if (this.isRemoved) return;
    if (this.num('DISA') === this.num('DISV')) {
      this.processDisabled();
      return;
    }
    if (this.type.kind === 'analog' && this.type.isOutput && typeof this.val === 'number') {
      this.val = this.clamp(this.val);
    }
    this.stamp = stamp ?? this.host.now();
    let nsta = NO_ALARM;
    let nsev = NO_ALARM;
    const raise: RaiseAlarm = (status, severity) => {
      if (severity <= nsev) return false;
      nsev = severity;
      nsta = status;
      return true;
    };
    // As in EPICS, the device (here: the agent's) alarm is raised first, and the first alarm of the
    // highest severity wins: a never-read value is READ/INVALID, not UDF/INVALID.
    if (this.agentAlarm) raise(this.agentAlarm.status, this.agentAlarm.severity);
    if (this.udf) raise(UDF_ALARM, this.num('UDFS'));
    else this.checkAlarms(raise);
    const valueMask = this.valueMask();
    this.snapshots.clear();
    const valMask = this.resetAlarms(nsta, nsev) | valueMask;
    if (valMask) this.post('VAL', valMask);
  }

  /** dbProcess of a disabled record (DISA = DISV): DISABLE alarm with DISS severity, posted once. */
  private processDisabled(): void {
    if (this.stat === DISABLE_ALARM) return;
    this.stat = DISABLE_ALARM;
    this.sevr = this.num('DISS');
    this.snapshots.clear();
    this.post('STAT', DBE_VALUE);
    this.post('SEVR', DBE_VALUE);
    this.post('VAL', DBE_VALUE | DBE_ALARM);
  }

  private checkAlarms(raise: RaiseAlarm): void {
    const v = this.val;
    if (typeof v !== 'number') return;
    switch (this.type.kind) {
      case 'analog': {
        const limits = {
          hihi: this.num('HIHI'),
          high: this.num('HIGH'),
          low: this.num('LOW'),
          lolo: this.num('LOLO'),
          hhsv: this.num('HHSV'),
          hsv: this.num('HSV'),
          lsv: this.num('LSV'),
          llsv: this.num('LLSV'),
          hyst: this.num('HYST'),
        };
        this.values.set('LALM', analogAlarms(v, limits, this.num('LALM'), raise));
        return;
      }
      case 'binary':
        this.values.set(
          'LALM',
          stateAlarms(
            v,
            [this.num('ZSV'), this.num('OSV')],
            NO_ALARM,
            this.num('COSV'),
            this.num('LALM'),
            raise,
          ),
        );
        return;
      case 'multibit':
        this.values.set(
          'LALM',
          stateAlarms(
            v,
            MBB_SEVERITY_FIELDS.map((f) => this.num(f)),
            this.num('UNSV'),
            this.num('COSV'),
            this.num('LALM'),
            raise,
          ),
        );
        return;
      default:
        return;
    }
  }

  /** recGblResetAlarms: commit the new alarm, post SEVR/STAT/ACKS, return DBE_ALARM for VAL if changed. */
  private resetAlarms(nsta: number, nsev: number): number {
    const prevStat = this.stat;
    const prevSevr = this.sevr;
    this.stat = nsta;
    this.sevr = nsev;
    let statMask = 0;
    if (prevSevr !== nsev) {
      statMask = DBE_ALARM;
      this.post('SEVR', DBE_VALUE);
    }
    if (prevStat !== nsta) statMask |= DBE_VALUE;
    if (!statMask) return 0;
    this.post('STAT', statMask);
    // With ACKT (transient alarms must be acknowledged) ACKS only rises; without it ACKS follows SEVR.
    if (!this.ackt || nsev >= this.acks) {
      this.acks = nsev;
      this.post('ACKS', DBE_VALUE);
    }
    return DBE_ALARM;
  }

  /** The DBE_VALUE/DBE_LOG bits this processing earns (deadbands, change, or MPST/APST). */
  private valueMask(): number {
    const v = this.val;
    let mask = 0;
    switch (this.type.kind) {
      case 'analog': {
        const n = v as number;
        if (passesDeadband(this.num('MLST'), n, this.num('MDEL'))) {
          this.values.set('MLST', n);
          mask |= DBE_VALUE;
        }
        if (passesDeadband(this.num('ALST'), n, this.num('ADEL'))) {
          this.values.set('ALST', n);
          mask |= DBE_LOG;
        }
        return mask;
      }
      case 'binary':
      case 'multibit':
        if (this.num('MLST') !== v) {
          this.values.set('MLST', v as number);
          mask = DBE_VALUE | DBE_LOG;
        }
        return mask;
      default: {
        // stringin/stringout/waveform: MPST/APST choose "Always" or "On Change".
        const changed = !sameValue(this.lastPosted, v);
        const always = this.type.kind === 'waveform' ? 0 : 1;
        if (changed || this.num('MPST') === always) mask |= DBE_VALUE;
        if (changed || this.num('APST') === always) mask |= DBE_LOG;
        if (changed) {
          this.lastPosted = v;
          if (typeof v === 'string') this.values.set('OVAL', v);
        }
        return mask;
      }
    }
  }

  private clamp(v: number): number {
    const drvh = this.num('DRVH');
    const drvl = this.num('DRVL');
    if (drvh > drvl) {
      if (v > drvh) return drvh;
      if (v < drvl) return drvl;
    }
    return v;
  }

  // ---- values -------------------------------------------------------------------------------

  private valIsUndefined(): boolean {
    return typeof this.val === 'number' && Number.isNaN(this.val);
  }

  /** Stores a new VAL (already in the right representation) and clears UDF unless it is NaN. */
  private assignVal(v: RecordValue): void {
    if (typeof v === 'number') {
      let n = castToType(this.valType, v);
      if (this.type.kind === 'binary') n = n ? 1 : 0;
      if (this.type.isOutput && this.type.kind === 'analog') n = this.clamp(n);
      this.val = n;
    } else if (typeof v === 'string') {
      this.val = v;
    } else {
      this.val = v;
      this.setNord(v.length);
    }
    this.udf = this.valIsUndefined();
  }

  private setNord(n: number): void {
    if (n === this.nord) return;
    this.nord = n;
    this.snapshots.clear();
    this.post('NORD', DBE_VALUE | DBE_LOG);
  }

  private emptyArray(length: number): ArrayValue {
    if (this.valType === 'STRING') return new Array<string>(length).fill('');
    const Ctor = TYPED_ARRAYS[this.valType as keyof typeof TYPED_ARRAYS];
    return new Ctor(length);
  }

  /** Agent input -> VAL representation (a fresh array for waveforms: snapshots stay immutable). */
  private fromInput(value: RecordInput): RecordValue | undefined {
    if (this.type.kind === 'waveform') {
      const nelm = this.num('NELM');
      let items: ArrayLike<number | string>;
      if (typeof value === 'string') {
        items = this.valType === 'STRING' ? [value] : stringToBytes(value, nelm);
      } else if (typeof value === 'number' || typeof value === 'boolean') {
        items = [Number(value)];
      } else {
        items = value;
      }
      return this.arrayFrom(items, true);
    }
    const ctx = this.convertContext(this.valDef);
    const v = typeof value === 'boolean' ? Number(value) : value;
    if (typeof v !== 'number' && typeof v !== 'string') return undefined;
    return convertElement(this.valType, this.valDef, v, true, ctx);
  }

  /** Builds a new element array of at most NELM elements from numbers or strings; undefined on failure. */
  private arrayFrom(items: ArrayLike<number | string>, floatSource: boolean): ArrayValue | undefined {
    const n = Math.min(items.length, this.num('NELM'));
    const out = this.emptyArray(n);
    if (ArrayBuffer.isView(out) && this.valType !== 'INT64' && this.valType !== 'UINT64') {
      if (ArrayBuffer.isView(items) && !(items instanceof DataView)) {
        // Typed array in, typed array out: the element conversion is the typed array's own C-like cast.
        out.set((items as unknown as Float64Array).subarray(0, n));
        return out;
      }
      let numeric = true;
      for (let i = 0; i < n && numeric; i++) numeric = typeof items[i] === 'number';
      if (numeric) {
        for (let i = 0; i < n; i++) out[i] = items[i] as number;
        return out;
      }
    }
    const ctx = this.convertContext(this.valDef);
    for (let i = 0; i < n; i++) {
      const v = convertElement(this.valType, this.valDef, items[i]!, floatSource, ctx);
      if (v === undefined) return undefined;
      (out as (number | string)[])[i] = v;
    }
    return out;
  }

  private convertContext(def: FieldDef): ConvertContext {
    const hasPrec = this.type.fields.has('PREC');
    return {
      precision: hasPrec ? this.num('PREC') : 6,
      states: def.name === 'VAL' && def.type === 'ENUM' ? stateStrings(this) : undefined,
    };
  }

  // ---- CA puts ------------------------------------------------------------------------------

  /** Access bits of a field for a client: access security, minus write on read-only fields. */
  accessRights(field: string, who: ClientIdentity): number {
    if (this.isRemoved) return 0;
    const def = this.fieldDef(field);
    if (!def) return 0;
    const asg = this.str('ASG') || 'DEFAULT';
    const bits = this.host.rights(asg, def.asl, who);
    return def.readOnly ? bits & ~CA_PROTO_ACCESS_RIGHT_WRITE : bits;
  }

  /** A CA put to `field` (`longString`: the `FIELD$` char-array form). Resolves to an ECA status. */
  put(field: string, longString: boolean, data: DecodedDbr, who: ClientIdentity): Promise<number> | number {
    const def = this.fieldDef(field);
    if (!def || this.isRemoved) return ECA_PUTFAIL;
    const rights = this.host.rights(this.str('ASG') || 'DEFAULT', def.asl, who);
    if (!(rights & CA_PROTO_ACCESS_RIGHT_WRITE)) return ECA_NOWTACCESS;
    if (data.dbrType === DBR_PUT_ACKT || data.dbrType === DBR_PUT_ACKS) return this.acknowledge(data);
    if (def.readOnly) return ECA_NOWTACCESS;
    const items = data.value;
    const count = Math.min(items.length, data.count > 0 ? data.count : items.length);
    const floatSource = isFloatDbr(data.dbrType);
    if (longString) {
      const text =
        typeof items[0] === 'string' ? items[0] : bytesToString((items as number[]).slice(0, count));
      return this.putConverted(def, text, who);
    }
    if (field === 'VAL' && this.type.kind === 'waveform') {
      const arr = this.arrayFrom(items.slice(0, count), floatSource);
      if (arr === undefined) return ECA_PUTFAIL;
      return this.putConverted(def, arr, who);
    }
    const first = items[0];
    if (first === undefined || count < 1) return ECA_PUTFAIL;
    const v = convertElement(def.type, def, first, floatSource, this.convertContext(def));
    if (v === undefined) return ECA_PUTFAIL;
    return this.putConverted(def, v, who);
  }

  private putConverted(def: FieldDef, v: RecordValue, who: ClientIdentity): Promise<number> | number {
    if (def.name === 'VAL') {
      this.assignVal(v);
      this.process();
      return this.notifyWrite(who);
    }
    if (def.name === 'PROC') {
      this.process();
      return this.notifyWrite(who);
    }
    if (typeof v === 'object') return ECA_PUTFAIL;
    if (isStringType(def.type) && typeof v === 'string' && def.size !== undefined && v.length >= def.size) {
      v = v.slice(0, def.size - 1);
    }
    this.storeField(def, v);
    return ECA_NORMAL;
  }

  /** dbPut of a non-VAL field: store, post the field, post DBE_PROPERTY if metadata, process if pp. */
  private storeField(def: FieldDef, v: Scalar): void {
    if (def.name === 'UDF') this.udf = v !== 0;
    else this.values.set(def.name, v);
    this.snapshots.clear();
    this.metas.clear();
    this.post(def.name, DBE_VALUE | DBE_LOG);
    if (def.prop) this.post(ALL_CHANNELS, DBE_PROPERTY);
    if (def.name === 'ASG') this.host.asgChanged();
    if (def.pp) this.process();
  }

  private notifyWrite(who: ClientIdentity): Promise<number> | number {
    if (this.writeCallbacks.size === 0) return ECA_NORMAL;
    const value = this.val;
    const results: Promise<void>[] = [];
    try {
      for (const cb of this.writeCallbacks) {
        const r = cb(value, who);
        if (r instanceof Promise) results.push(r);
      }
    } catch {
      return ECA_PUTFAIL;
    }
    if (results.length === 0) return ECA_NORMAL;
    return Promise.all(results).then(
      () => ECA_NORMAL,
      () => ECA_PUTFAIL,
    );
  }

  /** DBR_PUT_ACKT / DBR_PUT_ACKS (ca-protocol.md §7.4): both post DBE_ALARM to VAL channels. */
  private acknowledge(data: DecodedDbr): number {
    const v = Number(data.value[0] ?? 0);
    const prevAcks = this.acks;
    if (data.dbrType === DBR_PUT_ACKT) {
      this.ackt = v ? 1 : 0;
      if (!this.ackt && this.acks > this.sevr) this.acks = this.sevr;
    } else if (v >= this.acks) {
      this.acks = 0;
    }
    this.snapshots.clear();
    if (data.dbrType === DBR_PUT_ACKT) this.post('ACKT', DBE_VALUE);
    if (this.acks !== prevAcks) this.post('ACKS', DBE_VALUE);
    this.post('VAL', DBE_ALARM);
    return ECA_NORMAL;
  }

  // ---- snapshots and monitors ----------------------------------------------------------------

  /** The channel of `key` ("VAL", "HIHI", "DESC$"...): native type and capacity. */
  channelShape(key: string): { nativeType: ValueSnapshot['nativeType']; maxCount: number } | undefined {
    const isLong = key.endsWith('$');
    const field = isLong ? key.slice(0, -1) : key;
    const def = this.fieldDef(field);
    if (!def) return undefined;
    if (isLong) {
      // `$` applies to string and link fields; a waveform's VAL is an array whatever its FTVL.
      if (!isStringType(def.type) || (field === 'VAL' && this.type.kind === 'waveform')) return undefined;
      return { nativeType: DBF_CHAR, maxCount: def.size ?? 40 };
    }
    const maxCount = field === 'VAL' && this.type.kind === 'waveform' ? this.num('NELM') : 1;
    return { nativeType: caNativeType(def.type), maxCount };
  }

  /** The current snapshot of a channel key; cached until something changes, never mutated. */
  snapshot(key: string): ValueSnapshot {
    const cached = this.snapshots.get(key);
    if (cached) return cached;
    const snap = this.buildSnapshot(key);
    this.snapshots.set(key, snap);
    return snap;
  }

  private buildSnapshot(key: string): ValueSnapshot {
    const isLong = key.endsWith('$');
    const field = isLong ? key.slice(0, -1) : key;
    const def = this.fieldDef(field)!;
    let nativeType: ValueSnapshot['nativeType'];
    let value: ValueSnapshot['value'];
    let count = 1;
    let meta = EMPTY_METADATA;
    if (isLong) {
      value = stringToBytes(this.str(field), def.size ?? 40);
      nativeType = DBF_CHAR;
      count = value.length;
    } else {
      nativeType = caNativeType(def.type);
      meta = this.metadata(field, def);
      if (field === 'VAL' && this.type.kind === 'waveform') {
        value = this.val as ArrayValue;
        count = this.nord;
      } else {
        const v = this.field(field) as Scalar;
        value = typeof v === 'string' ? [v] : [v];
      }
    }
    // One object literal of a fixed shape: this runs once per change of a monitored record.
    return {
      nativeType,
      value,
      count,
      status: this.stat,
      severity: this.sevr,
      stamp: this.stamp,
      meta,
      ackt: this.ackt,
      acks: this.acks,
      className: this.type.name,
    };
  }

  private metadata(field: string, def: FieldDef): Metadata {
    let m = this.metas.get(field);
    if (!m) {
      m = field === 'VAL' ? valueMetadata(this) : fieldMetadata(this, def);
      this.metas.set(field, m);
    }
    return m;
  }

  /** Subscribes to a channel key; returns the unsubscribe function. */
  subscribe(key: string, listener: PvListener): () => void {
    if (this.isRemoved) return () => undefined;
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    // Each subscription gets its own entry even if the same function subscribes twice.
    const entry: PvListener = (mask, snap) => listener(mask, snap);
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.listeners.get(key) === set) this.listeners.delete(key);
    };
  }

  /** db_post_events: to the field's channels (and its `$` form), or with ALL_CHANNELS to every channel. */
  private post(field: string, mask: number): void {
    if (this.host.isBatching()) {
      this.pending.set(field, (this.pending.get(field) ?? 0) | mask);
      this.host.markDirty(this);
      return;
    }
    this.emit(field, mask);
  }

  private emit(field: string, mask: number): void {
    if (this.listeners.size === 0) return;
    if (field === ALL_CHANNELS) {
      for (const [key, set] of [...this.listeners]) this.deliver(key, set, mask);
      return;
    }
    const set = this.listeners.get(field);
    if (set) this.deliver(field, set, mask);
    const longSet = this.listeners.get(`${field}$`);
    if (longSet) this.deliver(`${field}$`, longSet, mask);
  }

  private deliver(key: string, set: Set<PvListener>, mask: number): void {
    if (set.size === 0) return;
    const snap = this.snapshot(key);
    for (const listener of set) listener(mask, snap);
  }

  /** End of a batch: one post per field with the union of the masks collected. */
  flush(): void {
    if (this.pending.size === 0) return;
    const posts = [...this.pending];
    this.pending.clear();
    const property = posts.find(([f]) => f === ALL_CHANNELS);
    for (const [field, mask] of posts) if (field !== ALL_CHANNELS) this.emit(field, mask);
    if (property) this.emit(ALL_CHANNELS, property[1]);
  }

  /** Number of live subscriptions (for tests and diagnostics). */
  get subscriptionCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
}

function sameValue(a: RecordValue | undefined, b: RecordValue): boolean {
  if (a === b) return true;
  if (a === undefined || typeof a !== 'object' || typeof b !== 'object') return false;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
