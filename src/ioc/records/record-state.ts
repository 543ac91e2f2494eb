// The mutable state of one soft record (field values, VAL, alarm, time stamp, caches, listeners),
// reading its fields and storing their values. The record's behaviour modules (record-input, record-process,
// record-put, record-monitors) operate on this object; Record is the facade the rest of the
// code sees. No behaviour beyond reading and storing fields here: no posts, no processing.
import { INVALID_ALARM, UDF_ALARM } from '../../ca/constants.js';
import type { EpicsTimeStamp, Metadata, ValueSnapshot } from '../../ca/value.js';
import type { PvListener } from '../server/pv.js';
import { isStringType } from './field-def.js';
import type { FieldDef, FieldType } from './field-def.js';
import type { FieldReader } from './metadata.js';
import type { Record } from './record.js';
import type { RecordHost, RecordValue, WriteCallback } from './record-api.js';
import { emptyArray } from './record-input.js';
import { ftvlType } from './record-types.js';
import type { RecordTypeDef } from './record-types.js';
import type { Scalar } from './value-convert.js';

const ZERO_STAMP: EpicsTimeStamp = Object.freeze({ secPastEpoch: 0, nsec: 0 });

/** The state of one record, shared by its behaviour modules (not exported from the package). */
export class RecordState implements FieldReader {
  /** The facade the host is told about (markDirty, removeRecord). */
  readonly owner: Record;
  readonly host: RecordHost;
  readonly name: string;
  readonly type: RecordTypeDef;
  /** VAL's definition; for waveforms its type is FTVL (the element type). */
  readonly valDef: FieldDef;
  readonly valType: FieldType;
  readonly values = new Map<string, Scalar>();
  val: RecordValue;
  nord = 0;
  stat = UDF_ALARM;
  sevr = INVALID_ALARM;
  acks = 0;
  ackt = 1;
  udf = true;
  /**
   * ASG, kept apart from the other fields (rsrv resolves it to the record's asp when it is written):
   * every channel and every put asks for it.
   */
  asg = '';
  stamp: EpicsTimeStamp = ZERO_STAMP;
  agentAlarm: { status: number; severity: number } | undefined;
  /** Waveform/string "On Change" posting compares against the value last posted. */
  lastPosted: RecordValue | undefined;
  isRemoved = false;

  readonly listeners = new Map<string, Set<PvListener>>();
  readonly snapshots = new Map<string, ValueSnapshot>();
  readonly metas = new Map<string, Metadata>();
  readonly pending = new Map<string, number>();
  readonly writeCallbacks = new Set<WriteCallback>();

  constructor(
    owner: Record,
    host: RecordHost,
    type: RecordTypeDef,
    name: string,
    ftvl: number,
    nelm: number,
  ) {
    this.owner = owner;
    this.host = host;
    this.type = type;
    this.name = name;
    const baseVal = type.fields.get('VAL')!;
    if (type.kind === 'waveform') {
      this.values.set('FTVL', ftvl);
      this.values.set('NELM', Math.max(1, Math.trunc(nelm)));
      this.valType = ftvlType(ftvl);
      this.valDef = { ...baseVal, type: this.valType, size: 40 };
      this.val = emptyArray(this.valType, 0);
    } else {
      this.valType = baseVal.type;
      this.valDef = baseVal;
      this.val = isStringType(this.valType) ? '' : 0;
    }
  }

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
      case 'ASG':
        return this.asg;
    }
    const v = this.values.get(name);
    if (v !== undefined) return v;
    const def = this.type.fields.get(name);
    if (!def) throw new RangeError(`record type ${this.type.name} has no field ${name}`);
    return def.initial ?? (isStringType(def.type) ? '' : 0);
  }

  /** Stores a field's value, already converted to its type (not VAL: see assignVal). No posts. */
  store(name: string, v: Scalar): void {
    if (name === 'UDF') this.udf = v !== 0;
    else if (name === 'ACKT') this.ackt = v as number;
    else if (name === 'ASG') this.asg = v as string;
    else this.values.set(name, v);
  }

  /** The access security group that rules this record's channels (an empty ASG means DEFAULT). */
  get asgName(): string {
    return this.asg || 'DEFAULT';
  }

  num(name: string): number {
    const v = this.field(name);
    return typeof v === 'number' ? v : Number(v);
  }

  str(name: string): string {
    const v = this.field(name);
    return typeof v === 'string' ? v : String(v);
  }
}
