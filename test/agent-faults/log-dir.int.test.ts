// Issue 7, the log directory unusable. At start, a log_dir that cannot be created is a config error
// (exit 78 naming it, nothing launched). At runtime nothing stops: a full disk (the gateway's log file is
// /dev/full, ENOSPC even for root) or a log directory replaced by a regular file (ENOTDIR even for root)
// is counted on <GW>:LOG_ERRS (MINOR, so STATUS Degraded) and named on LOG_MSG; the gateway keeps running
// and answering, and its log resumes once the directory is back. Against the stand-in and the real
// ca-gateway (peers, namespaces): both print a PV summary report ("Report2 written") on SIGUSR2.
import { renameSync, rmSync, symlinkSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DBR_TIME_ENUM, DBR_TIME_LONG, MINOR_ALARM, NO_ALARM, WRITE_ALARM } from '../../src/ca/constants.js';
import { describeBothGateways, gatewayPids, waitFor, type AgentFixture } from '../agent/harness.js';
import { quietHost } from './quiet-host.js';

describeBothGateways('log_dir that cannot be created at start', (_backend, make) => {
  let agent: AgentFixture;
  beforeAll(async () => (agent = await make('LS')));
  afterAll(() => agent?.dispose());

  it('exits 78 naming log_dir and the path, and launches no gateway', async () => {
    const file = join(agent.dir, 'a-file');
    writeFileSync(file, 'not a directory\n');
    const logDir = join(file, 'log');
    await agent.configure([{ name: 'GWS' }], (ini) => ini.replace(/^log_dir = .*$/m, `log_dir = ${logDir}`));
    await expect(agent.start()).rejects.toThrow('the agent exited 78');
    expect(agent.output).toBe(
      `gwagent run: log_dir ${logDir} cannot be created: ENOTDIR: not a directory, mkdir '${logDir}'\n`,
    );
    expect(gatewayPids(agent.home('GWS'))).toEqual([]);
  });
});

describeBothGateways('log writes failing at runtime', (backend, make) => {
  let agent: AgentFixture;
  let moved = '';

  /** Makes the gateway print (SIGUSR2: its two "Report2" lines) until `until` holds. */
  async function printUntil(
    name: string,
    until: () => boolean | Promise<boolean>,
    what: string,
  ): Promise<void> {
    const pid = await agent.num(`${name}:PID`);
    await waitFor(
      async () => {
        process.kill(pid, 'SIGUSR2');
        return (await until()) || undefined;
      },
      20_000,
      what,
    );
  }

  beforeAll(async () => {
    agent = await make('LF');
    moved = `${agent.logDir}.moved`;
    if (agent.isReal) agent.startSubnetIoc('record(ai, "LF:AI") { field(VAL, "7") }\n');
    await agent.configure(
      [
        // disk full from the start: its log file is /dev/full
        { name: 'GWD', label: 'log disk full' },
        // tiny log: a few lines rotate it, and rotating touches the directory
        { name: 'GWR', label: 'log dir replaced', keys: { log_max_bytes: 1024, log_keep: 1 } },
      ],
      quietHost,
    );
    mkdirSync(agent.logDir);
    symlinkSync('/dev/full', join(agent.logDir, 'GWD.log'));
    await agent.start();
    for (const gw of ['GWD', 'GWR']) {
      await agent.waitStr(`${gw}:STATE`, (s) => s === 'RUNNING');
      await agent.waitStr(`${gw}:ALIVE`, (s) => s === 'Yes', 20_000);
    }
  });

  afterAll(() => agent?.dispose());

  it('disk full: LOG_ERRS counts, LOG_MSG says ENOSPC, STATUS Degraded; the gateway runs and answers', async () => {
    const errs = await waitFor(
      async () => {
        const v = await agent.get('GWD:LOG_ERRS', DBR_TIME_LONG);
        return Number(v.value) >= 1 ? v : undefined;
      },
      10_000,
      'GWD:LOG_ERRS >= 1',
    );
    expect([errs.severity, errs.status]).toEqual([MINOR_ALARM, WRITE_ALARM]);
    expect(await agent.str('GWD:LOG_MSG')).toBe('ENOSPC: no space left on device, write');
    // nothing else is wrong: the summary is Degraded for the log alone
    const other = await agent.get('GWR:LOG_ERRS', DBR_TIME_LONG);
    expect([other.value, other.severity]).toEqual([0, NO_ALARM]);
    await waitFor(
      async () => {
        const st = await agent.get('STATUS', DBR_TIME_ENUM);
        return st.value === 1 && st.severity === MINOR_ALARM ? st : undefined;
      },
      10_000,
      'STATUS Degraded (MINOR)',
    );
    // the writer keeps retrying (every 5 s) and keeps counting; the gateway is untouched
    const first = await agent.num('GWD:LOG_ERRS');
    const t0 = Date.now();
    await printUntil('GWD', async () => (await agent.num('GWD:LOG_ERRS')) > first, 'a second failed write');
    console.log(
      `[faults] ${backend}, disk full (log file = /dev/full): LOG_ERRS ${first} -> ${await agent.num('GWD:LOG_ERRS')}, ` +
        `another failed write ${Date.now() - t0} ms after new output (retry every 5 s); STATUS Degraded (MINOR), gateway ALIVE`,
    );
    expect(await agent.str('GWD:ALIVE')).toBe('Yes');
    expect(await agent.str('GWD:STATE')).toBe('RUNNING');
    expect(await agent.num('GWD:RESTARTS')).toBe(0);
    // the real gateway serves the subnet's PV to a real client all the while
    if (agent.isReal) expect(await agent.cagetServed('GWD', 'LF:AI')).toBe('7');
    // the console tail (`gwagent logs`) still has the output the file could not take
    const logs = await agent.cli(['logs', 'GWD']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('Report2 written to gateway.report');
  });

  it('log_dir replaced by a file while running: ENOTDIR counted, the gateway runs, the log resumes', async () => {
    const pid = await agent.num('GWR:PID');
    expect(await agent.num('GWR:LOG_ERRS')).toBe(0);
    renameSync(agent.logDir, moved);
    writeFileSync(agent.logDir, 'not a directory\n');
    const t0 = Date.now();
    await printUntil('GWR', async () => (await agent.num('GWR:LOG_ERRS')) >= 1, 'GWR:LOG_ERRS >= 1');
    const detectMs = Date.now() - t0;
    const errs = await agent.get('GWR:LOG_ERRS', DBR_TIME_LONG);
    expect([errs.severity, errs.status]).toEqual([MINOR_ALARM, WRITE_ALARM]);
    // the rotation (log_keep 1) first removes GWR.log.1: a path under a regular file
    expect(await agent.str('GWR:LOG_MSG')).toBe(
      `ENOTDIR: not a directory, unlink '${agent.logDir}/GWR.log.1'`.slice(0, 39),
    );
    const status = await agent.cli(['status', '--json']);
    const gwr = (JSON.parse(status.stdout) as { name: string; log: { lastError: string } }[]).find(
      (c) => c.name === 'GWR',
    );
    expect(gwr?.log.lastError).toBe(`ENOTDIR: not a directory, unlink '${agent.logDir}/GWR.log.1'`);
    // nothing stopped: same process, still answering, the agent serving
    expect(await agent.num('GWR:PID')).toBe(pid);
    expect(await agent.str('GWR:STATE')).toBe('RUNNING');
    expect(await agent.str('GWR:ALIVE')).toBe('Yes');
    expect(await agent.num('GWR:RESTARTS')).toBe(0);
    expect(gatewayPids(agent.home('GWR'))).toEqual([pid]);
    const hb = await agent.num('HEARTBEAT');
    await waitFor(async () => (await agent.num('HEARTBEAT')) > hb || undefined, 3000, 'HEARTBEAT');

    // the directory back: after the retry time the log is written again, no further errors
    rmSync(agent.logDir);
    renameSync(moved, agent.logDir);
    const errsBefore = await agent.num('GWR:LOG_ERRS');
    const t1 = Date.now();
    const path = join(agent.logDir, 'GWR.log');
    let resumedText = '';
    await printUntil(
      'GWR',
      () => {
        // a resumed write grows GWR.log or rotates it: either way it holds a line stamped after `t1`
        try {
          resumedText = readFileSync(path, 'utf8');
        } catch {
          return false;
        }
        return resumedText
          .split('\n')
          .some((l) => l.includes('Report2 written') && Date.parse(l.split(' ')[0]!) >= t1 - 1);
      },
      'the log to resume',
    );
    const resumeMs = Date.now() - t1;
    // ENOTDIR errors may still be counted until the retry time; once resumed the count stands
    const errsAfter = await agent.num('GWR:LOG_ERRS');
    expect(errsAfter).toBeGreaterThanOrEqual(errsBefore);
    await new Promise((r) => setTimeout(r, 500));
    process.kill(pid, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 500));
    expect(await agent.num('GWR:LOG_ERRS')).toBe(errsAfter);
    expect(await agent.num('GWR:PID')).toBe(pid);
    console.log(
      `[faults] ${backend}, log_dir replaced by a file at runtime: first LOG_ERRS after ${detectMs} ms of output; ` +
        `directory restored: log written again after ${resumeMs} ms (retry 5 s); LOG_ERRS ${errsAfter}; gateway never restarted`,
    );
  });
});
