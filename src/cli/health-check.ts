// `gwagent status --health`: reads STATUS (and STATUS_MSG, where the IOC has it) from a health IOC over
// Channel Access and turns it into the verdict the agent's /healthz also gives (ioc/health/verdict.ts),
// so a container's HEALTHCHECK and a web probe can never disagree.
import { DBR_STRING } from '../ca/constants.js';
import { CaClient } from '../ca/client/index.js';
import { GwError } from '../errors.js';
import { loadAgentConfig } from '../gwconfig/index.js';
import { healthVerdict, type HealthVerdict } from '../ioc/health/verdict.js';

export const HEALTH_USAGE = `  --health        print the health verdict from STATUS and exit 0 (Ok, Degraded) or 1 (Fault,
                  or STATUS unreadable); the same verdict as the agent's /healthz
  --config FILE   with --health: the agent configuration giving the IOC address, port and prefix
                  (default $GWAGENT_CONFIG)
  --server H:P    with --health, instead of --config: the health IOC's address
  --prefix P      with --server: the PV prefix`;

export async function readHealthVerdict(
  opts: { config?: string; server?: string; prefix?: string; timeoutMs?: number },
  env: NodeJS.ProcessEnv = process.env,
): Promise<HealthVerdict> {
  let server = opts.server;
  let prefix = opts.prefix;
  if (server === undefined) {
    const file = opts.config ?? env['GWAGENT_CONFIG'];
    if (file === undefined || file === '')
      throw new GwError(
        'GW_USAGE',
        '--health needs --config FILE (or $GWAGENT_CONFIG), or --server H:P --prefix P',
      );
    const c = loadAgentConfig(file);
    const host = c.ioc.address === '0.0.0.0' ? '127.0.0.1' : c.ioc.address;
    server = `${host}:${c.ioc.port}`;
    prefix ??= c.agent.prefix;
  } else if (prefix === undefined) throw new GwError('GW_USAGE', '--server goes with --prefix P');
  const timeoutMs = opts.timeoutMs ?? 3000;
  const client = new CaClient({ env: {}, autoAddrList: false, addrList: [] });
  try {
    const status = client.channel(`${prefix}STATUS`, { server });
    const message = client.channel(`${prefix}STATUS_MSG`, { server });
    let value: number;
    try {
      await status.connected(timeoutMs);
      value = Number((await status.get({ timeoutMs })).value);
    } catch (err) {
      return healthVerdict({ error: `${prefix}STATUS: ${(err as Error).message}` });
    }
    // STATUS_MSG is optional: an IOC without it answers STATUS alone.
    const text = await message
      .connected(Math.min(timeoutMs, 1000))
      .then(() => message.get({ dbrType: DBR_STRING, timeoutMs }))
      .then((v) => String(v.value))
      .catch(() => undefined);
    return healthVerdict({ status: value, ...(text === undefined ? {} : { message: text }) });
  } finally {
    await client.close();
  }
}
