// Issue 7, the config file replaced under a running agent by something that is not a config at all:
// deleted, a directory in its place, binary garbage. (An invalid key is test/agent/reload.int.test.ts.)
// Each reload is refused with CONFIG_OK No and a reason, the gateways keep running with the last good
// config (same PIDs), and a valid file afterwards is applied (CONFIG_OK Yes). Against the stand-in and
// the real ca-gateway (peers, namespaces), which also keeps serving a subnet IOC's PV to a real caget.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { DBR_TIME_ENUM, MAJOR_ALARM, NO_ALARM } from '../../src/ca/constants.js';
import { describeBothGateways, gatewayPids, type AgentFixture } from '../agent/harness.js';

const CASES: [string, (path: string) => void][] = [
  ['deleted', (path) => rmSync(path)],
  [
    'a directory in its place',
    (path) => {
      rmSync(path);
      mkdirSync(path);
    },
  ],
  ['binary garbage', (path) => writeFileSync(path, Buffer.from([0, 1, 2, 0xff, 0xfe, 0x5b, 10, 0x80]))],
];

/** CONFIG_MSG (39 characters): the reason, not the file path that would fill it. */
const SHORT: Record<string, string> = {
  deleted: 'cannot read: ENOENT: no such file or directory'.slice(0, 39),
  'a directory in its place': 'cannot read: EISDIR: illegal operation on a directory'.slice(0, 39),
  'binary garbage': 'line 1: not a "key = value" line or [section]'.slice(0, 39),
};

describeBothGateways('config file replaced by something invalid', (backend, make) => {
  let agent: AgentFixture;
  let good = '';

  beforeAll(async () => {
    agent = await make('CR');
    if (agent.isReal) agent.startSubnetIoc('record(ai, "CR:AI") { field(VAL, "3.25") field(PREC, "2") }\n');
    await agent.configure([{ name: 'GWA', label: 'gateway A' }]);
    good = readFileSync(agent.configPath, 'utf8');
    await agent.start();
    await agent.waitStr('GWA:STATE', (s) => s === 'RUNNING');
    await agent.waitStr('GWA:ALIVE', (s) => s === 'Yes', 20_000);
    if (agent.isReal) expect(await agent.cagetServed('GWA', 'CR:AI')).toBe('3.25');
  });

  afterAll(() => agent?.dispose());

  // a failed case must not leave the next one without a good file
  afterEach(() => {
    let text = '';
    try {
      text = readFileSync(agent.configPath, 'utf8');
    } catch {
      /* deleted, or a directory */
    }
    if (!text.startsWith('[agent]')) {
      rmSync(agent.configPath, { recursive: true, force: true });
      writeFileSync(agent.configPath, good);
    }
  });

  it.each(CASES)(
    '%s: refused, last good config kept, a valid file applied afterwards',
    async (what, spoil) => {
      const pid = await agent.num('GWA:PID');
      spoil(agent.configPath);
      const reload = await agent.cli(['reload']);
      expect(reload.code).toBe(0);
      const answer = JSON.parse(reload.stdout) as { ok: boolean; message: string };
      expect(answer.ok).toBe(false);
      expect(answer.message).toContain(agent.configPath);
      const ok = await agent.get('CONFIG_OK', DBR_TIME_ENUM);
      expect([ok.value, ok.severity]).toEqual([0, MAJOR_ALARM]);
      const msg = await agent.str('CONFIG_MSG');
      expect(msg).toBe(SHORT[what]);
      // a char waveform: the text as latin1 (garbage shows as U+FFFD, which latin1 cannot hold)
      expect(await agent.text('CONFIG_ERR')).toBe(Buffer.from(answer.message, 'latin1').toString('latin1'));
      // untouched: same process, still answering, nothing removed
      expect(await agent.num('GWA:PID')).toBe(pid);
      expect(gatewayPids(agent.home('GWA'))).toEqual([pid]);
      expect(await agent.str('GWA:ALIVE')).toBe('Yes');
      expect(await agent.num('GW_CNT')).toBe(1);
      // the real gateway still serves the subnet's PV on the GIN
      if (agent.isReal) expect(await agent.caget('GWA', 'CR:AI', ['-t'])).toEqual({ code: 0, out: '3.25' });
      console.log(`[faults] ${backend}, config ${what}: reload refused, CONFIG_MSG "${msg}"`);

      // a valid file again (with a new label, to see it applied)
      rmSync(agent.configPath, { recursive: true, force: true });
      writeFileSync(
        `${agent.configPath}.new`,
        good.replace('label = gateway A', `label = gateway A ${what}`),
      );
      renameSync(`${agent.configPath}.new`, agent.configPath);
      const again = await agent.cli(['reload']);
      expect(JSON.parse(again.stdout)).toEqual({ ok: true, message: '' });
      const ok2 = await agent.get('CONFIG_OK', DBR_TIME_ENUM);
      expect([ok2.value, ok2.severity]).toEqual([1, NO_ALARM]);
      expect(await agent.str('GWA:LABEL')).toBe(`gateway A ${what}`);
      expect(await agent.num('GWA:PID')).toBe(pid);
      expect(gatewayPids(agent.home('GWA'))).toEqual([pid]);
    },
  );
});
