// One soft record as the rest of the code sees it: the handle the agent holds and what the
// record's channels read, write and monitor. A thin facade over RecordState: input conversion,
// processing and alarms, CA puts, and snapshots/monitors live in the record-* modules.
// Snapshots are cached and immutable: arrays are replaced on change, never mutated in place.
// No sockets, no timers, no files; the owning database is reached only through RecordHost.
import { NO_ALARM, SOFT_ALARM } from '../../ca/constants.js';
import type { DecodedDbr, EpicsTimeStamp, ValueSnapshot } from '../../ca/value.js';
import type { ClientIdentity, PvListener } from '../server/pv.js';
import type { FieldDef, FieldType } from './field-def.js';
import type { FieldReader } from './metadata.js';
import { toEpicsStamp } from './record-api.js';
import type {
  RecordHandle,
  RecordHost,
  RecordInput,
  RecordValue,
  SetOptions,
  WriteCallback,
} from './record-api.js';
import { assignVal, convertContext, fromInput } from './record-input.js';
import { channelShape, flush, snapshot, subscribe, subscriptionCount } from './record-monitors.js';
import { primeLastValues, processRecord } from './record-process.js';
import { accessRights, put, storeField } from './record-put.js';
import { RecordState } from './record-state.js';
import type { RecordTypeDef } from './record-types.js';
import { convertElement } from './value-convert.js';
import type { Scalar } from './value-convert.js';

export { toEpicsStamp } from './record-api.js';
export type {
  ArrayValue,
  RecordHandle,
  RecordHost,
  RecordInput,
  RecordValue,
  SetOptions,
  WriteCallback,
} from './record-api.js';

/** A soft record: the handle the agent holds, and what the record's channels read and write. */
export class Record implements FieldReader, RecordHandle {
  readonly name: string;
  readonly type: RecordTypeDef;
  /** VAL's definition; for waveforms its type is FTVL (the element type). */
  readonly valDef: FieldDef;
  readonly valType: FieldType;
  readonly aliases: string[] = [];
  readonly info = new Map<string, string>();

  private readonly s: RecordState;

  constructor(host: RecordHost, type: RecordTypeDef, name: string, ftvl = 0, nelm = 1) {
    this.s = new RecordState(this, host, type, name, ftvl, nelm);
    this.type = type;
    this.name = name;
    this.valDef = this.s.valDef;
    this.valType = this.s.valType;
  }

  // ---- field access -------------------------------------------------------------------------

  /** The definition of a field, or undefined if the record type has no such field. */
  fieldDef(field: string): FieldDef | undefined {
    return this.s.fieldDef(field);
  }

  /** Current value of a scalar field (VAL of a waveform returns its elements). */
  field(name: string): RecordValue {
    return this.s.field(name);
  }

  num(name: string): number {
    return this.s.num(name);
  }

  str(name: string): string {
    return this.s.str(name);
  }

  /** The current value: a number, a string, or a waveform's first NORD elements. */
  get(): RecordValue {
    return this.s.val;
  }

  get isDefined(): boolean {
    return !this.s.udf;
  }

  get removed(): boolean {
    return this.s.isRemoved;
  }

  get alarm(): { status: number; severity: number } {
    return { status: this.s.stat, severity: this.s.sevr };
  }

  get timeStamp(): EpicsTimeStamp {
    return this.s.stamp;
  }

  // ---- the agent's API ----------------------------------------------------------------------

  /** Sets VAL and processes: alarms, time stamp, monitors (as a device support read would). */
  set(value: RecordInput, options: SetOptions = {}): void {
    const v = fromInput(this.s, value);
    if (v === undefined)
      throw new TypeError(`${this.name}: cannot set ${JSON.stringify(value)} on a ${this.type.name}`);
    assignVal(this.s, v);
    this.s.agentAlarm =
      options.severity !== undefined && options.severity > NO_ALARM
        ? { severity: options.severity, status: options.status ?? SOFT_ALARM }
        : undefined;
    processRecord(this.s, options.stamp === undefined ? undefined : toEpicsStamp(options.stamp));
  }

  /** Raises (or with NO_ALARM clears) the agent's alarm without changing the value, and processes. */
  setAlarm(severity: number, status: number = SOFT_ALARM, stamp?: EpicsTimeStamp | Date | number): void {
    this.s.agentAlarm = severity > NO_ALARM ? { severity, status } : undefined;
    processRecord(this.s, stamp === undefined ? undefined : toEpicsStamp(stamp));
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
    const v = convertElement(def.type, def, value, true, convertContext(this.s, def));
    if (v === undefined) throw new TypeError(`${this.name}.${name}: bad value ${String(value)}`);
    storeField(this.s, def, v);
  }

  /** Registers a callback for CA puts to VAL/PROC; returns the function that unregisters it. */
  onWrite(callback: WriteCallback): () => void {
    const callbacks = this.s.writeCallbacks;
    callbacks.add(callback);
    return () => callbacks.delete(callback);
  }

  /** Removes the record (and its aliases) from its database; its channels are disconnected. */
  remove(): void {
    if (!this.s.isRemoved) this.s.host.removeRecord(this);
  }

  /** Called by the database once the record is unlinked. */
  markRemoved(): void {
    this.s.isRemoved = true;
    this.s.listeners.clear();
    this.s.writeCallbacks.clear();
  }

  // ---- loading --------------------------------------------------------------------------------

  /**
   * Stores a field value at load time (no posts, no processing); throws TypeError on a value the
   * field cannot hold. VAL marks the record defined (unless NaN). FTVL/NELM are fixed at creation.
   */
  initField(name: string, value: RecordInput): void {
    const s = this.s;
    if (name === 'VAL') {
      const v = fromInput(s, value);
      if (v === undefined) throw new TypeError(`bad value for ${this.type.name} VAL`);
      assignVal(s, v);
      primeLastValues(s);
    } else {
      const def = this.type.fields.get(name);
      if (!def) throw new TypeError(`record type ${this.type.name} has no field ${name}`);
      const input = typeof value === 'boolean' ? Number(value) : value;
      if (typeof input !== 'number' && typeof input !== 'string')
        throw new TypeError(`${name} is not an array field`);
      const v = convertElement(def.type, def, input, true, convertContext(s, def));
      if (v === undefined) throw new TypeError(`bad value ${JSON.stringify(input)} for ${name}`);
      s.store(name, v);
    }
    s.metas.clear();
    s.snapshots.clear();
  }

  // ---- processing, puts, channels -------------------------------------------------------------

  /** dbProcess: clamp outputs, evaluate alarms, stamp (now unless given), post monitors. */
  process(stamp?: EpicsTimeStamp): void {
    processRecord(this.s, stamp);
  }

  /** Access bits of a field for a client: access security, minus write on read-only fields. */
  accessRights(field: string, who: ClientIdentity): number {
    return accessRights(this.s, field, who);
  }

  /** A CA put to `field` (`longString`: the `FIELD$` char-array form). Resolves to an ECA status. */
  put(field: string, longString: boolean, data: DecodedDbr, who: ClientIdentity): Promise<number> | number {
    return put(this.s, field, longString, data, who);
  }

  /** The channel of `key` ("VAL", "HIHI", "DESC$"...): native type and capacity. */
  channelShape(key: string): { nativeType: ValueSnapshot['nativeType']; maxCount: number } | undefined {
    return channelShape(this.s, key);
  }

  /** The current snapshot of a channel key; cached until something changes, never mutated. */
  snapshot(key: string): ValueSnapshot {
    return snapshot(this.s, key);
  }

  /** Subscribes to a channel key; returns the unsubscribe function. */
  subscribe(key: string, listener: PvListener): () => void {
    return subscribe(this.s, key, listener);
  }

  /** End of a batch: one post per field with the union of the masks collected. */
  flush(): void {
    flush(this.s);
  }

  /** Number of live subscriptions (for tests and diagnostics). */
  get subscriptionCount(): number {
    return subscriptionCount(this.s);
  }
}
