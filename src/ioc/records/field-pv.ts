// One CA channel name bound to a record field (`REC`, `REC.HIHI`, `ALIAS.DESC$`): the ServedPv the
// server talks to. A thin view: values, posts and access come from the record, so every name of
// the same field sees the same snapshots and events.
import type { DbfType } from '../../ca/constants.js';
import type { DecodedDbr, ValueSnapshot } from '../../ca/value.js';
import type { ClientIdentity, PvListener, ServedPv } from '../server/pv.js';
import type { Record } from './record.js';

export class FieldPv implements ServedPv {
  readonly name: string;
  readonly nativeType: DbfType;
  readonly maxCount: number;
  readonly record: Record;
  /** The field, and whether this is its `$` long-string (CHAR array) form. */
  readonly field: string;
  readonly isLongString: boolean;
  private readonly key: string;

  constructor(name: string, record: Record, field: string, isLongString: boolean) {
    const key = isLongString ? `${field}$` : field;
    const shape = record.channelShape(key);
    if (!shape) throw new RangeError(`${record.name} has no channel ${key}`);
    this.name = name;
    this.record = record;
    this.field = field;
    this.isLongString = isLongString;
    this.key = key;
    this.nativeType = shape.nativeType;
    this.maxCount = shape.maxCount;
  }

  snapshot(): ValueSnapshot {
    return this.record.snapshot(this.key);
  }

  write(data: DecodedDbr, who: ClientIdentity): Promise<number> | number {
    return this.record.put(this.field, this.isLongString, data, who);
  }

  accessRights(who: ClientIdentity): number {
    return this.record.accessRights(this.field, who);
  }

  subscribe(listener: PvListener): () => void {
    return this.record.subscribe(this.key, listener);
  }
}
