// The public vocabulary of a soft record: what the agent holds (RecordHandle), what it passes to
// set() and receives from get(), and what a record needs from its database (RecordHost).
// Types and one pure time conversion only: no state, no behaviour of the record itself.
import { POSIX_TIME_AT_EPICS_EPOCH } from '../../ca/constants.js';
import type { EpicsTimeStamp } from '../../ca/value.js';
import type { ClientIdentity } from '../server/pv.js';
import type { Record } from './record.js';
import type { RecordTypeDef } from './record-types.js';
import type { Scalar } from './value-convert.js';

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
