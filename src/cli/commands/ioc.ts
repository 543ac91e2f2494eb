// `gwagent ioc`: a soft IOC. Serves records from .db files (and, with --health, the health PVs) over
// Channel Access until SIGTERM/SIGINT (exit 0); SIGHUP re-reads the .acf file (a bad file changes nothing).
import { hostname } from 'node:os';
import type { Command } from '../command.js';
import { parseOptions } from '../command.js';
import { GwError } from '../../errors.js';
import { collectGarbage } from '../../gc.js';
import { createLogger } from '../../log.js';
import {
  AccessSecurity,
  CONTROL_ASG,
  defaultAcf,
  loadDbFiles,
  parseAcf,
  RecordDatabase,
  startSoftIoc,
} from '../../ioc/index.js';
import { installShutdownHandlers } from '../../supervisor/index.js';

const USAGE = `Usage: gwagent ioc [--db FILE ...] [--macros "P=X:,Q=Y"] [--acf FILE] [--health [--prefix P]]

Serves soft records over Channel Access, like softIoc, until SIGTERM or SIGINT.

Options:
  --db FILE        load records from an EPICS .db file (repeatable)
  --macros DEFS    macro definitions for the .db files, "P=X:,Q=Y"
  --acf FILE       access-security file; SIGHUP re-reads it. Without it: everyone may read,
                   only this host (127.0.0.0/8) may write
  --health         also serve the container/host health PVs (devIocStats names)
  --prefix P       PV prefix of the health PVs (default "<hostname>:")

Environment: EPICS_CAS_SERVER_PORT, EPICS_CAS_INTF_ADDR_LIST, EPICS_CAS_BEACON_ADDR_LIST,
EPICS_CAS_AUTO_BEACON_ADDR_LIST, EPICS_CAS_BEACON_PERIOD, EPICS_CAS_IGNORE_ADDR_LIST, EPICS_CA_MAX_ARRAY_BYTES.`;

export const command: Command = {
  summary: 'serve records from .db files (and health PVs) over Channel Access',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, {
      db: { type: 'string', multiple: true },
      macros: { type: 'string' },
      acf: { type: 'string' },
      health: { type: 'boolean' },
      prefix: { type: 'string' },
    });
    if (positionals.length) throw new GwError('GW_USAGE', `unexpected argument '${positionals[0]}'`);
    const dbFiles = values.db ?? [];
    if (!dbFiles.length && !values.health)
      throw new GwError('GW_USAGE', 'nothing to serve: give --db FILE and/or --health');
    if (values.prefix !== undefined && !values.health)
      throw new GwError('GW_USAGE', '--prefix goes with --health');
    const log = createLogger('ioc');

    const db = new RecordDatabase();
    if (dbFiles.length) {
      const loaded = loadDbFiles(db, dbFiles, { macros: values.macros ?? '' });
      log.info(`loaded ${loaded.records} records (${loaded.aliases} aliases) from ${dbFiles.join(', ')}`);
      collectGarbage(); // before serving: see src/gc.ts
    }
    let acf: AccessSecurity | undefined;
    if (values.acf) {
      acf = new AccessSecurity(values.acf, db);
      acf.load();
      log.info(`access security from ${values.acf}`);
    } else {
      db.setAccessPolicy(parseAcf(defaultAcf({ isDefaultWritable: true }), '(built-in)'));
    }

    let exit: (code: number) => void = () => undefined;
    const finished = new Promise<number>((resolve) => (exit = resolve));
    const ioc = await startSoftIoc({
      db,
      log,
      warmUp: true,
      ...(values.health
        ? {
            health: {
              prefix: values.prefix ?? `${hostname()}:`,
              facts: { stScript: dbFiles.join(' ') },
              controlAsg: CONTROL_ASG,
              onSysReset: () => {
                log.warn('SYSRESET written: exiting so the supervisor restarts this IOC');
                process.kill(process.pid, 'SIGTERM');
              },
            },
          }
        : {}),
    });
    log.info(`serving ${db.size} records on port ${ioc.server.tcpPort}`);

    installShutdownHandlers(ioc, {
      log: (m) => log.info(m),
      stopping: 'the IOC',
      waitingFor: 'the IOC to close',
      onExit: exit,
    });
    process.on('SIGHUP', () => {
      if (!acf) return log.info('SIGHUP: no --acf file to re-read');
      const r = acf.reload();
      if (r.ok) log.info(`SIGHUP: re-read ${values.acf}`);
      else log.error(`SIGHUP: ${values.acf} is invalid, keeping the previous rules:\n${r.error.message}`);
    });
    return finished;
  },
};
