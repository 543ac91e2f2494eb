// Beacon anomaly detection as libca does it (bhe.cpp): per server (address + TCP port) track the beacon
// counter and the average period; a new server, a beacon after a long silence (>= 3.25x the average)
// or beacons arriving much faster than usual (<= 0.8x, a restarted server's fast start) are anomalies,
// on which the client searches again at once for every unresolved name. Also recognises the caRepeater's
// REPEATER_CONFIRM. Pure: datagrams and time in, verdicts out.
import { CA_PROTO_RSRV_IS_UP, REPEATER_CONFIRM, REPEATER_REGISTER } from '../constants.js';
import { encodeMessage } from '../header.js';
import { RsrvIsUpResponse } from '../message-fields.js';
import { parseDatagram } from '../stream-parser.js';
import { intToIpv4, ipv4ToInt } from '../../net.js';

interface ServerBeacons {
  counter: number;
  lastMs: number;
  averagePeriodMs: number | undefined;
}

export interface BeaconVerdict {
  /** Unresolved names should be searched again now. */
  anomaly: boolean;
  /** The caRepeater confirmed our registration. */
  repeaterConfirmed: boolean;
}

/** REPEATER_REGISTER [24, 0, 0, 0, 0, our address] sent to the caRepeater (libca: repeaterSubscribeTimer). */
export function repeaterRegisterMessage(localAddress = '127.0.0.1'): Buffer {
  return encodeMessage(REPEATER_REGISTER, 0, 0, 0, ipv4ToInt(localAddress));
}

/** Bound on tracked servers, so a flood of forged beacons cannot grow memory without limit. */
const MAX_SERVERS = 4096;

export class BeaconTracker {
  private readonly servers = new Map<string, ServerBeacons>();

  get size(): number {
    return this.servers.size;
  }

  handleDatagram(datagram: Buffer, fromAddress: string, nowMs: number): BeaconVerdict {
    const verdict: BeaconVerdict = { anomaly: false, repeaterConfirmed: false };
    for (const msg of parseDatagram(datagram).messages) {
      if (msg.command === REPEATER_CONFIRM) verdict.repeaterConfirmed = true;
      if (msg.command !== CA_PROTO_RSRV_IS_UP) continue;
      // The repeater fills the address in when the server sent 0; a direct beacon may still carry 0.
      const ip = RsrvIsUpResponse.serverAddress(msg);
      const address = ip === 0 ? fromAddress : intToIpv4(ip);
      const server = `${address}:${RsrvIsUpResponse.serverPort(msg)}`;
      if (this.onBeacon(server, RsrvIsUpResponse.beaconId(msg), nowMs)) verdict.anomaly = true;
    }
    return verdict;
  }

  /** One beacon from `server` with `counter`; true if it is an anomaly. */
  onBeacon(server: string, counter: number, nowMs: number): boolean {
    const known = this.servers.get(server);
    if (!known) {
      if (this.servers.size >= MAX_SERVERS) this.servers.clear();
      this.servers.set(server, { counter, lastMs: nowMs, averagePeriodMs: undefined });
      return true; // a server we have not heard from: it may have what we are looking for
    }
    const step = (counter - known.counter) >>> 0;
    known.counter = counter;
    // The same beacon via another path (0), one just before the last (within 256), or a jump of only
    // 2-3 (a duplicate route, an overrun input queue): not a new sample (libca discards these too).
    if (step === 0 || step > 0xffffffff - 256 || step === 2 || step === 3) return false;
    const periodMs = nowMs - known.lastMs;
    known.lastMs = nowMs;
    const avg = known.averagePeriodMs;
    if (avg === undefined) {
      known.averagePeriodMs = periodMs;
      return false;
    }
    const anomaly = periodMs >= avg * 3.25 || periodMs <= avg * 0.8;
    // Long gaps do not raise the average: only periods near it are averaged in.
    if (periodMs < avg * 1.25) known.averagePeriodMs = avg * 0.875 + periodMs * 0.125;
    return anomaly;
  }
}
