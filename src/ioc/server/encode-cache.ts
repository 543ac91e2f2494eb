// Shares encoded DBR payloads between every subscriber of one posted snapshot: a post to a PV with 50
// monitors of the same type is encoded once, not 50 times. Keyed by snapshot identity (snapshots are
// immutable), so the cache lives exactly as long as the snapshot does.
import { encodeDbr, type EncodedDbr } from '../../ca/dbr.js';
import type { ValueSnapshot } from '../../ca/value.js';

const cache = new WeakMap<ValueSnapshot, Map<number, EncodedDbr>>();

export function encodeCached(dbrType: number, count: number, snap: ValueSnapshot): EncodedDbr {
  // Counts above 2^22 are not cached (keys must stay exact); such arrays have few subscribers anyway.
  if (count >= 1 << 22) return encodeDbr(dbrType, count, snap);
  const key = dbrType * (1 << 22) + count;
  let byKey = cache.get(snap);
  if (!byKey) {
    byKey = new Map();
    cache.set(snap, byKey);
  }
  let enc = byKey.get(key);
  if (!enc) {
    enc = encodeDbr(dbrType, count, snap);
    byKey.set(key, enc);
  }
  return enc;
}
