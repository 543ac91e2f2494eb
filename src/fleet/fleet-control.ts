// `fleet restart|stop|start`: writes 1 to a gateway's RESTART, STOP or START PV on its container's
// health IOC as the configured CA user, with a put-callback so the answer comes when the agent has
// acted. Write access is the container's access security's decision: a refusal (ECA_NOWTACCESS) is
// reported with the user and host it was refused to, never retried or worked around.
import { ECA_NOWTACCESS } from '../ca/constants.js';
import { CaStatusError, type CaClient } from '../ca/client/index.js';
import type { FleetTarget } from './targets.js';

export const FLEET_ACTIONS = { restart: 'RESTART', stop: 'STOP', start: 'START' } as const;
export type FleetAction = keyof typeof FLEET_ACTIONS;

export interface ControlOutcome {
  pv: string;
  isDone: boolean;
  isDenied: boolean;
  message: string;
}

export async function fleetControl(opts: {
  client: CaClient;
  target: FleetTarget;
  gateways: readonly string[];
  action: FleetAction;
  user: string;
  host: string;
  connectTimeoutMs: number;
  /** A restart waits for the old process to stop (its stop timeout) and the new one to start. */
  putTimeoutMs: number;
}): Promise<ControlOutcome[]> {
  const { client, target } = opts;
  return Promise.all(
    opts.gateways.map(async (gateway): Promise<ControlOutcome> => {
      const pv = `${target.prefix}${gateway}:${FLEET_ACTIONS[opts.action]}`;
      const ch = client.channel(pv, { server: target.server });
      try {
        await ch.connected(opts.connectTimeoutMs);
        await ch.put(1, { wait: true, timeoutMs: opts.putTimeoutMs });
        return { pv, isDone: true, isDenied: false, message: `${pv}: done` };
      } catch (err) {
        const isDenied = err instanceof CaStatusError && err.eca === ECA_NOWTACCESS;
        const message = isDenied
          ? `${pv}: write access denied to user '${opts.user}' on host '${opts.host}' (ECA_NOWTACCESS): ` +
            `${target.container}'s [access] users/hosts decide who may control its gateways`
          : `${pv}: ${(err as Error).message}`;
        return { pv, isDone: false, isDenied, message };
      } finally {
        ch.close();
      }
    }),
  );
}
