// Shares encoded DBR payloads between every subscriber of one posted snapshot: a post to a PV with 50
// monitors of the same type is encoded once, not 50 times. A post reaches all of a PV's subscribers
// in one synchronous pass, so remembering the last snapshot encoded is enough; snapshots are immutable,
// so the same snapshot always encodes to the same bytes. Holds at most one snapshot alive.
import { encodeDbr, type EncodedDbr } from '../../ca/dbr.js';
import type { ValueSnapshot } from '../../ca/value.js';

let lastSnap: ValueSnapshot | undefined;
/** Encodings of lastSnap by (type, count) key; nearly always one, so the first is kept inline. */
let firstKey = -1;
let firstEnc: EncodedDbr | undefined;
let more: Map<number, EncodedDbr> | undefined;

export function encodeCached(dbrType: number, count: number, snap: ValueSnapshot): EncodedDbr {
  // Counts above 2^22 are not cached (keys must stay exact); such arrays have few subscribers anyway.
  if (count >= 1 << 22) return encodeDbr(dbrType, count, snap);
  const key = dbrType * (1 << 22) + count;
  if (snap !== lastSnap) {
    lastSnap = snap;
    firstKey = key;
    firstEnc = encodeDbr(dbrType, count, snap);
    more = undefined;
    return firstEnc;
  }
  if (key === firstKey && firstEnc) return firstEnc;
  more ??= new Map();
  let enc = more.get(key);
  if (!enc) {
    enc = encodeDbr(dbrType, count, snap);
    more.set(key, enc);
  }
  return enc;
}
