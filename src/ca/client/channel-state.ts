// A client channel's connection state as one name, and the transitions it may make, checked at run
// time: libca's cs_never_conn (split here into searching and connecting), cs_conn, cs_prev_conn
// (disconnected) and cs_closed. An unlisted transition is a bug of ours and throws GW_INTERNAL, as
// the supervisor's child states do. Pure: no sockets, no timers.
import { GwError } from '../../errors.js';

/**
 * - searching: no server yet; a search is under way (a direct channel: waiting to dial its server).
 * - connecting: a server was found; its circuit and CREATE_CHAN are under way.
 * - connected: the server answered CREATE_CHAN; requests may be sent.
 * - disconnected: was connected and lost its server; looking for it again (search or redial).
 * - closed: the application closed the channel; final.
 */
export type ChannelState = 'searching' | 'connecting' | 'connected' | 'disconnected' | 'closed';

export const CHANNEL_STATES: readonly ChannelState[] = [
  'searching',
  'connecting',
  'connected',
  'disconnected',
  'closed',
];

/** Every transition a channel may make; the application may close a channel in any state but closed. */
export const CHANNEL_TRANSITIONS: Readonly<Record<ChannelState, readonly ChannelState[]>> = {
  // a search reply names the server, or a direct channel dials its own
  searching: ['connecting', 'closed'],
  // CREATE_CHAN answered; or refused (CREATE_CH_FAIL), or the circuit lost before the answer
  connecting: ['connected', 'searching', 'closed'],
  // SERVER_DISCONN, or the circuit lost
  connected: ['disconnected', 'closed'],
  // found again: a search reply, or a direct channel's redial after its back-off
  disconnected: ['connecting', 'closed'],
  closed: [],
};

/** The state after `from -> to`; throws GW_INTERNAL when CHANNEL_TRANSITIONS does not list it. */
export function nextChannelState(name: string, from: ChannelState, to: ChannelState): ChannelState {
  if (!CHANNEL_TRANSITIONS[from].includes(to))
    throw new GwError('GW_INTERNAL', `channel ${name}: illegal transition ${from} -> ${to}`);
  return to;
}

/** Whether a search reply for the channel should attach it to the server that answered. */
export function isLookingForServer(state: ChannelState): boolean {
  return state === 'searching' || state === 'disconnected';
}
