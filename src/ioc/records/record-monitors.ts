// A record's channels as the server sees them: channel shapes, cached immutable snapshots with
// their metadata, subscriptions, and db_post_events (immediate, or collected while the database
// batches and flushed once per field). Reads record state; never changes values or alarms.
import { DBF_CHAR } from '../../ca/constants.js';
import type { Metadata, ValueSnapshot } from '../../ca/value.js';
import { EMPTY_METADATA } from '../../ca/value.js';
import type { PvListener } from '../server/pv.js';
import { caNativeType, isStringType } from './field-def.js';
import type { FieldDef } from './field-def.js';
import { fieldMetadata, valueMetadata } from './metadata.js';
import type { ArrayValue } from './record-api.js';
import type { RecordState } from './record-state.js';
import { stringToBytes } from './value-convert.js';
import type { Scalar } from './value-convert.js';

/** Key of the pending-post map that stands for "DBE_PROPERTY to every channel". */
export const ALL_CHANNELS = '*';

/** The channel of `key` ("VAL", "HIHI", "DESC$"...): native type and capacity. */
export function channelShape(
  s: RecordState,
  key: string,
): { nativeType: ValueSnapshot['nativeType']; maxCount: number } | undefined {
  const isLong = key.endsWith('$');
  const field = isLong ? key.slice(0, -1) : key;
  const def = s.fieldDef(field);
  if (!def) return undefined;
  if (isLong) {
    // `$` applies to string and link fields; a waveform's VAL is an array whatever its FTVL.
    if (!isStringType(def.type) || (field === 'VAL' && s.type.kind === 'waveform')) return undefined;
    return { nativeType: DBF_CHAR, maxCount: def.size ?? 40 };
  }
  const maxCount = field === 'VAL' && s.type.kind === 'waveform' ? s.num('NELM') : 1;
  return { nativeType: caNativeType(def.type), maxCount };
}

/** The current snapshot of a channel key; cached until something changes, never mutated. */
export function snapshot(s: RecordState, key: string): ValueSnapshot {
  const cached = s.snapshots.get(key);
  if (cached) return cached;
  const snap = buildSnapshot(s, key);
  s.snapshots.set(key, snap);
  return snap;
}

function buildSnapshot(s: RecordState, key: string): ValueSnapshot {
  const isLong = key.endsWith('$');
  const field = isLong ? key.slice(0, -1) : key;
  const def = s.fieldDef(field)!;
  let nativeType: ValueSnapshot['nativeType'];
  let value: ValueSnapshot['value'];
  let count = 1;
  let meta = EMPTY_METADATA;
  if (isLong) {
    value = stringToBytes(s.str(field), def.size ?? 40);
    nativeType = DBF_CHAR;
    count = value.length;
  } else {
    nativeType = caNativeType(def.type);
    meta = metadata(s, field, def);
    if (field === 'VAL' && s.type.kind === 'waveform') {
      value = s.val as ArrayValue;
      count = s.nord;
    } else {
      const v = s.field(field) as Scalar;
      value = typeof v === 'string' ? [v] : [v];
    }
  }
  // One object literal of a fixed shape: this runs once per change of a monitored record.
  return {
    nativeType,
    value,
    count,
    status: s.stat,
    severity: s.sevr,
    stamp: s.stamp,
    meta,
    ackt: s.ackt,
    acks: s.acks,
    className: s.type.name,
  };
}

function metadata(s: RecordState, field: string, def: FieldDef): Metadata {
  let m = s.metas.get(field);
  if (!m) {
    m = field === 'VAL' ? valueMetadata(s) : fieldMetadata(s, def);
    s.metas.set(field, m);
  }
  return m;
}

/** Subscribes to a channel key; returns the unsubscribe function. */
export function subscribe(s: RecordState, key: string, listener: PvListener): () => void {
  if (s.isRemoved) return () => undefined;
  let set = s.listeners.get(key);
  if (!set) {
    set = new Set();
    s.listeners.set(key, set);
  }
  // Each subscription gets its own entry even if the same function subscribes twice.
  const entry: PvListener = (mask, snap) => listener(mask, snap);
  set.add(entry);
  return () => {
    set.delete(entry);
    if (set.size === 0 && s.listeners.get(key) === set) s.listeners.delete(key);
  };
}

/** db_post_events: to the field's channels (and its `$` form), or with ALL_CHANNELS to every channel. */
export function post(s: RecordState, field: string, mask: number): void {
  if (s.host.isBatching()) {
    s.pending.set(field, (s.pending.get(field) ?? 0) | mask);
    s.host.markDirty(s.owner);
    return;
  }
  emit(s, field, mask);
}

function emit(s: RecordState, field: string, mask: number): void {
  if (s.listeners.size === 0) return;
  if (field === ALL_CHANNELS) {
    for (const [key, set] of [...s.listeners]) deliver(s, key, set, mask);
    return;
  }
  const set = s.listeners.get(field);
  if (set) deliver(s, field, set, mask);
  const longSet = s.listeners.get(`${field}$`);
  if (longSet) deliver(s, `${field}$`, longSet, mask);
}

function deliver(s: RecordState, key: string, set: Set<PvListener>, mask: number): void {
  if (set.size === 0) return;
  const snap = snapshot(s, key);
  for (const listener of set) listener(mask, snap);
}

/** End of a batch: one post per field with the union of the masks collected. */
export function flush(s: RecordState): void {
  if (s.pending.size === 0) return;
  const posts = [...s.pending];
  s.pending.clear();
  const property = posts.find(([f]) => f === ALL_CHANNELS);
  for (const [field, mask] of posts) if (field !== ALL_CHANNELS) emit(s, field, mask);
  if (property) emit(s, ALL_CHANNELS, property[1]);
}

/** Number of live subscriptions. */
export function subscriptionCount(s: RecordState): number {
  let n = 0;
  for (const set of s.listeners.values()) n += set.size;
  return n;
}
