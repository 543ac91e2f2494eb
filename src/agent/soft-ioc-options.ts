// What the agent's health IOC is made of, read from the configuration: the health PVs' prefix, facts,
// disks, interfaces, alarm limits and periods, and the CA server's address, port and beacons. Pure: the
// host's interfaces and the live inputs (gateway severities, suspended count) are passed in.
import type { NetworkInterfaceInfo } from 'node:os';
import type { AgentConfig } from '../gwconfig/index.js';
import {
  CONTROL_ASG,
  defaultInterfaces,
  type RecordDatabase,
  type SoftIocHealthOptions,
  type SoftIocOptions,
} from '../ioc/index.js';
import type { Logger } from '../log.js';

/**
 * Interfaces with IP:<interface> PVs: the configured networks' interfaces that exist on the host at
 * start (also loopback ones, which the generated panels name), then every other interface with a
 * non-internal IPv4 address. A configured interface missing from the host gets no PV: its panel
 * widget shows disconnected.
 */
export function ipInterfaces(c: AgentConfig, present: NodeJS.Dict<NetworkInterfaceInfo[]>): string[] {
  const configured = c.networks.map((n) => n.interface).filter((i) => present[i] !== undefined);
  return [...new Set([...configured, ...defaultInterfaces(present)])];
}

export interface SoftIocParts {
  db: RecordDatabase;
  log: Logger;
  /** The agent's environment, for the CA server's EPICS_CAS_* fallbacks. */
  env: NodeJS.ProcessEnv;
  /** The host's interfaces (os.networkInterfaces()). */
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>;
  inputs: NonNullable<SoftIocHealthOptions['inputs']>;
  onSysReset: () => void;
}

export function softIocOptions(c: AgentConfig, o: SoftIocParts): SoftIocOptions {
  return {
    db: o.db,
    log: o.log,
    health: {
      prefix: c.agent.prefix,
      facts: {
        stScript: c.file,
        engineer: c.agent.engineer,
        location: c.agent.location,
        build: c.agent.build,
        buildDate: c.agent.buildDate,
        stream: c.agent.stream,
      },
      mounts: Object.entries(c.health.disks).map(([name, path]) => ({ name, path })),
      interfaces: ipInterfaces(c, o.interfaces),
      alarms: c.health.alarms,
      periodsS: {
        CA: c.health.caPeriodS,
        FD: c.health.fdPeriodS,
        LOAD: c.health.loadPeriodS,
        MEM: c.health.memPeriodS,
      },
      controlAsg: CONTROL_ASG,
      inputs: o.inputs,
      onSysReset: o.onSysReset,
    },
    server: {
      env: o.env,
      settings: {
        interfaces: [c.ioc.address],
        serverPort: c.ioc.port,
        autoBeaconAddrList: false,
        beaconAddrList: c.ioc.beaconAddresses.map((host) => ({ host, port: 5065 })),
      },
      mayMoveTcpPort: false,
    },
  };
}
