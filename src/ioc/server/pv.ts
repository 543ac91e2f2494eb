// The contract between the Channel Access server and whatever serves a PV name (soft-record fields,
// the agent's own PVs). The server knows nothing of records; a provider knows nothing of sockets.
import type { DbfType } from '../../ca/constants.js';
import type { DecodedDbr, ValueSnapshot } from '../../ca/value.js';

/**
 * Who a circuit's client is, for access security. Never changed in place: a circuit gets a new one when
 * its client names itself.
 */
export interface ClientIdentity {
  /** CLIENT_NAME as sent by the client ('' if never sent). */
  readonly user: string;
  /** HOST_NAME as sent by the client, lower-cased (the peer IP if never sent). */
  readonly host: string;
  /** The connection's peer IPv4 address (cannot be forged, unlike host). */
  readonly ip: string;
}

/** What a change posts: DBE_* bits and the snapshot after the change. */
export type PvListener = (mask: number, snapshot: ValueSnapshot) => void;

/** One channel-able name: a record field such as `X:TEMP` (VAL) or `X:TEMP.HIHI`. */
export interface ServedPv {
  readonly name: string;
  readonly nativeType: DbfType;
  /** Capacity reported in the CREATE_CHAN reply (NELM for arrays, 1 for scalars); at least 1. */
  readonly maxCount: number;
  snapshot(): ValueSnapshot;
  /**
   * Applies a put; resolves to an ECA status (ECA_NORMAL on success, ECA_PUTFAIL, ECA_NOWTACCESS...).
   * The promise settles when processing has completed (put-callback semantics).
   */
  write(data: DecodedDbr, who: ClientIdentity): Promise<number> | number;
  /** Access bits (CA_PROTO_ACCESS_RIGHT_READ | _WRITE) for this client. */
  accessRights(who: ClientIdentity): number;
  /** Subscribes to changes; returns the unsubscribe function. */
  subscribe(listener: PvListener): () => void;
}

/** Resolves names for searches and channel creation; tells the server when names go away. */
export interface PvProvider {
  lookup(name: string): ServedPv | undefined;
  /**
   * Whether lookup(name) would resolve, for search replies: must create nothing (a client searching
   * thousands of names gets its answers before it creates a single channel).
   */
  hasName(name: string): boolean;
  /** Called with the names that were removed; the server disconnects their channels. */
  onRemoved(listener: (names: readonly string[]) => void): () => void;
  /** Called when access rules change (ACF reload): the server re-sends ACCESS_RIGHTS where needed. */
  onAccessChanged(listener: () => void): () => void;
}
