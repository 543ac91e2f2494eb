// Test-only PV provider: a few in-memory PVs implementing the server's ServedPv contract directly,
// so server and client tests do not depend on the record model.
import * as C from '../../src/ca/constants.js';
import { EMPTY_METADATA, type DecodedDbr, type Metadata, type ValueSnapshot } from '../../src/ca/value.js';
import type { ClientIdentity, PvListener, PvProvider, ServedPv } from '../../src/ioc/server/pv.js';

export class SimplePv implements ServedPv {
  private listeners = new Set<PvListener>();
  private snap: ValueSnapshot;
  rights = 3;
  writes: DecodedDbr[] = [];
  /** Optional: resolve puts later (put-callback tests). */
  writeHook?: (data: DecodedDbr, who: ClientIdentity) => Promise<number> | number;

  constructor(
    readonly name: string,
    readonly nativeType: C.DbfType,
    value: ValueSnapshot['value'],
    readonly maxCount = Math.max(1, value.length),
    meta: Partial<Metadata> = {},
  ) {
    this.snap = {
      nativeType,
      value,
      count: value.length,
      status: 0,
      severity: 0,
      stamp: { secPastEpoch: 1000, nsec: 0 },
      meta: { ...EMPTY_METADATA, ...meta },
      ackt: 0,
      acks: 0,
      className: 'simple',
    };
  }

  snapshot(): ValueSnapshot {
    return this.snap;
  }

  set(
    value: ValueSnapshot['value'],
    extra: Partial<ValueSnapshot> = {},
    mask = C.DBE_VALUE | C.DBE_LOG,
  ): void {
    this.snap = { ...this.snap, value, count: value.length, ...extra };
    for (const l of this.listeners) l(mask, this.snap);
  }

  write(data: DecodedDbr, who: ClientIdentity): Promise<number> | number {
    this.writes.push(data);
    if (this.writeHook) return this.writeHook(data, who);
    this.set(data.value);
    return C.ECA_NORMAL;
  }

  accessRights(): number {
    return this.rights;
  }

  subscribe(listener: PvListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}

export class SimpleProvider implements PvProvider {
  readonly pvs = new Map<string, SimplePv>();
  private removedListeners = new Set<(names: readonly string[]) => void>();
  private accessListeners = new Set<() => void>();

  add(pv: SimplePv): SimplePv {
    this.pvs.set(pv.name, pv);
    return pv;
  }

  remove(name: string): void {
    this.pvs.delete(name);
    for (const l of this.removedListeners) l([name]);
  }

  fireAccessChanged(): void {
    for (const l of this.accessListeners) l();
  }

  lookup(name: string): ServedPv | undefined {
    return this.pvs.get(name);
  }

  hasName(name: string): boolean {
    return this.pvs.has(name);
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
