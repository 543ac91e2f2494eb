// /metrics: the agent's PVs in the Prometheus text format, through prom-client with a registry of its own
// (not the process-wide default). Every metric reads the current PV snapshots in its collect() callback,
// so a scrape costs one pass over ~40 snapshots and nothing runs between scrapes. Names follow Prometheus
// conventions: gwagent_ prefix, base units (bytes, seconds, ratios), _total for counters, labels
// container and gateway. A statistic that cannot be read is absent (and gwagent_gateway_stats_up is 0),
// never a 0 that looks like a measurement.
import { Counter, Gauge, Registry } from 'prom-client';
import { STATE_STRINGS, type StatSuffix } from '../gateway-records.js';
import type { PvReader } from './pv-view.js';

export interface MetricsSource {
  reader: PvReader;
  container: string;
  gateways: () => readonly string[];
  disks: () => readonly string[];
}

/** Mirrored gateway statistics: PV suffix -> metric name, help, scale to base units. */
const STAT_METRICS: readonly (readonly [StatSuffix, string, string])[] = [
  ['PV_TOTAL', 'gwagent_gateway_pvs', 'PVs the gateway holds (its pvtotal)'],
  ['VC_TOTAL', 'gwagent_gateway_virtual_circuits', 'Virtual circuits (vctotal)'],
  ['CONNECTED', 'gwagent_gateway_connected_pvs', 'Connected PVs'],
  ['ACTIVE', 'gwagent_gateway_active_pvs', 'Active PVs (connected and used by a client)'],
  ['INACTIVE', 'gwagent_gateway_inactive_pvs', 'Inactive PVs (connected, no client)'],
  ['UNCONNECTED', 'gwagent_gateway_unconnected_pvs', 'Unconnected PVs'],
  ['DISCONNECTED', 'gwagent_gateway_disconnected_pvs', 'Disconnected PVs'],
  ['CONNECTING', 'gwagent_gateway_connecting_pvs', 'PVs being connected'],
  ['DEAD', 'gwagent_gateway_dead_pvs', 'Dead PVs'],
  ['CLIENT_EVENT_RATE', 'gwagent_gateway_client_events_per_second', 'Events to clients (clientEventRate)'],
  ['CLIENT_POST_RATE', 'gwagent_gateway_client_posts_per_second', 'Posts to clients (clientPostRate)'],
  ['SERVER_EVENT_RATE', 'gwagent_gateway_server_events_per_second', 'Events from IOCs (serverEventRate)'],
  ['SERVER_POST_RATE', 'gwagent_gateway_server_posts_per_second', 'Posts from IOCs (serverPostRate)'],
  ['EXIST_TEST_RATE', 'gwagent_gateway_exist_tests_per_second', 'Exist tests, i.e. searches (existTestRate)'],
  ['LOOP_RATE', 'gwagent_gateway_loops_per_second', 'Main loop rate (loopRate)'],
  ['CPU_FRACT', 'gwagent_gateway_reported_cpu_ratio', 'CPU fraction the gateway reports (cpuFract)'],
  ['LOAD', 'gwagent_gateway_reported_load1', 'Host load the gateway reports (load)'],
];

/** Container-wide health PVs: suffix, metric name, help, scale (percent -> ratio). */
const HEALTH_METRICS: readonly (readonly [string, string, string, number])[] = [
  ['STATUS', 'gwagent_health_status', 'Health summary STATUS: 0 Ok, 1 Degraded, 2 Fault', 1],
  ['CONFIG_OK', 'gwagent_config_ok', '1 if the last configuration load succeeded', 1],
  ['GW_CNT', 'gwagent_gateways', 'Configured gateways', 1],
  ['GW_RUNNING', 'gwagent_gateways_running', 'Gateways in state RUNNING', 1],
  ['CA_CLNT_CNT', 'gwagent_ca_clients', 'CA clients of the health IOC', 1],
  ['CA_CONN_CNT', 'gwagent_ca_channels', 'CA channels of the health IOC', 1],
  ['SYS_CPU_LOAD', 'gwagent_host_cpu_ratio', 'CPU load of the host', 0.01],
  ['CG_CPU_LOAD', 'gwagent_container_cpu_quota_ratio', 'CPU used of the container quota', 0.01],
  ['IOC_CPU_LOAD', 'gwagent_agent_cpu_ratio', 'CPU load of the agent process', 0.01],
  ['MEM_USED', 'gwagent_agent_resident_memory_bytes', 'Resident memory of the agent', 1],
  ['MEM_USED_PCT', 'gwagent_host_memory_used_ratio', 'Host memory used (not available)', 0.01],
  ['CG_MEM_USED', 'gwagent_container_memory_used_bytes', 'Container memory used', 1],
  ['FD_CNT', 'gwagent_agent_open_fds', 'File descriptors open in the agent', 1],
  ['LOAD1', 'gwagent_host_load1', 'Load average over 1 minute', 1],
];

export function createMetricsRegistry(src: MetricsSource): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ container: src.container });
  const r = src.reader;
  const registers = [registry];

  for (const [suffix, name, help, scale] of HEALTH_METRICS) {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.reset();
        const v = r.number(suffix, suffix === 'STATUS');
        if (v !== undefined) this.set(v * scale);
      },
    });
  }
  new Gauge({
    name: 'gwagent_disk_used_ratio',
    help: 'File system used, per watched disk',
    labelNames: ['disk'],
    registers,
    collect() {
      this.reset();
      for (const disk of src.disks()) {
        const v = r.number(`DISK:${disk}:USED_PCT`);
        if (v !== undefined) this.set({ disk }, v / 100);
      }
    },
  });

  // Gateway process state the way node_exporter's systemd collector exports unit states: one series
  // per state, 1 for the current one.
  new Gauge({
    name: 'gwagent_gateway_state',
    help: 'Gateway process state (supervisord vocabulary): 1 for the current state',
    labelNames: ['gateway', 'state'],
    registers,
    collect() {
      this.reset();
      for (const gateway of src.gateways()) {
        const v = r.number(`${gateway}:STATE`);
        if (v === undefined) continue;
        STATE_STRINGS.forEach((state, i) => this.set({ gateway, state }, i === v ? 1 : 0));
      }
    },
  });
  const perGateway = (name: string, help: string, suffix: string, scale = 1, isCounter = false): void => {
    const collect = function (this: Gauge | Counter): void {
      this.reset();
      for (const gateway of src.gateways()) {
        const v = r.number(`${gateway}:${suffix}`);
        if (v === undefined) continue;
        if (this instanceof Gauge) this.set({ gateway }, v * scale);
        else this.inc({ gateway }, v * scale);
      }
    };
    const config = { name, help, labelNames: ['gateway'], registers, collect };
    if (isCounter) new Counter(config);
    else new Gauge(config);
  };
  perGateway(
    'gwagent_gateway_stats_up',
    '1 if the gateway statistics can be read (its server side answers)',
    'ALIVE',
  );
  perGateway(
    'gwagent_gateway_restarts_total',
    'Automatic restarts of the gateway since the agent started',
    'RESTARTS',
    1,
    true,
  );
  perGateway('gwagent_gateway_cpu_ratio', 'CPU used by the gateway process (1 = one core)', 'CPU', 0.01);
  perGateway('gwagent_gateway_resident_memory_bytes', 'Resident memory of the gateway process', 'MEM');
  perGateway(
    'gwagent_gateway_log_write_errors_total',
    'Failed writes of the gateway log',
    'LOG_ERRS',
    1,
    true,
  );
  for (const [suffix, name, help] of STAT_METRICS) perGateway(name, help, suffix);
  return registry;
}
