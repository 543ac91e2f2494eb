// Bad input everywhere a user types, through the real `node bin/gwagent.js`: unknown options, missing
// values, bad --macros, broken .db/.acf/INI/JSON files. Each must exit with its documented status (64
// for a bad command line, 78 for a bad configuration or .db/.acf file) and a message naming what was wrong,
// with file:line (or file and key) for file problems. Nothing may hang or start serving.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './live.js';
import { LOOPBACK_SERVER_ENV } from '../support/loopback-env.js';

interface Outcome {
  code: number | null;
  stderr: string;
  stdout: string;
}

let dir: string;
let env: NodeJS.ProcessEnv;
const f = (name: string) => join(dir, name);

function gwagent(args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/gwagent.js', ...args],
      { env, timeout: 15_000 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number | string }).code ?? null) : 0;
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gwagent-badinput-'));
  // Any IOC that wrongly started would serve on loopback only, on a port nobody else uses.
  env = {
    PATH: process.env.PATH,
    ...LOOPBACK_SERVER_ENV,
    EPICS_CAS_SERVER_PORT: String(await freePort()),
    EPICS_CA_AUTO_ADDR_LIST: 'NO',
    EPICS_CA_ADDR_LIST: '127.0.0.1:1',
  };
  const files: Record<string, string> = {
    'bad.db':
      'record(ai, "A") {\n  field(VAL, "1")\n  field(BOGUS, "2")\n}\nrecord(nosuch, "B") {}\nrecord(ao, "C" {\n',
    'macro.db': 'record(ao, "X:$(P)") {}\n',
    'good.db': 'record(ao, "G:A") {}\n',
    'bad.acf': 'ASG(DEFAULT) {\n  RULE(1, WRITE) {\n    UAG(nouag)\n  }\n  BADKW\n}\n',
    'bad.ini':
      '[agent]\nname = CR01GW00\nbogus_key = 1\n[gateway.G1]\ndirection = sideways\nserver_port = 99999\n[network\n',
    'garbage.ini': '\u0000\u00ff garbage\n=\n[[x]]\n',
    'bad.json': '{"containers": [ {"hostname": 5, }',
    'wrongtypes.json': '{"containers": "no"}',
    'array.json': '[1, 2]',
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(f(name), text, 'latin1');
});

/** [arguments, exit status, patterns the message must contain] */
type Case = [() => string[], number, RegExp[]];

const CASES: Record<string, Case> = {
  'no command': [() => [], 64, []],
  'unknown command': [() => ['nosuch'], 64, [/unknown command 'nosuch'/]],
  'ioc: unknown option': [() => ['ioc', '--bogus'], 64, [/unknown option '--bogus' \(see --help\)/]],
  'ioc: missing value': [() => ['ioc', '--db'], 64, [/option '--db' needs a value/]],
  'ioc: nothing to serve': [() => ['ioc'], 64, [/nothing to serve: give --db FILE and\/or --health/]],
  'ioc: stray argument': [() => ['ioc', 'extra'], 64, [/unexpected argument 'extra'/]],
  'ioc: --prefix without --health': [
    () => ['ioc', '--db', f('good.db'), '--prefix', 'X:'],
    64,
    [/--prefix goes with --health/],
  ],
  'ioc: --macros without =': [
    () => ['ioc', '--db', f('macro.db'), '--macros', 'P'],
    64,
    [/--macros: "P" is not NAME=VALUE/],
  ],
  'ioc: --macros with an empty name': [
    () => ['ioc', '--db', f('macro.db'), '--macros', '=x'],
    64,
    [/--macros: bad macro name ""/],
  ],
  'ioc: undefined macro': [
    () => ['ioc', '--db', f('macro.db')],
    78,
    [/macro\.db:1: error: undefined macro "P"/],
  ],
  'ioc: every .db error with file:line': [
    () => ['ioc', '--db', f('bad.db')],
    78,
    [
      /bad\.db:3: error: record type ai has no field "BOGUS"/,
      /bad\.db:5: error: unknown record type "nosuch"/,
      /bad\.db:6: error: unexpected "\{", expected "\)"/,
    ],
  ],
  'ioc: missing .db file': [
    () => ['ioc', '--db', f('none.db')],
    78,
    [/none\.db: error: cannot read file: ENOENT/],
  ],
  'ioc: every .acf error with file:line': [
    () => ['ioc', '--db', f('good.db'), '--acf', f('bad.acf')],
    78,
    [/bad\.acf:3: error: RULE refers to undefined UAG "nouag"/, /bad\.acf:5: error: unexpected "BADKW"/],
  ],
  'ioc: missing .acf file': [
    () => ['ioc', '--db', f('good.db'), '--acf', f('none.acf')],
    78,
    [/none\.acf: error: cannot read file: ENOENT/],
  ],
  'config: every INI problem with file:line': [
    () => ['config', 'check', f('bad.ini')],
    78,
    [
      /bad\.ini:3: error: unknown key "bogus_key" in \[agent\]/,
      /bad\.ini:5: error: "direction" must be one of forward, reverse, oneway, got "sideways"/,
      /bad\.ini:6: error: "server_port" must be an integer from 1 to 65535, got "99999"/,
      /bad\.ini:7: error: not a "key = value" line or \[section\]: "\[network"/,
    ],
  ],
  'config: binary garbage': [
    () => ['config', 'check', f('garbage.ini')],
    78,
    [/garbage\.ini:1: error: not a "key = value" line/, /garbage\.ini:3: error: .*"\[\[x\]\]"/],
  ],
  'config: missing file': [() => ['config', 'check', f('none.ini')], 78, [/none\.ini: cannot read: ENOENT/]],
  'config: a directory': [() => ['config', 'check', dir], 78, [/cannot read: EISDIR/]],
  'config: unknown subcommand': [
    () => ['config', 'nosuch', f('bad.ini')],
    64,
    [/unknown config subcommand "nosuch"/],
  ],
  'config: no file': [() => ['config', 'check'], 64, [/expected a subcommand and one FILE/]],
  'config: unknown option': [
    () => ['config', 'check', f('bad.ini'), '--bogus'],
    64,
    [/unknown option '--bogus' \(see --help\)/],
  ],
  'config: render without --out': [
    () => ['config', 'render', f('bad.ini')],
    64,
    [/config render needs --out DIR/],
  ],
  'site: JSON syntax error': [() => ['site', 'table', f('bad.json')], 78, [/bad\.json .*not valid JSON/]],
  'site: wrong JSON types': [
    () => ['site', 'table', f('wrongtypes.json')],
    78,
    [/wrongtypes\.json \[containers\]: error: must be an array/],
  ],
  'site: JSON array at top level': [
    () => ['site', 'table', f('array.json')],
    78,
    [/array\.json \[\(top level\)\]: error: must be an object/],
  ],
  'site: missing file': [() => ['site', 'table', f('none.json')], 78, [/none\.json: cannot read: ENOENT/]],
  'site: bad --format': [
    () => ['site', 'table', 'test/gwconfig/fixtures/site3.json', '--format', 'xml'],
    64,
    [/--format must be markdown, confluence or both/],
  ],
  'site: render without --out': [
    () => ['site', 'render', 'test/gwconfig/fixtures/site3.json'],
    64,
    [/site render needs --out DIR/],
  ],
  'ca: no subcommand': [
    () => ['ca'],
    64,
    [/^gwagent ca: a subcommand is needed: get, put, monitor, info or list\nUsage: gwagent ca get/],
  ],
  'ca: unknown subcommand': [() => ['ca', 'bogus', 'X'], 64, [/ca: unknown subcommand 'bogus'/]],
  'ca: no PV': [() => ['ca', 'get'], 64, [/^gwagent ca: get: no PV name given$/m]],
  'ca: put without a value': [
    () => ['ca', 'put', 'X'],
    64,
    [/^gwagent ca: put needs a PV name and a value$/m],
  ],
  'ca: bad -w': [() => ['ca', 'get', '-w', 'abc', 'X'], 64, [/-w 'abc' is not a positive number/]],
  'ca: bad --count': [
    () => ['ca', 'get', '--count', 'abc', 'X'],
    64,
    [/--count 'abc' is not a positive number/],
  ],
  'ca: fractional --count': [
    () => ['ca', 'get', '--count', '2.5', 'X'],
    64,
    [/--count '2\.5' is not a whole number/],
  ],
  'ca: bad --updates': [
    () => ['ca', 'monitor', '--updates', 'x', 'X'],
    64,
    [/--updates 'x' is not a positive number/],
  ],
  'ca: bad --server port': [
    () => ['ca', 'get', '--server', '127.0.0.1:99999', 'X'],
    64,
    [/bad CA address '127\.0\.0\.1:99999': expected host or host:port/],
  ],
  'ca: bad -d': [
    () => ['ca', 'get', '-d', '99', 'X'],
    64,
    [/-d '99': not a DBR type name or number 0\.\.38/],
  ],
  'ca: bad -m': [() => ['ca', 'monitor', '-m', 'zz', 'X'], 64, [/-m 'zz': use letters v, a, l, p/]],
  'ca: -t with -a': [() => ['ca', 'get', '-t', '-a', 'X'], 64, [/-t and -a exclude each other/]],
  'status: unknown option': [() => ['status', '--bogus'], 64, [/unknown option '--bogus' \(see --help\)/]],
  'run: unknown option': [() => ['run', '--bogus'], 64, [/unknown option '--bogus' \(see --help\)/]],
  'run: missing config': [() => ['run', '--config', f('none.ini')], 78, [/none\.ini: cannot read: ENOENT/]],
  'logs: no name': [() => ['logs'], 64, [/expected exactly one NAME/]],
  'ca: -w -1 in gwagent words': [
    () => ['ca', 'get', '-w', '-1', 'X'],
    64,
    [/^gwagent ca: -w '-1' is not a positive number$/m],
  ],
  'ca: an option starting with -': [
    () => ['ca', 'get', '--server', '-x', 'X'],
    64,
    [/option '--server' needs a value; one that starts with '-' is written --server=VALUE/],
  ],
  'config explain: a PV name longer than CA allows': [
    () => ['config', 'explain', f('bad.ini'), '--gateway', 'G1', '--pv', 'A'.repeat(1000)],
    64,
    [/--pv: bad PV name 'A{40}\.\.\.': 1\.\.500 characters expected/],
  ],
};

describe('bad input on the command line and in files', () => {
  it('config check on a site inventory says so once', async () => {
    const r = await gwagent(['config', 'check', 'examples/as-site.json']);
    expect(r.code).toBe(78);
    expect(r.stderr).toBe(
      'examples/as-site.json:1: error: this looks like a JSON site inventory, not an agent INI file; `gwagent site render FILE --out DIR` reads those and writes one agent INI per container\n',
    );
  });

  it('a bad network address is reported without follow-on errors', async () => {
    const ini = [
      '[agent]',
      'name = BADIP',
      '[network.sub]',
      'interface = eth0',
      'address = 10.1.2.300/24',
      '[network.gin]',
      'interface = eth1',
      'address = 10.2.0.1/16',
      'gin = yes',
      'search = 10.2.0.2',
      '[gateway.GF]',
      'direction = forward',
      'allow = .*',
    ].join('\n');
    writeFileSync(f('badip.ini'), ini + '\n');
    const r = await gwagent(['config', 'check', f('badip.ini')]);
    expect(r.code).toBe(78);
    expect(r.stderr).toBe(
      `${f('badip.ini')}:5: error: address "10.1.2.300/24" must be numeric IPv4 with a prefix length, e.g. 10.17.19.91/16\n`,
    );
  });

  it('exits with the documented status and names what was wrong, for every case', async () => {
    const failures: string[] = [];
    const entries = Object.entries(CASES);
    const started = Date.now();
    // Four processes at a time: enough to be quick, modest on a shared 2-core machine.
    for (let i = 0; i < entries.length; i += 4) {
      await Promise.all(
        entries.slice(i, i + 4).map(async ([what, [args, status, patterns]]) => {
          const r = await gwagent(args());
          if (r.code !== status) failures.push(`${what}: exit ${r.code}, expected ${status}\n${r.stderr}`);
          for (const p of patterns)
            if (!p.test(r.stderr)) failures.push(`${what}: stderr lacks ${p}\n${r.stderr}`);
        }),
      );
    }
    console.log(`[robustness] bad CLI input: ${entries.length} cases in ${Date.now() - started} ms`);
    expect(failures).toEqual([]);
  });
});
