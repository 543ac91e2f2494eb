// Issue 4 through the real libca (pyepics): operator writes from this host (update periods, limits,
// ACCESS, SYSRESET), alarm limits written over CA taking effect at the next sample and reaching a
// monitor, and STATUS following the worst severity of the health PVs. One server, tests in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HealthClient,
  expectedDefs,
  startHealthServer,
  type ChannelRead,
  type HealthServer,
} from './harness.js';

const P = 'HTA:';
const NO_ALARM = 0;
const MINOR = 1;
const MAJOR = 2;
const HIHI_ALARM = 3;
const STATE_ALARM = 7;
/** ECA_NORMAL as pyepics' put returns it. */
const PUT_OK = 1;
/** The CPU/memory/disk PVs with upper limits the test makes permissive. */
const LIMITED = [
  'SYS_CPU_LOAD',
  'IOC_CPU_LOAD',
  'IOWAIT',
  'MEM_USED_PCT',
  'SWAP_USED_PCT',
  'DISK:ROOT:USED_PCT',
  'CG_MEM_USED_PCT',
  'CG_CPU_LOAD',
];

let server: HealthServer;
let client: HealthClient;

/** Re-reads `names` until `done` accepts them (or the time is up); returns the last reading. */
async function until(
  names: readonly string[],
  done: (r: Record<string, ChannelRead>) => boolean,
  timeoutMs = 4000,
): Promise<Record<string, ChannelRead>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await client.read(names);
    if (done(r) || Date.now() > deadline) return r;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * STATUS and the .SEVR of every health PV that sets it, read in one batch: not the host-wide figures,
 * nor CG_CPU_LOAD (host-wide too where no CPU quota is set, as on the test machines).
 */
function statusNames(): string[] {
  const others = expectedDefs()
    .filter((d) => !d.isHostWide && d.suffix !== 'CG_CPU_LOAD')
    .map((d) => d.suffix)
    .filter((s) => s !== 'STATUS');
  return [`${P}STATUS`, ...others.map((s) => `${P}${s}.SEVR`)];
}

function summary(r: Record<string, ChannelRead>): {
  status: unknown;
  severity: unknown;
  worst: number;
} {
  let worst = NO_ALARM;
  for (const [name, read] of Object.entries(r)) {
    if (name.endsWith('.SEVR')) worst = Math.max(worst, read.value as number);
  }
  const st = r[`${P}STATUS`]!;
  return { status: st.value, severity: st.severity, worst };
}

/** STATUS as computeStatus must derive it from the worst severity. */
const expectedStatus = (worst: number): number => (worst >= MAJOR ? 2 : worst === MINOR ? 1 : 0);

const consistent = (r: Record<string, ChannelRead>): boolean => {
  const s = summary(r);
  return s.status === expectedStatus(s.worst) && s.severity === s.worst;
};

async function makePermissive(): Promise<void> {
  for (const s of LIMITED) {
    expect(await client.put(`${P}${s}.HIGH`, 1000)).toBe(PUT_OK);
    expect(await client.put(`${P}${s}.HIHI`, 1000)).toBe(PUT_OK);
  }
}

beforeAll(async () => {
  server = await startHealthServer(P);
  client = await HealthClient.start(server.port);
});

afterAll(async () => {
  await client?.stop();
  await server?.stop();
});

describe('gwagent ioc --health: operator writes and alarms', () => {
  it('lets this host write the update periods, ACCESS, GTIM_RESET and SYSRESET', async () => {
    const writable = ['CA_UPD_TIME', 'FD_UPD_TIME', 'LOAD_UPD_TIME', 'MEM_UPD_TIME', 'ACCESS', 'GTIM_RESET'];
    const r = await client.read([...writable, 'SYSRESET', 'SysReset'].map((s) => P + s));
    expect(Object.values(r).map((x) => [x.read, x.write])).toEqual(
      Array.from({ length: writable.length + 2 }, () => [true, true]),
    );
    expect(await client.put(`${P}GTIM_RESET`, 1)).toBe(PUT_OK);
    expect((await client.get(`${P}GTIM_ERR_CNT`)).value).toBe(0);
    // ao DRVL/DRVH (1..60 s) bound the period.
    expect(await client.put(`${P}CA_UPD_TIME`, 500)).toBe(PUT_OK);
    expect((await client.get(`${P}CA_UPD_TIME`)).value).toBe(60);
    expect(await client.put(`${P}CA_UPD_TIME`, 0)).toBe(PUT_OK);
    expect((await client.get(`${P}CA_UPD_TIME`)).value).toBe(1);
  });

  it('CA_UPD_TIME 1: CA_CLNT_CNT and CA_CONN_CNT count this client and its channels within a second or two', async () => {
    const names = [`${P}CA_CLNT_CNT`, `${P}CA_CONN_CNT`];
    const r = await until(
      names,
      (x) => x[names[0]!]!.value === 1 && x[names[1]!]!.value === client.opened.size,
      3000,
    );
    expect([r[names[0]!]!.value, r[names[1]!]!.value]).toEqual([1, client.opened.size]);
  });

  it('LOAD_UPD_TIME and MEM_UPD_TIME 1: their PVs are re-sampled every second', async () => {
    expect(await client.put(`${P}LOAD_UPD_TIME`, 1)).toBe(PUT_OK);
    expect(await client.put(`${P}MEM_UPD_TIME`, 1)).toBe(PUT_OK);
    expect((await client.get(`${P}LOAD_UPD_TIME`)).value).toBe(1);
    const names = ['SYS_CPU_LOAD', 'LOAD1', 'MEM_FREE', 'DISK:ROOT:USED_PCT'].map((s) => P + s);
    // The old 10 s timers are replaced: within 1.5 s every PV carries a fresh time stamp, twice.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const first = await client.read(names);
    const firstNow = Date.now() / 1000;
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const second = await client.read(names);
    const secondNow = Date.now() / 1000;
    for (const n of names) {
      const a = first[n]!.timestamp!;
      const b = second[n]!.timestamp!;
      expect({ n, fresh: firstNow - a < 1.6, fresher: secondNow - b < 1.6, advanced: b > a }).toEqual({
        n,
        fresh: true,
        fresher: true,
        advanced: true,
      });
    }
  });

  it('a lowered SYS_CPU_LOAD.HIHI turns it MAJOR/HIHI at the next sample, and a monitor sees it', async () => {
    // LOAD_UPD_TIME is 1 s since the previous test. Start from no alarm whatever the machine's load (the host may be busy).
    await makePermissive();
    const calm = await until([`${P}SYS_CPU_LOAD`], (x) => x[`${P}SYS_CPU_LOAD`]!.severity === NO_ALARM);
    expect(calm[`${P}SYS_CPU_LOAD`]!.severity).toBe(NO_ALARM);

    await client.monitor(`${P}SYS_CPU_LOAD`);
    const initial = await client.events(`${P}SYS_CPU_LOAD`, 1);
    expect(initial.map((e) => e.severity)).toEqual(initial.map(() => NO_ALARM));
    const t0 = Date.now() / 1000;
    expect(await client.put(`${P}SYS_CPU_LOAD.HHSV`, MAJOR)).toBe(PUT_OK);
    expect(await client.put(`${P}SYS_CPU_LOAD.HIHI`, 0)).toBe(PUT_OK);
    // Within one LOAD period (1 s) plus slack.
    const seen: { severity: number; status: number; at: number }[] = [];
    const deadline = Date.now() + 3000;
    while (!seen.some((e) => e.severity === MAJOR) && Date.now() < deadline) {
      seen.push(...(await client.events(`${P}SYS_CPU_LOAD`, 1, 0.5)));
    }
    const major = seen.find((e) => e.severity === MAJOR);
    expect(major).toBeDefined();
    expect(major!.status).toBe(HIHI_ALARM);
    expect(major!.at - t0).toBeLessThan(2.5);
    // The next samples keep it there.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const after = await client.read([`${P}SYS_CPU_LOAD.SEVR`, `${P}SYS_CPU_LOAD.STAT`, `${P}SYS_CPU_LOAD`]);
    expect([after[`${P}SYS_CPU_LOAD.SEVR`]!.value, after[`${P}SYS_CPU_LOAD.STAT`]!.value]).toEqual([
      MAJOR,
      HIHI_ALARM,
    ]);
    expect(after[`${P}SYS_CPU_LOAD`]!.severity).toBe(MAJOR);
  });

  it('a MAJOR host-wide PV leaves STATUS alone; a MAJOR container PV makes it Fault, named on STATUS_MSG', async () => {
    // SYS_CPU_LOAD is MAJOR since the previous test: the host's, not this container's
    const host = await until(statusNames(), (x) => consistent(x));
    expect(summary(host).status).toBe(expectedStatus(summary(host).worst));
    expect(await client.put(`${P}DISK:ROOT:USED_PCT.HIHI`, 0)).toBe(PUT_OK);
    const r = await until(statusNames(), (x) => consistent(x) && summary(x).status === 2);
    expect(summary(r)).toEqual({ status: 2, severity: MAJOR, worst: MAJOR });
    expect(r[`${P}DISK:ROOT:USED_PCT.SEVR`]!.value).toBe(MAJOR);
    const msg = await client.read([`${P}STATUS_MSG`]);
    const text = msg[`${P}STATUS_MSG`]!.text ?? '';
    expect(text).toMatch(/^MAJOR: (.*, )?DISK:ROOT:USED_PCT HIHI(, |;|$)/);
    expect(text).not.toContain('SYS_CPU_LOAD');
  });

  it('permissive limits bring STATUS back to Ok or Degraded, as the worst remaining severity says', async () => {
    await makePermissive();
    const r = await until(statusNames(), (x) => consistent(x) && summary(x).worst < MAJOR);
    const s = summary(r);
    expect(s.worst).toBeLessThan(MAJOR);
    expect(s).toEqual({ status: expectedStatus(s.worst), severity: s.worst, worst: s.worst });
    expect([0, 1]).toContain(s.status);
  });

  it('ACCESS: Running/Maintenance/Test/OFFLINE with devIocStats severities; OFFLINE makes STATUS Fault', async () => {
    const ctrl = await client.read([`${P}ACCESS`], true);
    expect(ctrl[`${P}ACCESS`]!.ctrl!.enum_strs).toEqual(['Running', 'Maintenance', 'Test', 'OFFLINE']);
    const expected: [number, number, number][] = [
      [1, MINOR, STATE_ALARM],
      [2, MINOR, STATE_ALARM],
      [3, MAJOR, STATE_ALARM],
      [0, NO_ALARM, NO_ALARM],
    ];
    for (const [value, severity, status] of expected) {
      expect(await client.put(`${P}ACCESS`, value)).toBe(PUT_OK);
      const got = await client.get(`${P}ACCESS`);
      expect({ value: got.value, severity: got.severity, status: got.status }).toEqual({
        value,
        severity,
        status,
      });
    }
    // A state name works as well as its index.
    expect(await client.put(`${P}ACCESS`, 'Maintenance')).toBe(PUT_OK);
    expect((await client.get(`${P}ACCESS`)).value).toBe(1);

    expect(await client.put(`${P}ACCESS`, 3)).toBe(PUT_OK);
    const fault = await until(statusNames(), (x) => consistent(x) && summary(x).status === 2);
    expect(summary(fault)).toEqual({ status: 2, severity: MAJOR, worst: MAJOR });
    expect(fault[`${P}ACCESS.SEVR`]!.value).toBe(MAJOR);

    expect(await client.put(`${P}ACCESS`, 0)).toBe(PUT_OK);
    const back = await until(statusNames(), (x) => consistent(x) && summary(x).worst < MAJOR);
    expect(summary(back).status).toBe(expectedStatus(summary(back).worst));
    expect([0, 1]).toContain(summary(back).status);
  });

  it('SYSRESET 1 makes the IOC exit 0 (so its supervisor restarts it)', async () => {
    const exited = new Promise<number | null>((resolve) =>
      server.child.once('exit', (code) => resolve(code)),
    );
    await client.put(`${P}SYSRESET`, 1, false);
    expect(await exited).toBe(0);
    expect(server.log()).toMatch(/SYSRESET written/);
  });
});
