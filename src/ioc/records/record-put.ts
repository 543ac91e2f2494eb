// CA puts to a record's fields (dbPut): access rights, payload conversion into the field's type,
// storing with its posts and pp processing, DBR_PUT_ACKT/ACKS, and the agent's write callbacks
// whose settling completes a put. Outcomes are ECA codes, never exceptions thrown at the client.
import {
  CA_PROTO_ACCESS_RIGHT_WRITE,
  DBE_ALARM,
  DBE_LOG,
  DBE_PROPERTY,
  DBE_VALUE,
  DBR_PUT_ACKS,
  DBR_PUT_ACKT,
  ECA_NORMAL,
  ECA_NOWTACCESS,
  ECA_PUTFAIL,
} from '../../ca/constants.js';
import type { DecodedDbr } from '../../ca/value.js';
import type { ClientIdentity } from '../server/pv.js';
import { isStringType } from './field-def.js';
import type { FieldDef } from './field-def.js';
import type { RecordValue } from './record-api.js';
import { arrayFrom, assignVal, convertContext } from './record-input.js';
import { ALL_CHANNELS, post } from './record-monitors.js';
import { processRecord } from './record-process.js';
import type { RecordState } from './record-state.js';
import { bytesToString, convertElement, isFloatDbr } from './value-convert.js';
import type { Scalar } from './value-convert.js';

/** Access bits of a field for a client: access security, minus write on read-only fields. */
export function accessRights(s: RecordState, field: string, who: ClientIdentity): number {
  if (s.isRemoved) return 0;
  const def = s.fieldDef(field);
  if (!def) return 0;
  const bits = s.host.rights(s.asgName, def.asl, who);
  return def.readOnly ? bits & ~CA_PROTO_ACCESS_RIGHT_WRITE : bits;
}

/** A CA put to `field` (`longString`: the `FIELD$` char-array form). Resolves to an ECA status. */
export function put(
  s: RecordState,
  field: string,
  longString: boolean,
  data: DecodedDbr,
  who: ClientIdentity,
): Promise<number> | number {
  const def = s.fieldDef(field);
  if (!def || s.isRemoved) return ECA_PUTFAIL;
  const rights = s.host.rights(s.asgName, def.asl, who);
  if (!(rights & CA_PROTO_ACCESS_RIGHT_WRITE)) return ECA_NOWTACCESS;
  if (data.dbrType === DBR_PUT_ACKT || data.dbrType === DBR_PUT_ACKS) return acknowledge(s, data);
  if (def.readOnly) return ECA_NOWTACCESS;
  const items = data.value;
  const count = Math.min(items.length, data.count > 0 ? data.count : items.length);
  const floatSource = isFloatDbr(data.dbrType);
  if (longString) {
    const text = typeof items[0] === 'string' ? items[0] : bytesToString((items as number[]).slice(0, count));
    return putConverted(s, def, text, who);
  }
  if (field === 'VAL' && s.type.kind === 'waveform') {
    const arr = arrayFrom(s, items.slice(0, count), floatSource);
    if (arr === undefined) return ECA_PUTFAIL;
    return putConverted(s, def, arr, who);
  }
  const first = items[0];
  if (first === undefined || count < 1) return ECA_PUTFAIL;
  const v = convertElement(def.type, def, first, floatSource, convertContext(s, def));
  if (v === undefined) return ECA_PUTFAIL;
  return putConverted(s, def, v, who);
}

function putConverted(
  s: RecordState,
  def: FieldDef,
  v: RecordValue,
  who: ClientIdentity,
): Promise<number> | number {
  if (def.name === 'VAL') {
    assignVal(s, v);
    processRecord(s);
    return notifyWrite(s, who);
  }
  if (def.name === 'PROC') {
    processRecord(s);
    return notifyWrite(s, who);
  }
  if (typeof v === 'object') return ECA_PUTFAIL;
  if (isStringType(def.type) && typeof v === 'string' && def.size !== undefined && v.length >= def.size) {
    v = v.slice(0, def.size - 1);
  }
  storeField(s, def, v);
  return ECA_NORMAL;
}

/** dbPut of a non-VAL field: store, post the field, post DBE_PROPERTY if metadata, process if pp. */
export function storeField(s: RecordState, def: FieldDef, v: Scalar): void {
  s.store(def.name, v);
  s.snapshots.clear();
  s.metas.clear();
  post(s, def.name, DBE_VALUE | DBE_LOG);
  if (def.prop) post(s, ALL_CHANNELS, DBE_PROPERTY);
  if (def.name === 'ASG') s.host.asgChanged();
  if (def.pp) processRecord(s);
}

function notifyWrite(s: RecordState, who: ClientIdentity): Promise<number> | number {
  if (s.writeCallbacks.size === 0) return ECA_NORMAL;
  const value = s.val;
  const results: Promise<void>[] = [];
  try {
    for (const cb of s.writeCallbacks) {
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
function acknowledge(s: RecordState, data: DecodedDbr): number {
  const v = Number(data.value[0] ?? 0);
  const prevAcks = s.acks;
  if (data.dbrType === DBR_PUT_ACKT) {
    s.ackt = v ? 1 : 0;
    if (!s.ackt && s.acks > s.sevr) s.acks = s.sevr;
  } else if (v >= s.acks) {
    s.acks = 0;
  }
  s.snapshots.clear();
  if (data.dbrType === DBR_PUT_ACKT) post(s, 'ACKT', DBE_VALUE);
  if (s.acks !== prevAcks) post(s, 'ACKS', DBE_VALUE);
  post(s, 'VAL', DBE_ALARM);
  return ECA_NORMAL;
}
