// The stock devIocStats screens keep working against the agent with only $(ioc) set: every PV name
// they read or write (collected from epics-modules/iocStats op/, see iocstats-screen-names.ts) connects
// through the real libca (pyepics), with $(ioc) = the agent's prefix without its colon; values of the
// names issue 14 added agree with their sources; the write-only controls accept the write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { PYTHON, PyEpics } from '../interop/pyepics.js';
import { freePort } from '../support/ports.js';
import { IOCSTATS_SCREEN_NAMES } from '../support/iocstats-screen-names.js';
import { agentTexts, startAgent, type RunningAgent } from './agent-run.js';

const IOC = 'CR01GW01';
const hasPyepics = existsSync(PYTHON) && existsSync('/usr/lib/python3/dist-packages/epics');
if (!hasPyepics && process.env.CI === 'true') throw new Error('python3-pyepics is required under CI');
if (!hasPyepics)
  console.warn('SKIPPED: iocStats stock screen names through pyepics (python3-pyepics not installed)');

let agent: RunningAgent;
let py: PyEpics;

beforeAll(async () => {
  if (!hasPyepics) return;
  agent = await startAgent(IOC, agentTexts('cr01gw01.ini').get(IOC)!);
  py = await PyEpics.start({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    EPICS_CA_AUTO_ADDR_LIST: 'NO',
    EPICS_CA_ADDR_LIST: '127.0.0.1',
    EPICS_CA_SERVER_PORT: String(agent.port),
    EPICS_CA_REPEATER_PORT: String(await freePort()),
    PYTHONUNBUFFERED: '1',
  });
});

afterAll(async () => {
  await py?.stop();
  await agent?.stop();
});

const get = async (name: string, asString = false) =>
  (await py.do({ op: 'get', name: `${IOC}:${name}`, as_string: asString })).value;

describe.skipIf(!hasPyepics)('devIocStats stock screens against the agent', () => {
  it.each(Object.entries(IOCSTATS_SCREEN_NAMES))(
    '%s: every name connects through libca',
    async (_screen, names) => {
      const missing: string[] = [];
      for (const name of names) {
        const r = await py.do({ op: 'connect', name: `${IOC}:${name}`, timeout: 3 });
        if (r.connected !== true) missing.push(name);
      }
      expect(missing).toEqual([]);
    },
  );

  it('IOC_SINGLE_CPU_LOAD and the GiB copies follow their sources', async () => {
    const cpus = Number(await get('CPU_CNT'));
    expect(cpus).toBeGreaterThan(0);
    const [load, single] = [Number(await get('IOC_CPU_LOAD')), Number(await get('IOC_SINGLE_CPU_LOAD'))];
    // sampled together; a sample may land between the two reads, so only the scale is compared
    expect(single).toBeCloseTo(load * cpus, 0);
    const max = Number(await get('MEM_MAX'));
    expect(Number(await get('MEM_MAX_GiB'))).toBeCloseTo(max / 2 ** 30, 6);
  });

  it('the EPICS environment PVs show the agent environment or EPICS base defaults', async () => {
    expect(await get('CA_ADDR_LIST', true)).toBe('127.0.0.1');
    expect(await get('CA_AUTO_ADDR_LIST', true)).toBe('NO');
    expect(await get('CA_SRVR_PORT', true)).toBe('5064');
    expect(await get('CA_MAX_ARRAY_BYTES', true)).toBe('16384');
  });

  it('READACF and GTIM_RESET.PROC accept a write from the container itself', async () => {
    for (const name of ['READACF', 'GTIM_RESET.PROC']) {
      const r = await py.do({ op: 'put', name: `${IOC}:${name}`, value: 1, wait: true, timeout: 10 });
      expect([name, r.status]).toEqual([name, 1]);
    }
    expect(Number(await get('READACF'))).toBe(0);
    expect(Number(await get('CONFIG_OK'))).toBe(1);
  });
});
