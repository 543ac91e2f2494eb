// Beacons (RSRV_IS_UP): first at start, then 20 ms doubling up to the configured period, counter +1
// per round, each beacon scheduled from the previous send so a stalled event loop never causes a
// catch-up burst (irregular beacons make every client re-search: ca-protocol.md §6.5).
import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from '../../log.js';
import { beaconMessage } from '../../ca/messages.js';
import type { AddressPort } from './server-env.js';

export const BEACON_FIRST_DELAY_MS = 20;

/** The delay after a beacon sent `delayMs` after its predecessor: doubling up to the period. */
export function nextBeaconDelay(delayMs: number, periodMs: number): number {
  return Math.min(delayMs * 2, periodMs);
}

export class BeaconSender {
  private socket: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delayMs = BEACON_FIRST_DELAY_MS;
  counter = 0;

  constructor(
    private readonly destinations: AddressPort[],
    private readonly tcpPort: number,
    private readonly periodMs: number,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    if (this.destinations.length === 0) {
      this.log.warn('no beacon destinations: clients will not see beacons from this server');
      return;
    }
    const sock = createSocket({ type: 'udp4' });
    this.socket = sock;
    sock.on('error', (err) => this.log.warn(`beacon socket: ${err.message}`));
    await new Promise<void>((resolve) => sock.bind(0, resolve));
    sock.setBroadcast(true);
    sock.unref();
    this.send();
  }

  private send(): void {
    const sock = this.socket;
    if (!sock) return;
    const msg = beaconMessage(this.tcpPort, this.counter);
    for (const d of this.destinations) {
      sock.send(msg, d.port, d.host, (err) => {
        if (err) this.log.debug(`beacon to ${d.host}:${d.port}: ${err.message}`);
      });
    }
    this.counter = (this.counter + 1) >>> 0;
    const delay = this.delayMs;
    this.delayMs = nextBeaconDelay(this.delayMs, this.periodMs);
    this.timer = setTimeout(() => this.send(), delay);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.socket?.close();
    this.socket = undefined;
  }
}
