// `gwagent ca get|put|monitor|info` as an operator runs it: the compiled CLI against a CA server on
// loopback, configured only through EPICS_CA_* variables; output columns as caget/caput/camonitor/cainfo.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as C from '../../src/ca/constants.js';
import type { CaServer } from '../../src/ioc/server/ca-server.js';
import { SimplePv, SimpleProvider } from '../support/simple-pvs.js';
import { freePort, startServer } from './helpers.js';

const run = promisify(execFile);
let server: CaServer;
let env: NodeJS.ProcessEnv;
let port: number;
const provider = new SimpleProvider();

async function gwagent(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/gwagent.js', 'ca', ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  provider.add(new SimplePv('CLI:DBL', C.DBF_DOUBLE, [3.25], 1, { units: 'mm', precision: 3 }));
  provider.add(new SimplePv('CLI:ENUM', C.DBF_ENUM, [1], 1, { enumStrings: ['Off', 'On'] }));
  provider.add(new SimplePv('CLI:WF', C.DBF_LONG, [1, 2, 3], 8));
  provider.add(new SimplePv('CLI:RO', C.DBF_DOUBLE, [1])).rights = C.CA_PROTO_ACCESS_RIGHT_READ;
  provider.add(new SimplePv('CLI:ALARM', C.DBF_DOUBLE, [0.5])).set([0.5], {
    status: C.HIHI_ALARM,
    severity: C.MAJOR_ALARM,
    stamp: { secPastEpoch: 1072915200, nsec: 500000000 },
  });
  port = await freePort();
  server = await startServer(provider, port);
  env = {
    PATH: process.env.PATH,
    TZ: 'UTC',
    EPICS_CA_AUTO_ADDR_LIST: 'NO',
    EPICS_CA_ADDR_LIST: `127.0.0.1:${port}`,
    EPICS_CA_MAX_SEARCH_PERIOD: '60',
  };
});

afterAll(async () => {
  await server.close();
});

describe('gwagent ca', () => {
  it('get prints name and value like caget; enums as strings, arrays with their count', async () => {
    const r = await gwagent('get', 'CLI:DBL', 'CLI:ENUM', 'CLI:WF');
    expect(r).toEqual({
      code: 0,
      stdout: `${'CLI:DBL'.padEnd(30)} 3.25\n${'CLI:ENUM'.padEnd(30)} On\n${'CLI:WF'.padEnd(30)} 3 1 2 3\n`,
      stderr: '',
    });
    expect((await gwagent('get', '-t', '-n', 'CLI:ENUM')).stdout).toBe('1\n');
  });

  it('get -a adds the time stamp and the alarm; -d prints every field of the DBR type', async () => {
    expect((await gwagent('get', '-a', 'CLI:ALARM')).stdout).toBe(
      `${'CLI:ALARM'.padEnd(30)} 2024-01-01 00:00:00.500000 0.5 HIHI MAJOR\n`,
    );
    const d = await gwagent('get', '-d', 'DBR_CTRL_ENUM', 'CLI:ENUM');
    expect(d.stdout).toBe(
      [
        'CLI:ENUM',
        '    Native data type: DBF_ENUM',
        '    Request type:     DBR_CTRL_ENUM',
        '    Element count:    1',
        '    Value:            1',
        '    Status:           NO_ALARM',
        '    Severity:         NO_ALARM',
        '    Enums:            ( 2)',
        '                      [ 0] Off',
        '                      [ 1] On',
        '',
      ].join('\n'),
    );
  });

  it('exits 1 and says so when a PV does not connect, still printing the others', async () => {
    const r = await gwagent('get', '-w', '0.3', 'CLI:DBL', 'CLI:NOPE');
    expect(r).toEqual({
      code: 1,
      stdout: `${'CLI:DBL'.padEnd(30)} 3.25\n`,
      stderr: "Channel connect timed out: 'CLI:NOPE' not found.\n",
    });
  });

  it('put prints old and new values like caput; -c waits for completion', async () => {
    expect((await gwagent('put', 'CLI:DBL', '7.5')).stdout).toBe(
      `Old : ${'CLI:DBL'.padEnd(30)} 3.25\nNew : ${'CLI:DBL'.padEnd(30)} 7.5\n`,
    );
    expect((await gwagent('put', '-c', '-t', 'CLI:WF', '4', '5')).stdout).toBe('2 4 5\n');
  });

  it('put of an enum takes a state name or index; anything else exits 1 naming the states, with or without -c', async () => {
    const pv = provider.pvs.get('CLI:ENUM')!;
    expect((await gwagent('put', '-t', 'CLI:ENUM', 'Off')).stdout).toBe('Off\n');
    expect((await gwagent('put', '-t', '-c', 'CLI:ENUM', '1')).stdout).toBe('On\n');
    const writes = pv.writes.length;
    for (const args of [
      ['CLI:ENUM', 'Maybe'],
      ['-c', 'CLI:ENUM', 'Maybe'],
      ['CLI:ENUM', '2'],
      ['-c', 'CLI:ENUM', '-1'],
    ]) {
      const r = await gwagent('put', ...args);
      const text = args[args.length - 1]!;
      expect([r.code, r.stdout, r.stderr]).toEqual([
        1,
        '',
        `CLI:ENUM: '${text}' is not a state of this enum (0 Off, 1 On)\n`,
      ]);
    }
    expect(pv.writes.length).toBe(writes);
    expect((await gwagent('get', '-t', 'CLI:ENUM')).stdout).toBe('On\n');
  });

  it('a refused put exits 1 and names the PV once', async () => {
    for (const c of [[], ['-c']]) {
      const r = await gwagent('put', ...c, 'CLI:RO', '2');
      expect([r.code, r.stderr]).toEqual([1, 'CLI:RO: put: Write access denied (ECA 376)\n']);
    }
  });

  it('info prints the channel like cainfo; --server connects without a search', async () => {
    const r = await gwagent('info', '--server', `127.0.0.1:${port}`, 'CLI:WF');
    expect(r.stdout).toBe(
      [
        'CLI:WF',
        '    State:            connected',
        `    Host:             127.0.0.1:${port}`,
        '    Access:           read, write',
        '    Native data type: DBF_LONG',
        '    Request type:     DBR_LONG',
        '    Element count:    8',
        '',
      ].join('\n'),
    );
  });

  it('monitor prints camonitor lines for each update', async () => {
    const pv = provider.pvs.get('CLI:ALARM')!;
    const child = spawn(
      process.execPath,
      ['bin/gwagent.js', 'ca', 'monitor', '--updates', '2', 'CLI:ALARM'],
      {
        env,
      },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      // Change the value only once the initial update is printed, so the order is fixed.
      if (stdout.split('\n').length === 2) pv.set([0.75], { status: 0, severity: 0 });
    });
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(stdout).toBe(
      `${'CLI:ALARM'.padEnd(30)} 2024-01-01 00:00:00.500000 0.5 HIHI MAJOR\n` +
        `${'CLI:ALARM'.padEnd(30)} 2024-01-01 00:00:00.500000 0.75\n`,
    );
  });

  it('monitor --updates N prints N updates in total, over every PV', async () => {
    const r = await gwagent('monitor', '--updates', '1', 'CLI:DBL', 'CLI:WF', 'CLI:ENUM');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toHaveLength(2);
    const three = await gwagent('monitor', '--updates', '3', 'CLI:DBL', 'CLI:WF', 'CLI:ENUM');
    expect(
      three.stdout
        .split('\n')
        .map((l) => l.split(' ')[0])
        .sort(),
    ).toEqual(['', 'CLI:DBL', 'CLI:ENUM', 'CLI:WF']);
  });

  it('rejects bad options with exit status 64', async () => {
    const r = await gwagent('get', '-d', 'NOPE', 'CLI:DBL');
    expect([r.code, r.stderr]).toEqual([64, "gwagent ca: -d 'NOPE': not a DBR type name or number 0..38\n"]);
  });
});
