// The reload plan, without a supervisor: two configurations in, the exact list of actions out. A pvlist
// change alone is a reload in place, a command-line change a restart, an unchanged file nothing.
import { describe, expect, it } from 'vitest';
import { planReload } from '../../src/agent/reload-plan.js';
import { checkAgentText } from '../../src/gwconfig/load-agent.js';
import type { AgentConfig } from '../../src/gwconfig/index.js';

const BASE = {
  GWF: ['direction = forward', 'label = forward', 'allow = .*'],
  GWR: ['direction = reverse', 'label = reverse', 'allow = .*', 'server_port = 5070'],
};

/** A valid config with the given gateways (section lines each). */
function config(gateways: Record<string, string[]>): AgentConfig {
  const lines = [
    '[agent]',
    'name = T',
    'state_dir = /nonexistent/state',
    'log_dir = /nonexistent/log',
    '[ioc]',
    'address = 127.0.0.1',
    'port = 5999',
    '[network.sub]',
    'interface = lo',
    'address = 127.0.0.2/32',
    'search = 127.0.0.5',
    '[network.gin]',
    'interface = lo:gin',
    'address = 127.0.0.3/32',
    'gin = yes',
    'search = 127.0.0.4',
  ];
  for (const [name, keys] of Object.entries(gateways)) lines.push(`[gateway.${name}]`, ...keys);
  const result = checkAgentText('plan.ini', lines.join('\n'));
  expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
  return result.config;
}

const old = config(BASE);

describe('planReload', () => {
  it('does nothing for an unchanged configuration', () => {
    expect(planReload(old, config(BASE))).toEqual([]);
  });

  it('adds a new gateway and counts it', () => {
    const next = config({ ...BASE, GWN: ['direction = forward', 'allow = .*', 'server_port = 5072'] });
    expect(planReload(old, next)).toEqual([
      { kind: 'add', gateway: 'GWN' },
      { kind: 'gateway-count', count: 3 },
    ]);
  });

  it('removes a gateway gone from the file, before anything else', () => {
    const next = config({ GWR: BASE.GWR, GWN: ['direction = forward', 'allow = .*'] });
    expect(planReload(old, next)).toEqual([
      { kind: 'remove', gateway: 'GWF' },
      { kind: 'add', gateway: 'GWN' },
    ]);
  });

  it('reloads in place when only the pvlist changed', () => {
    const next = config({ ...BASE, GWF: [...BASE.GWF, 'deny = .*:SECRET'] });
    expect(planReload(old, next)).toEqual([{ kind: 'reread', gateway: 'GWF' }]);
  });

  it('does not reload a disabled gateway in place', () => {
    const off = config({ ...BASE, GWF: [...BASE.GWF, 'enabled = no'] });
    const next = config({ ...BASE, GWF: [...BASE.GWF, 'enabled = no', 'deny = .*:SECRET'] });
    expect(planReload(off, next)).toEqual([]);
  });

  it('restarts on a changed command line, and the statistics mirror follows a new port', () => {
    const next = config({ ...BASE, GWR: [...BASE.GWR.slice(0, 3), 'server_port = 5080'] });
    expect(planReload(old, next)).toEqual([
      { kind: 'restart', gateway: 'GWR' },
      { kind: 'retarget', gateway: 'GWR', server: '127.0.0.2:5080' },
    ]);
    const ro = config({ ...BASE, GWF: [...BASE.GWF, 'read_only = yes'] });
    expect(planReload(old, ro)).toEqual([{ kind: 'restart', gateway: 'GWF' }]);
  });

  it('updates the spec alone for supervision settings, and relabels without touching the process', () => {
    const next = config({
      ...BASE,
      GWF: ['direction = forward', 'label = renamed', 'allow = .*', 'start_secs = 9'],
    });
    expect(planReload(old, next)).toEqual([
      { kind: 'update', gateway: 'GWF' },
      { kind: 'label', gateway: 'GWF', label: 'renamed' },
    ]);
  });

  it('leaves the AUTORESTART switch to the operator: autorestart in the file changes nothing', () => {
    expect(planReload(old, config({ ...BASE, GWF: [...BASE.GWF, 'autorestart = no'] }))).toEqual([]);
  });

  it('stops a gateway that is disabled, starts one that is enabled', () => {
    const off = config({ ...BASE, GWF: [...BASE.GWF, 'enabled = no'] });
    expect(planReload(old, off)).toEqual([{ kind: 'stop', gateway: 'GWF' }]);
    expect(planReload(off, old)).toEqual([{ kind: 'start', gateway: 'GWF' }]);
  });
});
