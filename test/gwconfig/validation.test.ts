// Each validation error of an agent config is reported with its file, line (or key) and reason, all at
// once; warnings flag what is legal but likely wrong. Every case mutates one valid base config.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProblemsError, type Problem } from '../../src/errors.js';
import { checkAgentText, loadAgentConfig } from '../../src/gwconfig/load-agent.js';

const BASE = `[agent]
name = CR01GW01

[network.acc]
interface = eth0
address = 10.6.19.91/16

[network.gin]
interface = eth1
address = 10.17.19.91/16
gin = yes
search = 10.17.19.92

[group.operators]
users = ops1
hosts = opi01

[gateway.GWF01]
direction = forward
allow = .*
allow = SR:.* operators

[gateway.GWR01]
direction = reverse
allow = .*
`;

function check(text: string): Problem[] {
  return checkAgentText('agent.ini', text).problems;
}

/** 1-based number of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`no line with ${needle}`);
  return index + 1;
}

/** 1-based number of the first line that is exactly `whole`. */
function lineIs(text: string, whole: string): number {
  return text.split('\n').indexOf(whole) + 1;
}

function errors(text: string): Problem[] {
  return check(text).filter((p) => p.severity === 'error');
}

function expectError(text: string, needle: string, message: string | RegExp): void {
  const found = errors(text);
  expect(found).toContainEqual({
    file: 'agent.ini',
    line: lineOf(text, needle),
    message: typeof message === 'string' ? message : expect.stringMatching(message),
    severity: 'error',
  });
}

describe('agent config validation', () => {
  it('accepts the base config without any problem', () => {
    expect(check(BASE)).toEqual([]);
  });

  it('refuses a GIN search list that contains this container (client side reaches its own server)', () => {
    const text = BASE.replace('search = 10.17.19.92', 'search = 10.17.19.92, 10.17.19.91');
    expectError(
      text,
      '[gateway.GWR01]',
      'gateway GWR01: client address 10.17.19.91 is this container\'s own address on "gin"; its client side would reach its own gateways (loop)',
    );
  });

  it('refuses a client list that is the broadcast of its own server network', () => {
    const text =
      BASE +
      '\n[gateway.GWA01]\ndirection = oneway\nserver_port = 5070\nclient_addresses = 10.17.255.255\nallow = GW.*\n';
    expectError(
      text,
      '[gateway.GWA01]',
      'gateway GWA01: client address 10.17.255.255 is the broadcast of "gin", where its own server side listens (loop)',
    );
  });

  it('refuses a subnet whose broadcast search would reach the own server (client and server on one network)', () => {
    const text =
      BASE +
      '\n[gateway.GWX]\ndirection = oneway\nclient = acc\nserver = acc\nserver_port = 5070\nallow = .*\n';
    expectError(text, '[gateway.GWX]', /broadcast of "acc", where its own server side listens \(loop\)/);
  });

  it('refuses overlapping networks, at the later one', () => {
    const text = BASE.replace('address = 10.6.19.91/16', 'address = 10.17.1.1/24');
    expectError(
      text,
      '[network.gin]',
      'network "gin" (10.17.19.91/16) overlaps network "acc" (10.17.1.1/24) from line 4',
    );
  });

  it('refuses a gateway that names a missing network', () => {
    const text = BASE.replace('direction = reverse', 'direction = reverse\nserver = lab');
    expectError(text, '[gateway.GWR01]', 'gateway GWR01: server network "lab" is not defined');
  });

  it('refuses a config with gateways and no networks, by key', () => {
    const text =
      '[agent]\nname = X\n\n[gateway.GWF01]\ndirection = forward\nclient = a\nserver = b\nallow = .*\n';
    expect(errors(text)).toContainEqual({
      file: 'agent.ini',
      key: 'network',
      message:
        'no [network.NAME] section: gateways need at least the GIN and one subnet (or two networks for oneway)',
      severity: 'error',
    });
  });

  it('refuses two gateways on the same server address and port', () => {
    const text = BASE + '\n[gateway.GWF02]\ndirection = forward\nallow = .*\n';
    expectError(
      text,
      '[gateway.GWF02]',
      'gateway GWF02 serves on 10.17.19.91:5064, like gateway GWF01; give one of them another server_port',
    );
  });

  it('refuses a gateway on the health IOC address and port', () => {
    const text = BASE.replace('name = CR01GW01', 'name = CR01GW01\n\n[ioc]\naddress = 10.6.19.91');
    expectError(
      text,
      '[gateway.GWR01]',
      'gateway GWR01 serves on 10.6.19.91:5064, like the health IOC; give one of them another server_port',
    );
  });

  it('refuses an access group that is used but not defined (the gateway would fall back to DEFAULT)', () => {
    const text = BASE.replace('allow = SR:.* operators', 'allow = SR:.* operatrs');
    expectError(
      text,
      'allow = SR:.* operatrs',
      'access group "operatrs" is not defined (the gateway would silently use DEFAULT); add a [group.operatrs] section',
    );
  });

  it('refuses a host-access group given as an IP address', () => {
    const text = BASE.replace('hosts = opi01', 'hosts = opi01, 10.6.1.2');
    expectError(
      text,
      'hosts = opi01, 10.6.1.2',
      /host "10\.6\.1\.2" is an IP address: access security compares the host name the CA client sends/,
    );
  });

  it.each([
    ['SR:.\\{2\\}', /intervals \\{m,n\\} are not supported/],
    ['SR:[0-9]{2}', /intervals \{m,n\} are not supported/],
    ['SR:\\d\\d', /"\\d" is not a digit class in the gateway/],
    ['SR:[[:digit:]]', /character classes like \[\[:digit:\]\] are not supported/],
    ['SR:(A|B)', /bare "\(" is a literal character/],
    ['SR:A|B', /bare "\|" is a literal character/],
    ['*SR', /"\*" at the start of a pattern or group is a literal character/],
    ['SR:\\(A', /"\\\(" without a matching "\\\)"/],
    ['SR:[A-Z', /"\[" without a closing "\]"/],
    ['^SR:.*$', /"\^" is not needed \(patterns are anchored at both ends\)/],
    ['SR:\\w+', /"\\w" is a GNU Emacs operator that gwagent does not support/],
  ])('refuses the pattern %s at its line', (pattern, message) => {
    const text = BASE.replace('allow = SR:.* operators', `allow = ${pattern} operators`);
    expectError(
      text,
      `allow = ${pattern} operators`,
      new RegExp(`^pattern "${pattern.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}": ${message.source}`),
    );
  });

  it('refuses alias targets that use a missing group or other escapes', () => {
    const text = BASE.replace('allow = SR:.* operators', 'alias = OLD:\\(.*\\) NEW:\\2\nalias = X Y\\n');
    expectError(text, 'alias = OLD', 'alias target uses \\2 but the pattern has only 1 group(s)');
    expectError(text, 'alias = X', '"\\n" in an alias target: only \\0..\\9 substitutions are allowed');
  });

  it('refuses names that would need escaping: gateway names and PV prefixes', () => {
    const text = BASE.replace('[gateway.GWR01]', '[gateway.GW(R)01]').replace(
      'name = CR01GW01',
      'name = CR01GW01\nprefix = CR01 GW01:',
    );
    expectError(
      text,
      '[gateway.GW(R)01]',
      'gateway name "GW(R)01" must start with a letter and use letters, digits, _ and - (it is the statistics PV prefix)',
    );
    expectError(
      text,
      'prefix = CR01 GW01:',
      'PV prefix "CR01 GW01:" may only use letters, digits and _ : . -',
    );
  });

  it('refuses host names where numeric addresses are required (DENY FROM must never name a host)', () => {
    const text = BASE.replace('search = 10.17.19.92', 'search = cr01gw02');
    expectError(
      text,
      'search = cr01gw02',
      'search entry "cr01gw02" must be a numeric IPv4 address, optionally with :port (host names are not resolved)',
    );
  });

  it('refuses direction/network mismatches and a GIN without a search list', () => {
    const text = BASE.replace(
      'direction = forward',
      'direction = forward\nclient = gin\nserver = acc',
    ).replace('search = 10.17.19.92\n', '');
    expectError(
      text,
      '[gateway.GWF01]',
      'gateway GWF01 is forward: its client side must be a subnet and its server side the GIN (got gin -> acc)',
    );
    expectError(text, '[network.gin]', /^GIN network "gin" needs "search = \.\.\."/);
  });

  it('refuses unknown keys and sections, junk lines, repeated keys and sections, and values out of range', () => {
    const text = BASE.replace(
      'direction = reverse',
      'direction = reverse\ntimeout = 3\nconnect_timeout = -1\nread_only = maybe\nrestart = sometimes',
    )
      .replace('[group.operators]', '[groups.operators]')
      .concat('\n[gateway.GWF01]\nthis line is junk\n')
      .replace('name = CR01GW01', 'name = CR01GW01\nname = CR01GW02');
    expectError(text, 'timeout = 3', 'unknown key "timeout" in [gateway.GWR01]');
    expectError(
      text,
      'connect_timeout = -1',
      '"connect_timeout" must be a number from 0.1 to 86400, got "-1"',
    );
    expectError(text, 'read_only = maybe', '"read_only" must be yes or no, got "maybe"');
    expectError(
      text,
      'restart = sometimes',
      '"restart" must be one of always, on-failure, never, got "sometimes"',
    );
    expectError(text, '[groups.operators]', /^unknown section \[groups\.operators\]/);
    expectError(text, 'this line is junk', 'not a "key = value" line or [section]: "this line is junk"');
    expectError(text, 'name = CR01GW02', 'key "name" is given more than once in [agent]');
    const sections = text
      .split('\n')
      .map((l, i) => (l === '[gateway.GWF01]' ? i + 1 : 0))
      .filter((n) => n > 0);
    expect(errors(text)).toContainEqual({
      file: 'agent.ini',
      line: sections[1],
      message: `section [gateway.GWF01] repeats the one on line ${sections[0]}; merge them`,
      severity: 'error',
    });
  });

  it('refuses a comment after a section header (ini would read the line as a key)', () => {
    const text = BASE.replace('[gateway.GWR01]', '[gateway.GWR01] ; the reverse one');
    expectError(
      text,
      '[gateway.GWR01] ;',
      'a comment after a [section] header is not allowed by the INI format; put it on its own line',
    );
  });

  it('reports a missing agent name by section and every error at once', () => {
    const text = BASE.replace('name = CR01GW01', 'label = x').replace('hosts = opi01', 'hosts = 1.2.3.4');
    const found = errors(text);
    expect(found.map((p) => p.message)).toEqual([
      '[agent] needs "name = ..."',
      expect.stringMatching(/^host "1\.2\.3\.4" is an IP address/),
    ]);
    expect(found[0]).toMatchObject({ line: 1 });
  });

  it('warns about what is legal but likely wrong', () => {
    const text = BASE.replace(
      'direction = reverse\nallow = .*',
      'direction = reverse\nallow = .*\nread_only = yes\nallow = X:.* operators\ndisconnect_timeout = 10',
    )
      .replace('hosts = opi01', 'hosts = opi01.example.org')
      .concat('\n[group.unused]\nusers = nobody\n');
    const warnings = check(text).filter((p) => p.severity === 'warning');
    expect(warnings).toEqual([
      {
        file: 'agent.ini',
        line: lineOf(text, 'hosts = opi01.example.org'),
        severity: 'warning',
        message: expect.stringMatching(/^host "opi01\.example\.org" contains a dot/),
      },
      {
        file: 'agent.ini',
        line: lineOf(text, 'allow = X:.* operators'),
        severity: 'warning',
        message: 'gateway GWR01 is read_only, so the write access of group "operators" has no effect',
      },
      {
        file: 'agent.ini',
        line: lineOf(text, 'disconnect_timeout'),
        severity: 'warning',
        message: expect.stringMatching(/^disconnect_timeout is parsed by the gateway but used nowhere/),
      },
      {
        file: 'agent.ini',
        line: lineOf(text, '[group.unused]'),
        severity: 'warning',
        message: 'group "unused" is defined but no rule uses it',
      },
    ]);
    expect(errors(text)).toEqual([]);
  });

  it("warns when a write-granting pattern also matches other gateways' control PVs", () => {
    const text = BASE.replace('allow = SR:.* operators', 'allow = GW.* operators');
    expect(check(text)).toEqual([
      {
        file: 'agent.ini',
        line: lineOf(text, 'allow = GW.* operators'),
        severity: 'warning',
        message:
          'pattern "GW.*" grants write to group "operators" and also matches other gateways\' control PVs such as GWR01:quitFlag; deny them or narrow the pattern',
      },
    ]);
  });

  it('warns about a specific rule that a later, more general rule overrides (the last match wins)', () => {
    const text = BASE.replace(
      'allow = .*\nallow = SR:.* operators',
      'allow = SR:BEAM operators\nallow = SR:.*\nallow = SR\\.X\nallow = .*\nallow = OK:.* operators',
    );
    const warnings = check(text).filter((p) => p.severity === 'warning');
    expect(warnings).toEqual([
      {
        file: 'agent.ini',
        line: lineOf(text, 'allow = SR:BEAM operators'),
        severity: 'warning',
        message: `allow SR:BEAM never takes effect: the later line ${lineOf(text, 'allow = SR:.*')} (SR:.*) also matches and the last matching line wins; put general rules first`,
      },
      {
        file: 'agent.ini',
        line: lineOf(text, 'allow = SR:.*'),
        severity: 'warning',
        message: `allow SR:.* never takes effect: the later line ${lineIs(text, 'allow = .*')} (.*) also matches and the last matching line wins; put general rules first`,
      },
      {
        file: 'agent.ini',
        line: lineOf(text, 'allow = SR\\.X'),
        severity: 'warning',
        message: `allow SR\\.X never takes effect: the later line ${lineIs(text, 'allow = .*')} (.*) also matches and the last matching line wins; put general rules first`,
      },
    ]);
  });

  it('warns when the health IOC binds an address the container does not have', () => {
    const text = BASE.replace('name = CR01GW01', 'name = CR01GW01\n\n[ioc]\naddress = 10.9.9.9');
    expect(check(text)).toEqual([
      {
        file: 'agent.ini',
        key: 'ioc.address',
        severity: 'warning',
        message:
          "the health IOC binds 10.9.9.9, which is neither loopback nor one of this container's network addresses",
      },
    ]);
  });

  it('loadAgentConfig throws ProblemsError GW_CONFIG_INVALID listing every error with file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gwconfig-'));
    const path = join(dir, 'bad.ini');
    writeFileSync(
      path,
      BASE.replace('allow = SR:.* operators', 'allow = SR:\\d operators').replace(
        'hosts = opi01',
        'hosts = 10.1.1.1',
      ),
    );
    let caught: unknown;
    try {
      loadAgentConfig(path);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProblemsError);
    const error = caught as ProblemsError;
    expect(error.code).toBe('GW_CONFIG_INVALID');
    expect(error.problems.map((p) => [p.file, p.line])).toEqual([
      [path, 16],
      [path, 21],
    ]);
    expect(error.message.split('\n')[0]).toMatch(
      new RegExp(`^${path}:16: error: host "10.1.1.1" is an IP address`),
    );
  });

  it('fills documented defaults', () => {
    const config = checkAgentText('agent.ini', BASE).config;
    expect(config.agent).toMatchObject({
      prefix: 'CR01GW01:',
      stateDir: '/var/lib/gwagent',
      caUser: 'gwagent',
      caHost: 'cr01gw01',
    });
    expect(config.ioc).toEqual({ address: '127.0.0.1', port: 5064, beaconAddresses: ['127.0.0.1'] });
    expect(config.health.disks).toEqual({ ROOT: '/' });
    expect(config.control).toEqual({
      socketPath: '/var/lib/gwagent/control.sock',
      console: { enabled: false, host: '127.0.0.1', port: 0 },
    });
    const gwr = config.gateways[1]!;
    expect(gwr).toMatchObject({
      clientNetwork: 'gin',
      serverNetwork: 'acc',
      binary: 'gateway',
      home: '/var/lib/gwagent/gateways/GWR01',
      mask: 'va',
    });
    expect(gwr.supervision).toEqual({
      enabled: true,
      startS: 5,
      backoffMaxS: 60,
      stopTimeoutS: 10,
      restart: 'always',
      autorestart: true,
      unresponsiveRestartS: 0,
      logMaxBytes: 10_000_000,
      logKeep: 5,
    });
    expect(gwr.timeouts).toEqual({ connectS: 1, inactiveS: 7200, deadS: 120, reconnectInhibitS: 300 });
  });
});

describe('[health] alarm overrides', () => {
  it('accept record names with colons: disks and gateway statistics', () => {
    const text = `${BASE}\n[health]\nDISK:ROOT:USED_PCT.HIHI = 95\nGWF01:LOOP_RATE.LOW = 10\nGWF01:LOOP_RATE.LSV = MAJOR\n`;
    const result = checkAgentText('agent.ini', text);
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(result.config?.health.alarms).toEqual({
      'DISK:ROOT:USED_PCT.HIHI': 95,
      'GWF01:LOOP_RATE.LOW': 10,
      'GWF01:LOOP_RATE.LSV': 'MAJOR',
    });
  });

  it('refuse a field that is not an alarm field, with its line', () => {
    const text = `${BASE}\n[health]\nGWF01:LOOP_RATE.EGU = Hz\n`;
    const line = text.split('\n').findIndex((l) => l.startsWith('GWF01:LOOP_RATE.EGU')) + 1;
    expect(check(text)).toEqual([
      {
        file: 'agent.ini',
        line,
        severity: 'error',
        message:
          'alarm override "GWF01:LOOP_RATE.EGU" must be RECORD.FIELD with FIELD one of HIHI, HIGH, LOW, LOLO, HHSV, HSV, LSV, LLSV, HYST',
      },
    ]);
  });
});
