// The Channel Access server: binds UDP (searches) and TCP (circuits) on each configured interface,
// sends beacons, and hands every accepted socket to a Circuit. Composition only; protocol decisions
// live in search-responder.ts, circuit.ts and handlers.ts.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { createServer, isIPv4, type Server, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { GwError } from '../../errors.js';
import { createLogger, type Logger } from '../../log.js';
import { broadcastAddress } from '../../net.js';
import { BeaconSender } from './beacon.js';
import type { Circuit } from './circuit.js';
import { attachCircuit, DEFAULT_LIMITS, type ConnectionLimits } from './connection.js';
import type { PvProvider } from './pv.js';
import { answerSearch } from './search-responder.js';
import { readServerSettings, type AddressPort, type ServerSettings } from './server-env.js';
import { warmUpServer } from './warm-up.js';

/** Passes of the warm-up over its names: enough calls for V8 to optimise the hot paths. */
const WARM_UP_ROUNDS = 4;

export interface CaServerOptions {
  provider: PvProvider;
  /** Environment to read EPICS_CAS_* from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Overrides applied on top of the environment. */
  settings?: Partial<ServerSettings>;
  limits?: Partial<ConnectionLimits>;
  log?: Logger;
  /**
   * rsrv's behaviour when the TCP port is taken: serve on an ephemeral one, which searches and beacons
   * advertise (default). False makes a taken port an error (GW_IN_USE): the agent's health IOC must stay
   * where its configuration puts it.
   */
  mayMoveTcpPort?: boolean;
  /**
   * Names (which resolve in the provider) to run synthetic search, connect, get and monitor traffic
   * on before serving, so the first clients meet optimised code (see warm-up.ts). Nothing is written.
   */
  warmUpNames?: readonly string[];
}

export interface CaServer {
  readonly settings: ServerSettings;
  /** The TCP port advertised in search replies and beacons (ephemeral if the preferred one was busy). */
  readonly tcpPort: number;
  readonly udpPort: number;
  /** Connected client circuits. */
  readonly clientCount: number;
  /** Channels over all circuits. */
  readonly channelCount: number;
  readonly circuits: ReadonlySet<Circuit>;
  close(): Promise<void>;
}

/** The broadcast address of the host interface that has `address`, from its netmask. */
export function interfaceBroadcast(address: string): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family !== 'IPv4' || a.address !== address) continue;
      return broadcastAddress(a.address, a.netmask);
    }
  }
  return undefined;
}

/** Broadcast addresses of every up, non-loopback IPv4 interface (rsrv's automatic beacon list). */
function allBroadcasts(): string[] {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) {
        const b = interfaceBroadcast(a.address);
        if (b) out.add(b);
      }
    }
  }
  return [...out];
}

function beaconDestinations(s: ServerSettings): AddressPort[] {
  const dests = [...s.beaconAddrList];
  if (s.autoBeaconAddrList) {
    const bound = s.interfaces.filter((i) => i !== '0.0.0.0');
    const auto = bound.length
      ? bound.map((i) => (i.startsWith('127.') ? i : (interfaceBroadcast(i) ?? i)))
      : allBroadcasts();
    for (const host of auto) dests.push({ host, port: s.beaconPort });
  }
  const seen = new Set<string>();
  return dests.filter((d) => {
    const k = `${d.host}:${d.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, backlog: 128 });
  });
}

/**
 * dgram resolves every destination, even the IP literal of the client a reply goes to, through
 * dns.lookup, which answers a literal a tick later: one extra tick per reply datagram in a search burst.
 * Literals are answered at once here; names (never used by the server) still go to dns.lookup.
 */
export function literalLookup(
  hostname: string,
  options: LookupOneOptions | number,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  if (isIPv4(hostname)) callback(null, hostname, 4);
  else dnsLookup(hostname, typeof options === 'number' ? { family: options } : options, callback);
}

function bindUdp(host: string, port: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    // A burst of searches (a client connecting thousands of names) must not overflow the default buffer.
    const sock = createSocket({
      type: 'udp4',
      reuseAddr: true,
      recvBufferSize: 4 << 20,
      lookup: literalLookup,
    });
    sock.once('error', reject);
    sock.bind({ address: host, port }, () => {
      sock.off('error', reject);
      resolve(sock);
    });
  });
}

export async function startCaServer(options: CaServerOptions): Promise<CaServer> {
  const log = options.log ?? createLogger('ca-server');
  const settings: ServerSettings = { ...readServerSettings(options.env ?? process.env), ...options.settings };
  const limits: ConnectionLimits = {
    ...DEFAULT_LIMITS,
    maxPayload: settings.maxArrayBytes,
    ...options.limits,
  };
  const { provider } = options;
  const hasName = (name: string) => provider.hasName(name);
  const circuits = new Set<Circuit>();
  const tcpServers: Server[] = [];
  const udpSockets: UdpSocket[] = [];

  const sockets = new Set<Socket>();
  const onConnection = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const circuit = attachCircuit(socket, provider, log, limits);
    circuits.add(circuit);
    log.debug(`client connected: ${circuit.description}`);
    socket.on('close', () => {
      circuits.delete(circuit);
      log.debug(`client disconnected: ${circuit.description}`);
    });
  };

  // TCP first: its port (ephemeral if the preferred one is busy) is what searches and beacons advertise.
  let tcpPort = settings.serverPort;
  for (const host of settings.interfaces) {
    const server = createServer(onConnection);
    try {
      tcpPort = await listen(server, host, tcpPort);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || tcpServers.length > 0) throw err;
      if (options.mayMoveTcpPort === false) {
        throw new GwError(
          'GW_IN_USE',
          `TCP port ${tcpPort} on ${host} is in use (another CA server or agent): the CA server does not move to another port`,
          { cause: err },
        );
      }
      log.warn(`TCP port ${tcpPort} on ${host} is in use: falling back to an ephemeral port`);
      tcpPort = await listen(server, host, 0);
    }
    tcpServers.push(server);
    log.info(`CA server listening on TCP ${host}:${tcpPort}`);
  }

  const ignored = new Set(settings.ignoreAddrList);
  const onDatagram = (replyVia: UdpSocket) => (msg: Buffer, rinfo: { address: string; port: number }) => {
    if (ignored.has(rinfo.address)) return;
    const { replies } = answerSearch(msg, hasName, tcpPort);
    for (const r of replies) {
      replyVia.send(r, rinfo.port, rinfo.address, (err) => {
        if (err) log.debug(`search reply to ${rinfo.address}:${rinfo.port}: ${err.message}`);
      });
    }
  };
  for (const host of settings.interfaces) {
    const sock = await bindUdp(host, settings.serverPort);
    sock.on('message', onDatagram(sock));
    sock.on('error', (err) => log.warn(`UDP ${host}:${settings.serverPort}: ${err.message}`));
    udpSockets.push(sock);
    log.info(`CA server listening on UDP ${host}:${settings.serverPort}`);
    // A socket bound to one address does not see broadcasts on Linux: bind its broadcast address too
    // (rsrv's CAS-UDP2), and answer through the unicast socket so replies come from the server port.
    const bcast = host === '0.0.0.0' ? undefined : interfaceBroadcast(host);
    if (bcast && bcast !== host) {
      const bsock = await bindUdp(bcast, settings.serverPort);
      bsock.on('message', onDatagram(sock));
      bsock.on('error', (err) => log.warn(`UDP ${bcast}:${settings.serverPort}: ${err.message}`));
      udpSockets.push(bsock);
      log.info(`CA server listening on UDP ${bcast}:${settings.serverPort} (broadcasts)`);
    }
  }

  // Before the first beacon: the server is warm by the time clients hear of it.
  if (options.warmUpNames?.length) {
    const started = performance.now();
    const host = settings.interfaces[0] === '0.0.0.0' ? '127.0.0.1' : settings.interfaces[0]!;
    const target = { host, tcpPort, udpPort: settings.serverPort };
    await warmUpServer(target, options.warmUpNames, WARM_UP_ROUNDS, log);
    // The warm-up client has hung up; its circuit goes with the server's end of the connection.
    for (let turn = 0; circuits.size > 0 && turn < 100; turn++) await sleep(1);
    log.debug(`warmed up in ${(performance.now() - started).toFixed(0)} ms`);
  }

  const beacons = new BeaconSender(beaconDestinations(settings), tcpPort, settings.beaconPeriodS * 1000, log);
  await beacons.start();

  const offRemoved = provider.onRemoved((names) => {
    const set = new Set(names);
    for (const c of circuits) c.pvsRemoved(set);
  });
  const offAccess = provider.onAccessChanged(() => {
    for (const c of circuits) c.accessChanged();
  });

  let closed = false;
  return {
    settings,
    tcpPort,
    udpPort: settings.serverPort,
    get clientCount() {
      return circuits.size;
    },
    get channelCount() {
      let n = 0;
      for (const c of circuits) n += c.channels.size;
      return n;
    },
    circuits,
    async close() {
      if (closed) return;
      closed = true;
      offRemoved();
      offAccess();
      beacons.stop();
      for (const s of udpSockets) s.close();
      for (const c of circuits) c.close();
      for (const s of sockets) s.destroy();
      await Promise.all(
        tcpServers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
            }),
        ),
      );
    },
  };
}
