// `gwagent fleet status|restart|stop|start`: the whole site from one terminal, over Channel Access to each
// container's health IOC (addresses, prefixes and gateways from the site inventory). Reading needs no
// rights; the controls are writes that each container's access security allows or refuses.
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { CaClient } from '../../ca/client/index.js';
import { EX_CONFIG, GwError, ProblemsError, formatProblem } from '../../errors.js';
import { loadSite } from '../../gwconfig/site-model.js';
import { FLEET_ACTIONS, fleetControl, type FleetAction } from '../../fleet/fleet-control.js';
import { fleetJson, formatFleetTable } from '../../fleet/fleet-format.js';
import { FleetReader } from '../../fleet/fleet-reader.js';
import { findTarget, fleetTargets, sharedServers, type FleetTarget } from '../../fleet/targets.js';
import type { Command } from '../command.js';
import { parseOptions } from '../command.js';

const USAGE = `Usage:
  gwagent fleet status SITE.json [--watch [--interval S]] [--json] [--timeout S]
      Every container's agent and gateways in one table, read over CA from each container's health
      IOC. A container that does not answer within --timeout (default 3 s) is shown UNREACHABLE; the
      rest are shown anyway. Exits 1 when any container is unreachable.
  gwagent fleet restart|stop|start SITE.json CONTAINER[:GATEWAY] [--user NAME] [--host NAME]
      Writes the gateway's RESTART/STOP/START PV (every gateway of CONTAINER without :GATEWAY) and
      waits for the agent to act. The container's access security decides: a refusal is reported
      and exits 1.

Options:
  --watch         redraw every --interval seconds (default 2) until interrupted
  --json          the readings as JSON (one document per line with --watch)
  --timeout S     seconds to wait for each container (default 3)
  --user NAME     CA user name to write as (default: the site's "username", else the OS user)
  --host NAME     CA host name to send (default: this host's name)`;

const OPTIONS = {
  watch: { type: 'boolean' },
  json: { type: 'boolean' },
  interval: { type: 'string' },
  timeout: { type: 'string' },
  user: { type: 'string' },
  host: { type: 'string' },
} as const;

function seconds(text: string | undefined, fallback: number, what: string): number {
  if (text === undefined) return fallback;
  const s = Number(text);
  if (!Number.isFinite(s) || s <= 0 || s > 3600)
    throw new GwError('GW_USAGE', `${what} must be seconds, got '${text}'`);
  return s;
}

function loadTargets(file: string): { targets: FleetTarget[]; username: string } | number {
  try {
    const { site, problems } = loadSite(file);
    for (const p of problems) process.stderr.write(formatProblem(p) + '\n');
    return { targets: fleetTargets(site), username: site.username };
  } catch (err) {
    if (!(err instanceof ProblemsError)) throw err;
    for (const p of err.problems) process.stderr.write(formatProblem(p) + '\n');
    return EX_CONFIG;
  }
}

async function status(
  targets: FleetTarget[],
  v: { watch?: boolean; json?: boolean; interval?: string; timeout?: string },
) {
  const timeoutMs = seconds(v.timeout, 3, '--timeout') * 1000;
  const intervalMs = seconds(v.interval, 2, '--interval') * 1000;
  const client = new CaClient({ env: {}, autoAddrList: false, addrList: [] });
  const reader = new FleetReader(client, timeoutMs);
  let isStopping = false;
  const stop = (): void => void (isStopping = true);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for (;;) {
      const readings = await reader.read(targets);
      const isAllReachable = readings.every((c) => c.isReachable);
      if (!v.watch) {
        process.stdout.write(v.json ? fleetJson(readings) : formatFleetTable(readings));
        return isAllReachable ? 0 : 1;
      }
      if (v.json) process.stdout.write(JSON.stringify(readings) + '\n');
      else {
        const clear = process.stdout.isTTY ? '\x1b[H\x1b[2J' : '';
        process.stdout.write(`${clear}${new Date().toISOString()}\n${formatFleetTable(readings)}\n`);
      }
      for (let waited = 0; waited < intervalMs && !isStopping; waited += 100) await sleep(100);
      if (isStopping) return 0;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    reader.close();
    await client.close();
  }
}

async function control(
  action: FleetAction,
  targets: FleetTarget[],
  spec: string | undefined,
  v: { timeout?: string; user?: string; host?: string },
  siteUser: string,
): Promise<number> {
  if (spec === undefined)
    throw new GwError('GW_USAGE', `fleet ${action} needs CONTAINER[:GATEWAY]\n${USAGE}`);
  const found = findTarget(targets, spec);
  if ('error' in found) throw new GwError('GW_USAGE', found.error);
  const user = v.user ?? (siteUser || os.userInfo().username);
  const host = (v.host ?? os.hostname()).toLowerCase();
  const client = new CaClient({ env: {}, autoAddrList: false, addrList: [], userName: user, hostName: host });
  try {
    const outcomes = await fleetControl({
      client,
      target: found.target,
      gateways: found.gateways,
      action,
      user,
      host,
      connectTimeoutMs: seconds(v.timeout, 3, '--timeout') * 1000,
      putTimeoutMs: 60_000,
    });
    for (const o of outcomes) (o.isDone ? process.stdout : process.stderr).write(`${o.message}\n`);
    return outcomes.every((o) => o.isDone) ? 0 : 1;
  } finally {
    await client.close();
  }
}

export const command: Command = {
  summary: 'the whole site over CA: status of every container, restart/stop/start a gateway',
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseOptions(rest, OPTIONS);
    const [file, spec, ...extra] = positionals;
    const isControl = sub !== undefined && Object.hasOwn(FLEET_ACTIONS, sub);
    if ((sub !== 'status' && !isControl) || file === undefined)
      throw new GwError('GW_USAGE', `expected status, restart, stop or start and a SITE.json\n${USAGE}`);
    if (extra.length > 0 || (sub === 'status' && spec !== undefined))
      throw new GwError('GW_USAGE', `unexpected argument '${extra[0] ?? spec ?? ''}'\n${USAGE}`);
    const loaded = loadTargets(file);
    if (typeof loaded === 'number') return loaded;
    for (const line of sharedServers(loaded.targets))
      process.stderr.write(`gwagent fleet: warning: ${line}\n`);
    if (sub === 'status') return status(loaded.targets, values);
    return control(sub as FleetAction, loaded.targets, spec, values, loaded.username);
  },
};
