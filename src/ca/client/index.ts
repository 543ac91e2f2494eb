// Public surface of the Channel Access client: import from here, not from the individual files.
export { CaClient, type CaException } from './client.js';
export {
  Channel,
  type AccessRights,
  type ChannelState,
  type GetOptions,
  type PutOptions,
  type SubscribeOptions,
  type Subscription,
} from './channel.js';
export { caGet, type CaGetOptions, type CaGetResult } from './ca-get.js';
export { epicsStampToDate, type CaValue, type PutValue } from './ca-value.js';
export { CaStatusError, ecaMessage } from './ca-error.js';
export type { CaClientOptions } from './config.js';
