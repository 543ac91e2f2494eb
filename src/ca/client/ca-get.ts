// caGet: connect many channels in one call and read each once, the way the agent polls statistics PVs.
// Every name gets a result (value or error); one slow or missing PV never fails the others.
import { CaClient } from './client.js';
import type { CaValue } from './ca-value.js';
import type { Channel, GetOptions } from './channel.js';
import type { CaClientOptions } from './config.js';

export interface CaGetOptions extends GetOptions {
  /** Use this client (left open) instead of a temporary one (closed at the end). */
  client?: CaClient;
  /** Client options for the temporary client. */
  clientOptions?: CaClientOptions;
  /** Direct `host:port` for every name (no search). */
  server?: string;
  /** Time allowed for connecting, per call (default 5 s); `timeoutMs` then bounds each get. */
  connectTimeoutMs?: number;
}

export interface CaGetResult {
  name: string;
  value?: CaValue;
  error?: Error;
  channel?: Channel;
}

/** Connects all `names` concurrently, then reads each; results are in the order of `names`. */
export async function caGet(names: readonly string[], opts: CaGetOptions = {}): Promise<CaGetResult[]> {
  const client = opts.client ?? new CaClient(opts.clientOptions);
  try {
    const channels = names.map((n) => client.channel(n, opts.server ? { server: opts.server } : {}));
    const connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
    const results = await Promise.all(
      channels.map(async (ch): Promise<CaGetResult> => {
        try {
          await ch.connected(connectTimeoutMs);
          const value = await ch.get(opts);
          return { name: ch.name, value, channel: ch };
        } catch (err) {
          return { name: ch.name, error: err as Error, channel: ch };
        }
      }),
    );
    if (opts.client) for (const ch of channels) ch.close();
    return results;
  } finally {
    if (!opts.client) await client.close();
  }
}
