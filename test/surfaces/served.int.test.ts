// Every PV name in every generated surface is served by the agent of its container: for each example
// (the Australian Synchrotron site and every example agent config), each container's agent runs
// (`gwagent run`, loopback only) and gwagent's CA client connects to every name its panel, the
// overview rows, the Phoebus alarm configuration and the ALH configuration use, macros expanded.
import { networkInterfaces } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { CaClient } from '../../src/ca/client/index.js';
import { childText, macrosOf, parseXml } from '../../scripts/bob/xml-tree.js';
import { agentTexts, startAgent } from './agent-run.js';
import { EXAMPLES, alarmPvs, alhPvs, displayPvs, renderExample } from './surface-files.js';

/** Names a surface may show before the agent serves them: reported, not failed; none now. */
const PENDING = new Set<string>();

/** The agent serves IP:<interface> for configured interfaces the host has: the examples name eth0 and
 * eth1, which this machine may lack. Those names must then be the only ones missing. */
const HOST_INTERFACES = new Set(Object.keys(networkInterfaces()));
const isAbsentInterface = (suffix: string) =>
  suffix.startsWith('IP:') && !HOST_INTERFACES.has(suffix.slice(3));

/** Names that do not connect within the timeout, out of `names`, against the agent on `port`. */
async function unresolved(names: readonly string[], port: number): Promise<string[]> {
  const client = new CaClient({ env: {}, autoAddrList: false, addrList: [] });
  try {
    const results = await Promise.all(
      names.map(async (pv) => {
        const ch = client.channel(pv, { server: `127.0.0.1:${port}` });
        try {
          await ch.connected(2000);
          return undefined;
        } catch {
          return pv;
        }
      }),
    );
    return results.filter((r): r is string => r !== undefined);
  } finally {
    await client.close();
  }
}

/** Every name the surfaces of an example use, grouped by the container (prefix) that must serve it. */
function namesByContainer(file: string): Map<string, Set<string>> {
  const r = renderExample(file);
  const out = new Map(r.site.containers.map((c) => [c.name, new Set<string>()]));
  const add = (pv: string, where: string) => {
    const name = r.site.containers.find((c) => pv.startsWith(c.prefix))?.name;
    if (name === undefined) throw new Error(`${where}: ${pv} belongs to no container`);
    out.get(name)!.add(pv);
  };
  for (const [f, text] of Object.entries(r.displays))
    for (const u of displayPvs(text)) add(u.pv, `${f} ${u.widget}`);
  for (const [f, text] of Object.entries(r.alarms))
    for (const pv of f.endsWith('.xml') ? alarmPvs(text) : alhPvs(text)) add(pv, f);
  // The overview's blocks (whose open-display actions pass on their P) carry each container's prefix.
  const overview = parseXml(r.displays['overview.bob']!);
  const blocks = overview.children.filter((w) => w.attrs.type === 'group');
  expect(blocks.map((b) => [childText(b, 'name'), macrosOf(b).P])).toEqual(
    r.site.containers.map((c) => [c.name, c.prefix]),
  );
  return out;
}

let total = 0;
const pendingSeen = new Set<string>();
const absentSeen = new Set<string>();

describe.each(EXAMPLES)('surfaces of examples/%s', (file) => {
  const names = namesByContainer(file);
  const texts = agentTexts(file);

  it.each([...names.keys()])('every name for %s is served by its agent', async (container) => {
    const wanted = [...names.get(container)!];
    expect(wanted.length).toBeGreaterThan(50);
    const agent = await startAgent(container, texts.get(container)!);
    try {
      const missing = await unresolved(wanted, agent.port);
      const prefix = wanted[0]!.slice(0, wanted[0]!.indexOf(':') + 1);
      const pending = missing.filter((pv) => PENDING.has(pv.slice(prefix.length)));
      for (const pv of pending) pendingSeen.add(pv.slice(prefix.length));
      const absent = wanted.filter((pv) => isAbsentInterface(pv.slice(prefix.length)));
      for (const pv of absent) absentSeen.add(pv.slice(prefix.length));
      expect(missing.filter((pv) => !pending.includes(pv)).sort()).toEqual(absent.sort());
      for (const suffix of PENDING) {
        const pv = prefix + suffix;
        if (wanted.includes(pv) && !missing.includes(pv))
          throw new Error(`${pv} is served now: remove ${suffix} from PENDING`);
      }
      total += wanted.length - pending.length - absent.length;
    } finally {
      await agent.stop();
    }
  });
});

afterAll(() => {
  const pending = [...pendingSeen].join(', ') || 'none';
  const absent = [...absentSeen].join(', ') || 'none';
  console.log(
    `surfaces: ${total} PV names resolved over CA; not yet served (pending): ${pending}; ` +
      `interfaces this host lacks (not served, as designed): ${absent}`,
  );
});
