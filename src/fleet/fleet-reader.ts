// Reads every container's agent and gateway PVs over Channel Access, straight from each health IOC
// (direct circuits, no search), all containers at once. A container whose STATUS does not connect
// within the timeout is reported unreachable; the others are read regardless. Channels are kept between
// rounds so `--watch` reuses its circuits.
import { DBF_CHAR, DBR_STS_CHAR, DBR_STS_STRING } from '../ca/constants.js';
import { bytesToString } from '../ca/convert.js';
import type { CaClient, Channel } from '../ca/client/index.js';
import type { FleetTarget } from './targets.js';

/** Agent PVs of a container, then the per-gateway ones, as `fleet status` shows them. */
export const FLEET_AGENT_PVS = [
  'STATUS',
  'STATUS_MSG',
  'GW_CNT',
  'GW_RUNNING',
  'CONFIG_OK',
  'LABEL',
] as const;
export const FLEET_GATEWAY_PVS = [
  'STATE',
  'PID',
  'UPTIME',
  'RESTARTS',
  'LAST_EXIT',
  'ALIVE',
  'PV_TOTAL',
  'CONNECTED',
  'CLIENT_EVENT_RATE',
] as const;

/** A PV's value as text (DBR_STS_STRING) and its alarm severity; undefined when it could not be read. */
export interface FleetValue {
  text: string;
  severity: number;
}

export interface FleetGateway {
  name: string;
  pvs: Partial<Record<(typeof FLEET_GATEWAY_PVS)[number], FleetValue>>;
}

export interface FleetContainer {
  container: string;
  label: string;
  server: string;
  isReachable: boolean;
  /** Why the container is unreachable. */
  error?: string;
  pvs: Partial<Record<(typeof FLEET_AGENT_PVS)[number], FleetValue>>;
  gateways: FleetGateway[];
}

/** Once STATUS answers, the other PVs share its circuit: a missing one costs at most this. */
const OPTIONAL_PV_TIMEOUT_MS = 1500;

export class FleetReader {
  private readonly channels = new Map<string, Channel>();

  constructor(
    private readonly client: CaClient,
    private readonly timeoutMs: number,
  ) {}

  private channel(target: FleetTarget, suffix: string): Channel {
    const key = `${target.server} ${target.prefix}${suffix}`;
    let ch = this.channels.get(key);
    if (!ch) {
      ch = this.client.channel(target.prefix + suffix, { server: target.server });
      this.channels.set(key, ch);
    }
    return ch;
  }

  private async value(
    target: FleetTarget,
    suffix: string,
    timeoutMs: number,
  ): Promise<FleetValue | undefined> {
    const ch = this.channel(target, suffix);
    try {
      await ch.connected(timeoutMs);
      // A CHAR waveform (STATUS_MSG) is a long string: its text up to the NUL, not its first byte.
      if (ch.nativeType === DBF_CHAR && ch.nativeCount > 1) {
        const v = await ch.get({ dbrType: DBR_STS_CHAR, timeoutMs });
        return { text: bytesToString(v.values as number[]), severity: v.severity ?? 0 };
      }
      const v = await ch.get({ dbrType: DBR_STS_STRING, timeoutMs });
      return { text: String(v.value), severity: v.severity ?? 0 };
    } catch {
      return undefined;
    }
  }

  /** Reads one container; never throws. */
  async readOne(target: FleetTarget): Promise<FleetContainer> {
    const base = { container: target.container, label: target.label, server: target.server };
    const status = this.channel(target, 'STATUS');
    try {
      await status.connected(this.timeoutMs);
    } catch {
      return {
        ...base,
        isReachable: false,
        error: `no answer from ${target.server} within ${this.timeoutMs} ms`,
        pvs: {},
        gateways: target.gateways.map((name) => ({ name, pvs: {} })),
      };
    }
    const t = Math.min(this.timeoutMs, OPTIONAL_PV_TIMEOUT_MS);
    const read = async <K extends string>(prefix: string, names: readonly K[]) => {
      const values = await Promise.all(names.map((n) => this.value(target, prefix + n, t)));
      const out: Partial<Record<K, FleetValue>> = {};
      names.forEach((n, i) => {
        if (values[i]) out[n] = values[i];
      });
      return out;
    };
    const [pvs, gateways] = await Promise.all([
      read('', FLEET_AGENT_PVS),
      Promise.all(
        target.gateways.map(async (name) => ({ name, pvs: await read(`${name}:`, FLEET_GATEWAY_PVS) })),
      ),
    ]);
    return { ...base, isReachable: true, pvs, gateways };
  }

  read(targets: readonly FleetTarget[]): Promise<FleetContainer[]> {
    return Promise.all(targets.map((t) => this.readOne(t)));
  }

  close(): void {
    for (const ch of this.channels.values()) ch.close();
    this.channels.clear();
  }
}
