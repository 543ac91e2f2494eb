// Mirrors one gateway's statistics PVs into the agent's PVs through gwagent's CA client, connecting
// straight to the gateway's server address (no search: the gateway's own pvlist denies searches from
// this container). Monitors stay open because the gateway reports 0 for its rates to a one-shot read.
// While the statistics cannot be read the mirrored PVs are INVALID/COMM and ALIVE is No.
import { COMM_ALARM, DBE_ALARM, DBE_VALUE, DBR_TIME_DOUBLE, INVALID_ALARM } from '../ca/constants.js';
import type { CaClient, Channel, Subscription } from '../ca/client/index.js';
import { MIRRORED_STATS, type GatewayPvs } from './gateway-records.js';

export class StatsMirror {
  private readonly channels: Channel[] = [];
  private readonly subs: Subscription[] = [];
  private connected = 0;
  /** When the statistics were last seen alive (ms), for the unresponsive-gateway rule. */
  lastAliveAt: number;

  constructor(
    private readonly client: CaClient,
    private readonly pvs: GatewayPvs,
    private readonly gatewayName: string,
    /** `host:port` of the gateway's CA server. */
    private server: string,
  ) {
    this.lastAliveAt = Date.now();
  }

  start(): void {
    this.pvs.statsLost();
    this.pvs.setAlive(false);
    for (const [suffix, remote] of MIRRORED_STATS) {
      const ch = this.client.channel(`${this.gatewayName}:${remote}`, { server: this.server });
      this.channels.push(ch);
      ch.on('connection', (isUp: boolean) => {
        this.connected += isUp ? 1 : -1;
        if (isUp) this.lastAliveAt = Date.now();
        const isAlive = this.connected === MIRRORED_STATS.length;
        this.pvs.setAlive(isAlive);
        if (!isUp) this.pvs.get(suffix).setAlarm(INVALID_ALARM, COMM_ALARM);
      });
      this.subs.push(
        ch.subscribe({ dbrType: DBR_TIME_DOUBLE, count: 1, mask: DBE_VALUE | DBE_ALARM }, (v) => {
          const value = typeof v.value === 'number' ? v.value : Number(v.values[0]);
          this.lastAliveAt = Date.now();
          this.pvs.setStat(suffix, value, v.timestamp?.getTime() ?? Date.now());
        }),
      );
    }
  }

  /** Whether every statistics channel is connected. */
  get isAlive(): boolean {
    return this.connected === MIRRORED_STATS.length;
  }

  /** The gateway's server moved (a reload changed its address or port): read it there. */
  retarget(server: string): void {
    if (server === this.server) return;
    this.stop();
    this.server = server;
    this.start();
  }

  stop(): void {
    for (const s of this.subs) s.cancel();
    for (const ch of this.channels) ch.removeAllListeners();
    for (const ch of this.channels) ch.close();
    this.subs.length = 0;
    this.channels.length = 0;
    this.connected = 0;
  }
}
