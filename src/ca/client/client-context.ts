// What the parts of a CaClient share: the exception record, the hooks through which the resolver,
// the circuit manager and the request tracker report to their owner, and the closed-channel error.
// Holds no state of its own.
import { GwError } from '../../errors.js';
import type { Channel } from './channel.js';

/** Something went wrong that no pending request owns (libca's exception handler). */
export interface CaException {
  error: Error;
  channel?: Channel;
  server?: string;
}

/** Services the owning CaClient provides to its parts. */
export interface ClientHooks {
  /** Next id from the one counter shared by CIDs, IOIDs and subscription ids. */
  allocId(): number;
  /** Runs an application callback so that a throw cannot abandon a received chunk. */
  deliver(ch: Channel, fn: () => void): void;
  emitException(ex: CaException): void;
}

export function closedError(ch: Channel): GwError {
  return new GwError('GW_CA_DISCONNECTED', `${ch.name}: channel is closed`);
}
