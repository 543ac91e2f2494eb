// The `[http]` section: the agent's read-only web views (status page, /metrics, /healthz). Absent means
// off. Checks each key on its own; the clash with the health IOC's port is checked here too because it
// needs only [ioc]. Pure: section in, settings + problems out.
import { isIpv4 } from '../net.js';
import type { ProblemList } from './problems.js';
import type { SectionReader } from './section-reader.js';
import type { HttpSettings, IocSettings } from './types.js';

export const HTTP_DEFAULTS = { address: '127.0.0.1', maxConnections: 64, maxEventClients: 16 } as const;

/** `section` is undefined when the file has no [http]: the web views are off. */
export function parseHttp(
  section: SectionReader | undefined,
  ioc: IocSettings,
  problems: ProblemList,
): HttpSettings {
  const off: HttpSettings = { enabled: false, address: HTTP_DEFAULTS.address, port: 0, ...limits() };
  if (section === undefined) return off;
  const address = section.string('address', HTTP_DEFAULTS.address);
  if (!isIpv4(address))
    problems.error(
      section.lineOf('address'),
      `[http] address must be a numeric IPv4 address, got "${address}"`,
    );
  else if (!address.startsWith('127.'))
    problems.warn(
      section.lineOf('address'),
      `the status page and /metrics listen on ${address}, not loopback: anyone who can reach it can read them (read-only)`,
    );
  const portText = section.required('port');
  const port = portText === undefined ? 0 : section.integer('port', 0, 1, 65535);
  const settings: HttpSettings = {
    enabled: port > 0,
    address,
    port,
    ...limits(section),
  };
  const isSameHost = address === ioc.address || address === '0.0.0.0' || ioc.address === '0.0.0.0';
  if (port > 0 && port === ioc.port && isSameHost)
    problems.error(
      section.lineOf('port'),
      `[http] port ${port} is the health IOC's CA port on the same address: choose another`,
    );
  section.reportUnknown();
  return settings;
}

function limits(section?: SectionReader): Pick<HttpSettings, 'maxConnections' | 'maxEventClients'> {
  return {
    maxConnections:
      section?.integer('max_connections', HTTP_DEFAULTS.maxConnections, 2, 10_000) ??
      HTTP_DEFAULTS.maxConnections,
    maxEventClients:
      section?.integer('max_event_clients', HTTP_DEFAULTS.maxEventClients, 1, 1000) ??
      HTTP_DEFAULTS.maxEventClients,
  };
}
