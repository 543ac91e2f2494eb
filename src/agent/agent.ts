// The agent (`gwagent run`): composes the config generator, the supervisor, the health IOC and the CA
// client. It renders the gateway files, starts the services, and executes reloads and the periodic
// refresh. What it wires lives beside it: its own PVs (agent-pvs.ts), each gateway's entry with its PVs
// and statistics mirror (gateway-entry.ts), the reload diff (reload-plan.ts, pure) and the health IOC's
// options (soft-ioc-options.ts, pure). The domains stay independent: only their public APIs are used.
import { mkdir } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { CaClient } from '../ca/client/index.js';
import { INVALID_ALARM } from '../ca/constants.js';
import { GwError, ProblemsError } from '../errors.js';
import {
  gatewayFilesDir,
  loadAgentConfig,
  renderGateway,
  writeRendered,
  type AgentConfig,
  type GatewayConfig,
} from '../gwconfig/index.js';
import { parseAcf, RecordDatabase, startSoftIoc, type CaServer, type SoftIoc } from '../ioc/index.js';
import type { Logger } from '../log.js';
import { lockStateDir, Supervisor, type ControlServer, type InstanceLock } from '../supervisor/index.js';
import { agentAcf } from './access-policy.js';
import { AgentPvs } from './agent-pvs.js';
import { ExitNotes } from './exit-reason.js';
import { softIocOptions } from './soft-ioc-options.js';
import { GatewayEntry } from './gateway-entry.js';
import { prepareHome } from './gateway-home.js';
import { lastOutputLine } from './exit-line.js';
import { WebServer } from './http/web-server.js';
import { ProcUsage } from './proc-usage.js';
import { gatewayServer, planReload, type ReloadAction } from './reload-plan.js';
import { requestReread } from './reread.js';

export interface AgentOptions {
  configPath: string;
  log: Logger;
  /** Environment of the agent (for the CA server's EPICS_CAS_* fallbacks and the gateways' PATH). */
  env?: NodeJS.ProcessEnv;
  /** Period of the process/uptime refresh of gateway PVs, ms. */
  refreshMs?: number;
  /** Called when SYSRESET asks the agent to restart itself. */
  onSysReset?: () => void;
}

/** Idle time before the stats circuits are probed with ECHO (a hung gateway is seen ~5 s after it):
 * 10 s, or GWAGENT_CA_CONN_TMO seconds (tests shorten it). */
function caConnTmoMs(env: NodeJS.ProcessEnv): number {
  const s = Number(env['GWAGENT_CA_CONN_TMO']);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 10_000;
}

/** A configured directory that cannot be created stops the start with exit 78 naming it (not a stack
 * trace); one that fails later (unwritable, full) only shows on the gateways' LOG_ERRS/LOG_MSG. */
async function makeConfiguredDir(key: string, path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (err) {
    throw new GwError('GW_CONFIG_INVALID', `${key} ${path} cannot be created: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

export class Agent {
  private config: AgentConfig;
  private readonly db = new RecordDatabase();
  private readonly pvs: AgentPvs;
  private readonly supervisor: Supervisor;
  private readonly client: CaClient;
  private ioc: SoftIoc | undefined;
  private control: ControlServer | undefined;
  private web: WebServer | undefined;
  private readonly gateways = new Map<string, GatewayEntry>();
  private readonly usage = new ProcUsage();
  private readonly exitNotes = new ExitNotes();
  private refreshTimer: NodeJS.Timeout | undefined;
  /** Gateways stopped by a signal at the last refresh (SUSP_TASK_CNT). */
  private suspendedCount = 0;
  private reloading: Promise<void> | undefined;
  private readonly log: Logger;
  private readonly env: NodeJS.ProcessEnv;
  private lock: InstanceLock | undefined;

  /** Loads the config (throws ProblemsError if invalid); `start` does the rest. No I/O besides the read. */
  constructor(private readonly opts: AgentOptions) {
    this.log = opts.log;
    this.env = opts.env ?? process.env;
    const c = loadAgentConfig(opts.configPath);
    this.config = c;
    this.pvs = new AgentPvs(this.db, c, {
      reload: () => this.reload(),
      readAcf: async () => {
        await this.reload();
        this.db.setAccessPolicy(parseAcf(agentAcf(this.config), '(gwagent built-in access rules)'));
      },
    });
    this.client = new CaClient({
      autoAddrList: false,
      addrList: [],
      userName: c.agent.caUser,
      hostName: c.agent.caHost,
      connTmoMs: caConnTmoMs(this.env),
    });
    this.supervisor = new Supervisor({ stateDir: `${c.agent.stateDir}/children`, logDir: c.agent.logDir });
  }

  get caServer(): CaServer | undefined {
    return this.ioc?.server;
  }

  /** Starts everything: the files, the health IOC, the gateways, the control socket and the web views. */
  async start(): Promise<void> {
    const c = this.config;
    await makeConfiguredDir('state_dir', c.agent.stateDir);
    // Before any socket, file or child: a second agent on this state must leave everything as it was.
    this.lock = lockStateDir(c.agent.stateDir);
    await makeConfiguredDir('log_dir', c.agent.logDir);
    await this.writeGatewayFiles(c);
    this.db.setAccessPolicy(parseAcf(agentAcf(c), '(gwagent built-in access rules)'));

    this.ioc = await this.startIoc(c);
    this.client.on('exception', (ex: { error: Error }) => this.log.debug(`CA client: ${ex.error.message}`));
    this.supervisor.on('state', (ev) => {
      const g = this.gateways.get(ev.name);
      if (ev.state === 'starting') this.exitNotes.started(ev.name, this.supervisor.tail(ev.name, 1));
      if (g) g.pvs.setStatus(this.supervisor.snapshot(ev.name), this.exitLine(ev.name));
      // FATAL needs an operator (a config change or a start); BACKOFF is a gateway that keeps dying.
      const level = ev.state === 'fatal' ? 'error' : ev.state === 'backoff' ? 'warn' : 'info';
      this.log[level](`${ev.name}: ${ev.previous} -> ${ev.state}${ev.reason ? ` (${ev.reason})` : ''}`);
      this.updateCounts();
    });
    this.supervisor.on('warning', (m) => this.log.warn(m));
    this.supervisor.on('exit', (ev: { name: string }) => this.explainExit(ev.name));
    const orphans = await this.supervisor.reapOrphans();
    for (const o of orphans)
      this.log.warn(`ended a gateway left over by a previous agent: ${JSON.stringify(o)}`);

    for (const g of c.gateways) this.addGateway(c, g);
    this.control = await this.supervisor.startControlServer({
      socketPath: c.control.socketPath,
      holder: this.lock.holder,
      listPvs: (pattern) => this.db.names(pattern),
      health: () => ({
        ...(this.ioc?.health?.statusNow() ?? { status: 'Fault', severity: INVALID_ALARM }),
        message: this.ioc?.health?.statusMessage ?? '',
      }),
      onReload: async () => {
        await this.reload();
        return { ok: this.pvs.isConfigOk, message: this.pvs.configProblem };
      },
      ...(c.control.console.enabled
        ? {
            tcpConsoles: c.gateways.map((g, i) => ({
              name: g.name,
              host: c.control.console.host,
              port: c.control.console.port + i,
            })),
          }
        : {}),
    });
    if (c.http.enabled)
      this.web = await WebServer.start({
        settings: c.http,
        provider: this.db,
        prefix: c.agent.prefix,
        container: c.agent.name,
        gateways: () => [...this.gateways.keys()],
        disks: () => Object.keys(this.config.health.disks),
        log: this.log.child('http'),
      });
    this.refreshTimer = setInterval(() => void this.refresh(), this.opts.refreshMs ?? 2000);
    this.refreshTimer.unref();
    this.log.info(
      `agent ${c.agent.name} running: ${c.gateways.length} gateways, ${this.db.size} PVs, prefix ${c.agent.prefix}`,
    );
  }

  /** The health IOC on the agent's database: the health PVs beside the agent and gateway PVs. */
  private async startIoc(c: AgentConfig): Promise<SoftIoc> {
    try {
      return await startSoftIoc(
        softIocOptions(c, {
          db: this.db,
          log: this.log,
          env: this.env,
          interfaces: networkInterfaces(),
          inputs: {
            suspended: () => this.suspendedCount,
            extraSeverities: () => [...this.gateways.values()].flatMap((g) => g.pvs.severities()),
            extraAlarms: () => [...this.gateways.values()].flatMap((g) => g.pvs.alarmSources()),
          },
          onSysReset: () => this.opts.onSysReset?.(),
        }),
      );
    } catch (err) {
      if (err instanceof GwError && err.code === 'GW_IN_USE')
        throw new GwError('GW_IN_USE', `health IOC: ${err.message}; free it or change [ioc] port`, {
          cause: err,
        });
      throw err;
    }
  }

  private async writeGatewayFiles(c: AgentConfig) {
    const rendered = c.gateways.map((g) => renderGateway(c, g.name));
    for (const g of c.gateways) await prepareHome(g);
    return writeRendered(gatewayFilesDir(c), rendered);
  }

  private addGateway(c: AgentConfig, g: GatewayConfig): void {
    const entry = new GatewayEntry({
      config: c,
      gateway: g,
      db: this.db,
      client: this.client,
      env: this.env,
      controls: {
        start: () => void this.supervisor.start(g.name),
        stop: async () => void (await this.supervisor.stop(g.name)),
        restart: async () => void (await this.supervisor.restart(g.name)),
        reload: () => this.reread(g.name),
        respec: (spec) => void this.supervisor.update(spec),
      },
    });
    this.gateways.set(g.name, entry);
    this.supervisor.add(entry.spec);
    entry.pvs.setStatus(this.supervisor.snapshot(g.name));
    entry.mirror.start();
    if (g.supervision.enabled) this.supervisor.start(g.name);
  }

  private async removeGateway(name: string): Promise<void> {
    const entry = this.gateways.get(name);
    if (!entry) return;
    entry.mirror.stop();
    await this.supervisor.remove(name);
    entry.pvs.remove();
    this.usage.forget(name);
    this.gateways.delete(name);
  }

  /** Tells a gateway to re-read its pvlist and access file (newAsFlag, verified in its log). */
  private async reread(name: string): Promise<void> {
    const entry = this.gateways.get(name);
    if (!entry) return;
    const outcome = await requestReread({
      client: this.client,
      supervisor: this.supervisor,
      gateway: name,
      server: gatewayServer(this.config, entry.config),
    });
    if (outcome.isVerified) this.log.info(`${name}: re-read its pvlist and access file (${outcome.via})`);
    else this.log.warn(`${name}: could not confirm the re-read of its files: ${outcome.detail}`);
  }

  /** Re-reads the config; an invalid one changes nothing (the problem is logged and shown on PVs). */
  reload(): Promise<void> {
    this.reloading ??= this.doReload().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  /** The new config, or undefined after showing why it is refused (CONFIG_OK No, CONFIG_MSG, CONFIG_ERR). */
  private loadForReload(): AgentConfig | undefined {
    try {
      return loadAgentConfig(this.opts.configPath);
    } catch (err) {
      const text = err instanceof ProblemsError ? err.message : String((err as Error).message);
      this.log.error(`reload refused, keeping the running configuration:\n${text}`);
      // CONFIG_MSG holds 39 characters: the first error without the file path, which would fill them.
      const first =
        err instanceof ProblemsError ? err.problems.find((p) => p.severity === 'error') : undefined;
      const where = first?.line !== undefined ? `line ${first.line}` : first?.key;
      // An unreadable file (deleted, a directory) is a GwError "<path>: cannot read: ...": drop the path too.
      const short = first
        ? `${where ? `${where}: ` : ''}${first.message}`
        : (text.split('\n')[0] ?? '').replace(`${this.opts.configPath}: `, '');
      this.pvs.setConfigProblem(text, short);
      return undefined;
    }
  }

  private async doReload(): Promise<void> {
    const next = this.loadForReload();
    if (next === undefined) return;
    const old = this.config;
    this.config = next;
    await this.writeGatewayFiles(next);
    const plan = planReload(old, next);
    for (const g of next.gateways) {
      const entry = this.gateways.get(g.name);
      if (entry) entry.config = g;
    }
    for (const action of plan) await this.execute(action, next);
    this.pvs.setConfigProblem('');
    const count = (kind: ReloadAction['kind']) => plan.filter((a) => a.kind === kind).length;
    this.log.info(
      `reloaded ${next.file}: ${count('reread')} re-read, ${count('add') + count('restart')} restarted, ${count('remove')} removed`,
    );
  }

  /** One step of a reload plan. */
  private async execute(action: ReloadAction, next: AgentConfig): Promise<void> {
    if (action.kind === 'gateway-count') return this.pvs.setGatewayCount(action.count);
    const name = action.gateway;
    const g = next.gateways.find((n) => n.name === name);
    const entry = this.gateways.get(name);
    if (action.kind === 'remove') return this.removeGateway(name);
    if (g === undefined) return;
    if (action.kind === 'add') return this.addGateway(next, g);
    if (entry === undefined) return;
    switch (action.kind) {
      case 'stop':
        await this.supervisor.stop(name);
        return;
      case 'restart': {
        const { isRestarted } = await this.supervisor.update(entry.respec(next, g));
        // FATAL (binary, user or directory missing) waits for a config change: this is one, try again.
        const isRetried =
          !isRestarted && g.supervision.enabled && this.supervisor.snapshot(name).state === 'fatal';
        if (isRetried) this.supervisor.start(name);
        const what = isRestarted ? ', restarted' : isRetried ? ', started' : '';
        this.log.info(`${name}: command line changed${what}`);
        return;
      }
      case 'update':
        await this.supervisor.update(entry.respec(next, g));
        return;
      case 'retarget':
        return entry.mirror.retarget(action.server);
      case 'reread':
        return this.reread(name);
      case 'label':
        return entry.pvs.get('LABEL').set(action.label.slice(0, 39));
      case 'start':
        this.supervisor.start(name);
        return;
    }
  }

  /** Shows the gateway's own reason for an exit (its last output lines may trail the exit event). */
  private explainExit(name: string, isRetry = false): void {
    const entry = this.gateways.get(name);
    if (!entry) return;
    const reason = this.exitNotes.reason(name, this.supervisor.tail(name, 60));
    if (!reason && !isRetry) setTimeout(() => this.explainExit(name, true), 300).unref();
    entry.pvs.setExitReason(reason);
    entry.pvs.setStatus(this.supervisor.snapshot(name), this.exitLine(name));
    this.ioc?.health?.updateStatus();
  }

  /** While a gateway is down after an exit: the last line it printed (the pty may deliver it after
   * the exit event, so the periodic refresh looks again). */
  private exitLine(name: string): string | undefined {
    const st = this.supervisor.snapshot(name);
    if (st.state !== 'exited' && st.state !== 'backoff' && st.state !== 'fatal') return undefined;
    return lastOutputLine(this.supervisor.tail(name, 50), name);
  }

  private updateCounts(): void {
    const running = this.supervisor.snapshotAll().filter((s) => s.state === 'running').length;
    this.pvs.setRunning(running);
    this.ioc?.health?.updateStatus();
  }

  /** Periodic: uptime, CPU and memory of each gateway, suspended count, the unresponsive rule. */
  private async refresh(): Promise<void> {
    let suspended = 0;
    const now = Date.now();
    for (const [name, entry] of this.gateways) {
      const st = this.supervisor.snapshot(name);
      entry.pvs.setStatus(st, this.exitLine(name));
      if (st.pid !== undefined) {
        const u = await this.usage.sample(name, st.pid);
        if (u) entry.pvs.setUsage(u.cpuPercent, u.rssBytes);
        if (u?.isStopped) suspended++;
      }
      if (entry.isUnresponsiveTooLong(st.state === 'running', now)) {
        const limitS = entry.config.supervision.unresponsiveRestartS;
        this.log.warn(`${name}: not answering on its server side for ${limitS} s: restarting it`);
        void this.supervisor.restart(name);
      }
    }
    this.suspendedCount = suspended;
    this.ioc?.health?.setInput('SUSP_TASK_CNT', suspended);
    this.updateCounts();
  }

  /** Stops every gateway (TERM, then KILL after their stop timeout) and every service. */
  async stop(): Promise<void> {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    await this.web?.close();
    for (const g of this.gateways.values()) g.mirror.stop();
    await this.supervisor.stopAll();
    await this.control?.close();
    await this.supervisor.close();
    await this.client.close();
    await this.ioc?.close();
    this.lock?.release();
  }
}
