// The EPICS_CA_* / EPICS_CAS_* environment, read with libca's and rsrv's rules in one place for the CA
// client and the CA server: set-but-empty means unset, booleans are true only for "YES" (any case),
// ports are 1..65535. A bad value is a configuration error naming the variable (exit 78). Pure.
import { GwError } from './errors.js';
import { isIpv4, parseHostPort, parsePort } from './net.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** The first of `names` that is set to something other than blanks, trimmed. */
export function envValue(env: Env, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = env[n]?.trim();
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/** rsrv's yes/no: "YES" in any case is true, anything else false, unset the default. */
export function envYes(env: Env, name: string, dflt: boolean): boolean {
  const v = envValue(env, name);
  return v === undefined ? dflt : v.toUpperCase() === 'YES';
}

/** libca's EPICS_CA_AUTO_ADDR_LIST: anything but "NO" (any case) keeps the automatic list. */
export function envNotNo(env: Env, name: string): boolean {
  return envValue(env, name)?.toUpperCase() !== 'NO';
}

/** A port from the first set variable of `names` (reported under the first name), else `dflt`. */
export function envPort(env: Env, names: string | readonly string[], dflt: number): number {
  const list = typeof names === 'string' ? [names] : names;
  const raw = envValue(env, ...list);
  if (raw === undefined) return dflt;
  const port = parsePort(raw);
  if (port === undefined) throw envError(list[0] ?? '', raw, 'is not a port number');
  return port;
}

/** A positive number of seconds, as milliseconds; undefined when unset. */
export function envSecondsMs(env: Env, name: string): number | undefined {
  const raw = envValue(env, name);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw envError(name, raw, 'is not a positive number of seconds');
  return v * 1000;
}

/** A blank-separated list of `host[:port]` (host names allowed, as EPICS_CA_ADDR_LIST takes them). */
export function parseHostList(text: string, defaultPort: number, name: string) {
  return parseList(text, defaultPort, name, false);
}

/** A blank-separated list of `a.b.c.d[:port]`, numeric only (rsrv's EPICS_CAS_* address lists). */
export function parseIpv4List(text: string, defaultPort: number, name: string) {
  return parseList(text, defaultPort, name, true);
}

function parseList(text: string, defaultPort: number, name: string, isNumericOnly: boolean) {
  const what = isNumericOnly ? 'an IPv4 address[:port]' : 'host or host:port';
  return words(text).map((entry) => {
    const hp = parseHostPort(entry, defaultPort);
    if (hp === undefined || (isNumericOnly && !isIpv4(hp.host)))
      throw envError(name, entry, `is not ${what}`);
    return hp;
  });
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== '');
}

function envError(name: string, value: string, why: string): GwError {
  return new GwError('GW_CONFIG_INVALID', `${name}: '${value}' ${why}`);
}
