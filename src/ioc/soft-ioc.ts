// One way to build a soft IOC, for `gwagent ioc` and the agent: the health PVs (sampler and records)
// on a record database the caller filled, and the CA server that publishes them. The caller owns the
// database's records and access rules; this file only composes the health IOC and the server.
import type { Logger } from '../log.js';
import type { RecordDatabase } from './db/index.js';
import { HealthIoc, type HealthInputs, type HealthIocOptions } from './health/health-ioc.js';
import { HealthSampler, type HealthSamplerOptions } from './health/index.js';
import { startCaServer, type CaServerOptions, type CaServer } from './server/ca-server.js';

export interface SoftIocHealthOptions {
  prefix: string;
  facts: HealthSamplerOptions['facts'];
  mounts?: HealthSamplerOptions['mounts'];
  /** Interfaces with IP PVs (default: every one with a non-internal IPv4 address). */
  interfaces?: HealthSamplerOptions['interfaces'];
  alarms?: HealthIocOptions['alarms'];
  periodsS?: HealthIocOptions['periodsS'];
  controlAsg: string;
  /** What only the caller knows (supervised processes, gateways' alarms); the rest comes from the IOC. */
  inputs?: Partial<Pick<HealthInputs, 'suspended' | 'extraSeverities' | 'extraAlarms'>>;
  onSysReset: () => void;
}

export interface SoftIocOptions {
  db: RecordDatabase;
  log: Logger;
  /** The health PVs too (`gwagent ioc --health`, the agent). */
  health?: SoftIocHealthOptions;
  server?: Omit<CaServerOptions, 'provider' | 'log' | 'warmUpNames'>;
  /**
   * Runs read-only synthetic traffic on some of the records before serving (server/warm-up.ts), for a
   * fresh IOC whose first clients come as a burst (`gwagent ioc`).
   */
  warmUp?: boolean;
}

/** Records the warm-up connects to, each several times: a few ms, and a few KB kept. */
const WARM_UP_RECORDS = 600;

export interface SoftIoc {
  readonly server: CaServer;
  readonly health: HealthIoc | undefined;
  /** Stops sampling and closes the server. */
  close(): Promise<void>;
}

/** Creates the health records (if asked), starts the CA server, then the sampling. */
export async function startSoftIoc(options: SoftIocOptions): Promise<SoftIoc> {
  const { db, log } = options;
  // The health inputs read the server, which starts after the records exist.
  const live: { server?: CaServer } = {};
  let health: HealthIoc | undefined;
  const h = options.health;
  if (h) {
    const sampler = new HealthSampler({
      facts: h.facts,
      ...(h.mounts ? { mounts: h.mounts } : {}),
      ...(h.interfaces ? { interfaces: h.interfaces } : {}),
    });
    await sampler.init();
    health = new HealthIoc({
      db,
      prefix: h.prefix,
      sampler,
      ...(h.alarms ? { alarms: h.alarms } : {}),
      ...(h.periodsS ? { periodsS: h.periodsS } : {}),
      controlAsg: h.controlAsg,
      inputs: {
        caClients: () => live.server?.clientCount ?? 0,
        caChannels: () => live.server?.channelCount ?? 0,
        recordCount: () => db.size,
        suspended: () => 0,
        extraSeverities: () => [],
        ...h.inputs,
      },
      onSysReset: h.onSysReset,
      onError: (m) => log.warn(m),
    });
    health.createRecords();
  }
  const warmUpNames = options.warmUp
    ? db
        .list()
        .slice(0, WARM_UP_RECORDS)
        .map((r) => r.name)
    : [];
  const server = await startCaServer({ ...options.server, provider: db, log: log.child('ca'), warmUpNames });
  db.forgetPvs(warmUpNames);
  live.server = server;
  await health?.start();
  return {
    server,
    health,
    async close() {
      health?.stop();
      await server.close();
    },
  };
}
