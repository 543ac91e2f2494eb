// Issue 15: the [http] section. Absent means off; every problem is reported with its line; a listener
// off loopback is legal but warned about; the port may not be the health IOC's on the same address.
import { describe, expect, it } from 'vitest';
import { checkAgentText } from '../../src/gwconfig/load-agent.js';

const BASE = `[agent]
name = CR01GW01

[ioc]
address = 127.0.0.1
port = 5064
`;

const check = (extra: string) => checkAgentText('agent.ini', BASE + extra);

describe('[http]', () => {
  it('is off without the section', () => {
    const r = check('');
    expect(r.problems).toEqual([]);
    expect(r.config.http).toEqual({
      enabled: false,
      address: '127.0.0.1',
      port: 0,
      maxConnections: 64,
      maxEventClients: 16,
    });
  });

  it('binds loopback by default and takes its limits', () => {
    const r = check('\n[http]\nport = 9180\nmax_connections = 10\nmax_event_clients = 2\n');
    expect(r.problems).toEqual([]);
    expect(r.config.http).toEqual({
      enabled: true,
      address: '127.0.0.1',
      port: 9180,
      maxConnections: 10,
      maxEventClients: 2,
    });
  });

  it('reports every bad key with its line', () => {
    const r = check('\n[http]\naddress = gw01.example\nport = 70000\nmax_connections = 1\ncolour = blue\n');
    expect(r.problems.map((p) => [p.line, p.severity, p.message])).toEqual([
      [9, 'error', '[http] address must be a numeric IPv4 address, got "gw01.example"'],
      [10, 'error', '"port" must be an integer from 1 to 65535, got "70000"'],
      [11, 'error', '"max_connections" must be an integer from 2 to 10000, got "1"'],
      [12, 'error', 'unknown key "colour" in [http]'],
    ]);
  });

  it('needs a port', () => {
    const r = check('\n[http]\naddress = 127.0.0.1\n');
    expect(r.problems.map((p) => [p.line, p.message])).toEqual([[8, '[http] needs "port = ..."']]);
    expect(r.config.http.enabled).toBe(false);
  });

  it('warns when it listens off loopback (read-only, but visible to the network)', () => {
    const r = check('\n[http]\naddress = 0.0.0.0\nport = 9180\n');
    expect(r.problems.map((p) => [p.line, p.severity, p.message])).toEqual([
      [
        9,
        'warning',
        'the status page and /metrics listen on 0.0.0.0, not loopback: anyone who can reach it can read them (read-only)',
      ],
    ]);
  });

  it("refuses the health IOC's CA port on the same address", () => {
    const r = check('\n[http]\nport = 5064\n');
    expect(r.problems.map((p) => [p.line, p.message])).toEqual([
      [9, "[http] port 5064 is the health IOC's CA port on the same address: choose another"],
    ]);
  });
});
