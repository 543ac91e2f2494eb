// The control-room surfaces of the examples: whole-file golden snapshots; every file well-formed and
// valid against its schema (xmllint); which widget carries which property; every PV through $(P);
// what the panel, the overview and the alarm trees contain for the Australian Synchrotron site; and the
// commands' bad-input handling (exit 78 naming the item, nothing written).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MIRRORED_STATS } from '../../src/agent/gateway-records.js';
import { checkAgentText } from '../../src/gwconfig/load-agent.js';
import { surfaceSite } from '../../src/surfaces/index.js';
import { child, childText, macrosOf, parseXml, type XmlElement } from '../../scripts/bob/xml-tree.js';
import {
  EXAMPLES,
  REPO,
  SCHEMAS,
  alarmPvs,
  alhPvs,
  displayPvs,
  hasXmllint,
  renderExample,
  xmllint,
} from './surface-files.js';
import { runCli } from '../support/run-cli.js';

const run = runCli;

afterEach(() => {
  vi.restoreAllMocks();
});

const site = renderExample('as-site.json');

describe('golden files', () => {
  it.each(EXAMPLES)('examples/%s renders its golden displays and alarm configurations', async (file) => {
    const r = renderExample(file);
    const dir = file.replace(/\.(json|ini)$/, '');
    for (const [name, text] of Object.entries({ ...r.displays, ...r.alarms }))
      await expect(text).toMatchFileSnapshot(`golden/${dir}/${name}`);
  });
});

describe('schemas', () => {
  const xmllintMissing = !hasXmllint();
  if (xmllintMissing && process.env.CI === 'true')
    throw new Error('xmllint (libxml2-utils) is required under CI');
  if (xmllintMissing)
    console.warn('SKIPPED: schema validation (xmllint from Debian libxml2-utils not installed)');

  it.skipIf(xmllintMissing).each(EXAMPLES)('every file of examples/%s is well-formed and valid', (file) => {
    const r = renderExample(file);
    const dir = mkdtempSync(join(tmpdir(), 'gwagent-surfaces-'));
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const bobs = Object.entries(r.displays).map(([n, t]) => write(n, t));
    const alarms = write(`${r.site.name}.xml`, r.alarms[`${r.site.name}.xml`]!);
    const displayResult = xmllint(['--noout', '--schema', join(SCHEMAS, 'phoebus-display.xsd'), ...bobs]);
    expect(displayResult.output).toBe(bobs.map((b) => `${b} validates\n`).join(''));
    expect(displayResult.status).toBe(0);
    const alarmResult = xmllint(['--noout', '--schema', join(SCHEMAS, 'phoebus-alarm-config.xsd'), alarms]);
    expect(alarmResult.output).toBe(`${alarms} validates\n`);
    expect(alarmResult.status).toBe(0);
  });

  it.skipIf(xmllintMissing)('the schemas refuse what Phoebus would not load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gwagent-surfaces-'));
    const bad = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const panel = site.displays['CR01GW01.bob']!;
    const cases = [
      bad('unknown-colour.bob', panel.replace('name="MAJOR"', 'name="Red"')),
      bad('bad-alignment.bob', panel.replace('<horizontal_alignment>2<', '<horizontal_alignment>7<')),
      bad('unknown-widget.bob', panel.replace('type="led"', 'type="blinkenlight"')),
    ];
    for (const f of cases)
      expect(xmllint(['--noout', '--schema', join(SCHEMAS, 'phoebus-display.xsd'), f]).status, f).not.toBe(0);
    const config = site.alarms['as-site.xml']!;
    const alarmCases = [
      bad('detail.xml', config.replace('<details>', '<detail>').replace('</details>', '</detail>')),
      bad(
        'order.xml',
        config.replace(
          /<enabled>true<\/enabled>\n(\s*)<latching>(\w+)<\/latching>/,
          '<latching>$2</latching>\n$1<enabled>true</enabled>',
        ),
      ),
      bad('dup.xml', config.replace('name="CR01GW02:STATUS"', 'name="CR01GW01:STATUS"')),
    ];
    for (const f of alarmCases)
      expect(
        xmllint(['--noout', '--schema', join(SCHEMAS, 'phoebus-alarm-config.xsd'), f]).status,
        f,
      ).not.toBe(0);
  });
});

/** Properties each widget type has in Phoebus' display model (the subset gwagent writes). */
const WIDGET_PROPERTIES: Record<string, readonly string[]> = {
  common: ['name', 'x', 'y', 'width', 'height', 'tooltip', 'rules'],
  label: [
    'text',
    'font',
    'foreground_color',
    'background_color',
    'transparent',
    'horizontal_alignment',
    'vertical_alignment',
  ],
  textupdate: [
    'pv_name',
    'font',
    'foreground_color',
    'background_color',
    'precision',
    'format',
    'show_units',
    'horizontal_alignment',
    'vertical_alignment',
    'border_alarm_sensitive',
  ],
  progressbar: [
    'pv_name',
    'limits_from_pv',
    'fill_color',
    'background_color',
    'horizontal',
    'border_alarm_sensitive',
  ],
  led: [
    'pv_name',
    'off_label',
    'off_color',
    'on_label',
    'on_color',
    'labels_from_pv',
    'square',
    'font',
    'border_alarm_sensitive',
  ],
  action_button: [
    'actions',
    'pv_name',
    'text',
    'font',
    'background_color',
    'show_confirm_dialog',
    'confirm_message',
  ],
  group: ['macros', 'style', 'font', 'foreground_color', 'background_color', 'transparent', 'widget'],
  rectangle: ['line_width', 'line_color', 'background_color'],
};

function widgets(node: XmlElement): XmlElement[] {
  return node.children.filter((c) => c.name === 'widget').flatMap((w) => [w, ...widgets(w)]);
}

describe('display files', () => {
  it('give each widget only properties of its type', () => {
    for (const [file, text] of Object.entries(site.displays)) {
      for (const w of widgets(parseXml(text))) {
        const allowed = new Set([...WIDGET_PROPERTIES.common!, ...WIDGET_PROPERTIES[w.attrs.type!]!]);
        for (const c of w.children)
          expect(allowed.has(c.name), `${file} ${w.attrs.type} ${c.name}`).toBe(true);
      }
    }
  });

  it('keep every widget inside its parent (a titled group loses its border and title)', () => {
    const num = (w: XmlElement, k: string) => Number(childText(w, k) || 0);
    const check = (file: string, parentNode: XmlElement, width: number, height: number) => {
      for (const w of parentNode.children.filter((c) => c.name === 'widget')) {
        const where = `${file}: ${childText(w, 'name')} in ${childText(parentNode, 'name')}`;
        expect(num(w, 'x') + num(w, 'width'), where).toBeLessThanOrEqual(width);
        expect(num(w, 'y') + num(w, 'height'), where).toBeLessThanOrEqual(height);
        if (w.attrs.type === 'group') {
          const isTitled = childText(w, 'style') === '0';
          // Phoebus insets a titled group's children by its border and title
          check(file, w, num(w, 'width') - (isTitled ? 12 : 0), num(w, 'height') - (isTitled ? 24 : 0));
        }
      }
    };
    for (const [file, text] of Object.entries(site.displays)) {
      const doc = parseXml(text);
      check(file, doc, num(doc, 'width'), num(doc, 'height'));
    }
  });

  it('name every PV through the macro P, never by a hard-coded prefix', () => {
    for (const text of Object.values(site.displays)) {
      const raw = [...text.matchAll(/<pv_name>([^<]*)<\/pv_name>/g)].map((m) => m[1]!);
      expect(raw.length).toBeGreaterThan(0);
      for (const name of raw) expect(name.startsWith('$(P)'), name).toBe(true);
    }
  });

  it('CR01GW01: status, agent, server and one block per gateway with its controls', () => {
    const pvs = new Set(displayPvs(site.displays['CR01GW01.bob']!).map((u) => u.pv));
    const P = 'CR01GW01:';
    const expected = [
      'STATUS',
      'STATUS_MSG',
      'LABEL',
      'HOSTNAME',
      'UPTIME',
      'STARTTOD',
      'STREAM',
      'BUILD',
      'BUILD_DATE',
      'CONFIG_OK',
      'CONFIG_MSG',
      'GW_RUNNING',
      'GW_CNT',
      'RELOAD',
      'SYSRESET',
      'SYS_RELEASE',
      'BOX_UPTIME',
      'SYS_CPU_LOAD',
      'SYS_CPU_LOAD.HIGH',
      'SYS_CPU_LOAD.HIHI',
      'MEM_USED_PCT',
      'MEM_USED_PCT.HIGH',
      'MEM_USED_PCT.HIHI',
      'LOAD1',
      'LOAD5',
      'LOAD15',
      'IOWAIT',
      'SWAP_USED_PCT',
      'DISK:ROOT:USED_PCT',
      'DISK:ASP:USED_PCT',
      'IP:eth0',
      'IP:eth1',
      'NPROCS',
    ];
    for (const s of expected) expect(pvs.has(P + s), s).toBe(true);
    for (const gw of ['GWF01', 'GWR01']) {
      const own = [
        'STATE',
        'FATAL',
        'ALIVE',
        'PID',
        'UPTIME',
        'RESTARTS',
        'LAST_EXIT',
        'LAST_START',
        'CPU',
        'MEM',
        'LOG_ERRS',
        'AUTORESTART',
      ];
      for (const s of [...own, ...MIRRORED_STATS.map((m) => m[0])])
        expect(pvs.has(`${P}${gw}:${s}`), `${gw}:${s}`).toBe(true);
    }
    const doc = parseXml(site.displays['CR01GW01.bob']!);
    expect(macrosOf(doc)).toEqual({ P });
    const buttons = widgets(doc).filter((w) => w.attrs.type === 'action_button');
    for (const gw of ['GWF01', 'GWR01']) {
      for (const control of ['START', 'STOP', 'RESTART', 'RELOAD']) {
        const target = `$(P)${gw}:${control}`;
        const b = buttons.find((w) => childText(w, 'pv_name') === target);
        expect(b, target).toBeDefined();
        const action = child(child(b!, 'actions')!, 'action')!;
        expect([action.attrs.type, childText(action, 'pv_name'), childText(action, 'value')]).toEqual([
          'write_pv',
          target,
          '1',
        ]);
        expect(childText(b!, 'show_confirm_dialog')).toBe(
          control === 'STOP' || control === 'RESTART' ? 'true' : '',
        );
      }
    }
    const state = widgets(doc).find((w) => childText(w, 'pv_name') === '$(P)GWF01:STATE')!;
    const rule = child(child(state, 'rules')!, 'rule')!;
    expect(rule.attrs.prop_id).toBe('background_color');
    expect(
      rule.children
        .filter((c) => c.name === 'exp')
        .map((e) => [e.attrs.bool_exp, e.children[0]!.children[0]!.attrs.name]),
    ).toEqual([
      ['pvSev0 == 3', 'INVALID'],
      ['pvSev0 == 2', 'MAJOR'],
      ['pvSev0 == 1', 'MINOR'],
      ['pvSev0 == 0', 'OK'],
    ]);
  });

  it('overview: one block per container with its P, one row per gateway opening the panel', () => {
    const doc = parseXml(site.displays['overview.bob']!);
    const blocks = doc.children.filter((w) => w.attrs.type === 'group');
    expect(blocks.map((b) => [childText(b, 'name'), macrosOf(b).P])).toEqual(
      site.site.containers.map((c) => [c.name, c.prefix]),
    );
    const gw01 = blocks.find((b) => childText(b, 'name') === 'CR01GW01')!;
    const rowButtons = widgets(gw01).filter((w) => w.attrs.type === 'action_button');
    expect(rowButtons.map((b) => childText(b, 'text'))).toEqual(['CR01GW01', 'GWF01', 'GWR01']);
    for (const b of rowButtons) {
      const action = child(child(b, 'actions')!, 'action')!;
      expect([action.attrs.type, childText(action, 'file'), macrosOf(action)]).toEqual([
        'open_display',
        'CR01GW01.bob',
        { P: '$(P)' },
      ]);
    }
    const pvs = [...new Set(displayPvs(site.displays['overview.bob']!).map((u) => u.pv))];
    for (const s of [
      'STATE',
      'ALIVE',
      'PV_TOTAL',
      'VC_TOTAL',
      'CLIENT_EVENT_RATE',
      'SERVER_EVENT_RATE',
      'LOOP_RATE',
    ])
      expect(pvs).toContain(`CR01GW09:GWR09:${s}`);
    expect(pvs.filter((p) => p.endsWith(':STATE'))).toHaveLength(19);
  });
});

describe('alarm configurations', () => {
  const config = parseXml(site.alarms['as-site.xml']!);
  const pvNode = (name: string): XmlElement => {
    const found: XmlElement[] = [];
    const visit = (n: XmlElement) => {
      if (n.name === 'pv' && n.attrs.name === name) found.push(n);
      n.children.forEach(visit);
    };
    visit(config);
    expect(found, name).toHaveLength(1);
    return found[0]!;
  };
  const policy = (name: string) => {
    const n = pvNode(name);
    return ['enabled', 'latching', 'annunciating', 'delay', 'count'].map((k) => childText(n, k));
  };

  it('has one component per container with the panel as display and command', () => {
    expect(config.attrs.name).toBe('as-site');
    expect(config.children.map((c) => [c.name, c.attrs.name])).toEqual(
      site.site.containers.map((c) => ['component', c.name]),
    );
    const gw01 = config.children[1]!;
    expect(childText(child(gw01, 'display')!, 'details')).toBe('displays/CR01GW01.bob?P=CR01GW01:');
    expect(childText(child(gw01, 'command')!, 'details')).toBe(
      'phoebus -resource "displays/CR01GW01.bob?P=CR01GW01:"',
    );
    expect(gw01.children.filter((c) => c.name === 'component').map((c) => c.attrs.name)).toEqual([
      'GWF01',
      'GWR01',
      'Health',
    ]);
  });

  it('latches FATAL, treats a restart as transient and never latches summaries', () => {
    expect(policy('CR01GW01:STATUS')).toEqual(['true', 'false', 'false', '10', '']);
    expect(policy('CR01GW01:CONFIG_OK')).toEqual(['true', 'false', 'false', '', '']);
    expect(policy('CR01GW01:GWF01:STATE')).toEqual(['true', 'false', 'false', '30', '3']);
    expect(policy('CR01GW01:GWF01:FATAL')).toEqual(['true', 'true', 'true', '', '']);
    expect(policy('CR01GW01:GWF01:ALIVE')).toEqual(['true', 'false', 'false', '15', '3']);
    expect(policy('CR01GW01:DISK:ASP:USED_PCT')).toEqual(['true', 'false', 'false', '60', '']);
  });

  it('watches exactly the health PVs that carry limits, with the limits the site configures', () => {
    const health = config.children[1]!.children.find((c) => c.attrs.name === 'Health')!;
    expect(
      health.children.filter((c) => c.name === 'pv').map((c) => c.attrs.name!.slice('CR01GW01:'.length)),
    ).toEqual([
      'SYS_CPU_LOAD',
      'IOC_CPU_LOAD',
      'FD_FREE',
      'CA_CLNT_CNT',
      'CA_CONN_CNT',
      'SUSP_TASK_CNT',
      'GTIM_ERR_CNT',
      'IOWAIT',
      'MEM_USED_PCT',
      'SWAP_USED_PCT',
      'DISK:ROOT:USED_PCT',
      'DISK:ASP:USED_PCT',
      'CG_MEM_USED_PCT',
      'CG_CPU_LOAD',
    ]);
    // The site sets SYS_CPU_LOAD.HIGH = 75 and .HIHI = 90 for every container.
    expect(childText(child(pvNode('CR01GW01:SYS_CPU_LOAD'), 'guidance')!, 'details')).toMatch(
      /^Alarm limits HIHI 90 %, HIGH 75 %/,
    );
  });

  it('ALH: the same channels, T for the transient ones, every guidance closed', () => {
    const alh = site.alarms['as-site.alhConfig']!;
    expect(alhPvs(alh)).toEqual(alarmPvs(site.alarms['as-site.xml']!));
    const lines = alh.split('\n');
    expect(lines).toContain('CHANNEL  CR01GW01_GWF01  CR01GW01:GWF01:FATAL  -----');
    expect(lines).toContain('CHANNEL  CR01GW01_GWF01  CR01GW01:GWF01:STATE  ---T-');
    expect(lines[lines.indexOf('CHANNEL  CR01GW01_GWF01  CR01GW01:GWF01:STATE  ---T-') + 2]).toBe(
      '$ALARMCOUNTFILTER  3  30',
    );
    expect(lines.filter((l) => l === '$GUIDANCE').length).toBe(lines.filter((l) => l === '$END').length);
  });
});

describe('ALH configurations of every example', () => {
  it.each(EXAMPLES)('examples/%s: unique group names, parents defined first', (file) => {
    const r = renderExample(file);
    const lines = r.alarms[`${r.site.name}.alhConfig`]!.split('\n');
    const groups = lines.filter((l) => l.startsWith('GROUP ')).map((l) => l.split(/\s+/)[2]!);
    expect(new Set(groups).size).toBe(groups.length);
    const defined = new Set(['NULL']);
    for (const l of lines) {
      const [kind, parentName, name] = l.split(/\s+/);
      if (kind === 'GROUP' || kind === 'CHANNEL') expect(defined.has(parentName!), l).toBe(true);
      if (kind === 'GROUP') defined.add(name!);
    }
  });
});

describe('bad input', () => {
  const siteJson = JSON.parse(readFileSync(join(REPO, 'examples/as-site.json'), 'utf8')) as {
    containers: { hostname: string; agent?: Record<string, string>; gateways: { name: string }[] }[];
  };
  const variant = (mutate: (s: typeof siteJson) => void): string => {
    const copy = structuredClone(siteJson);
    mutate(copy);
    const dir = mkdtempSync(join(tmpdir(), 'gwagent-surfaces-'));
    writeFileSync(join(dir, 'site.json'), JSON.stringify(copy));
    return join(dir, 'site.json');
  };
  const outDir = () => join(mkdtempSync(join(tmpdir(), 'gwagent-surfaces-')), 'out');

  it.each([
    [
      'a duplicate container',
      (s: typeof siteJson) => (s.containers[2]!.hostname = 'CR01GW01'),
      /containers\[2\]\.hostname\]: error: hostname CR01GW01 is also used by containers\[1\]/,
    ],
    [
      'a duplicate gateway',
      (s: typeof siteJson) => (s.containers[3]!.gateways[1]!.name = 'GWF01'),
      /containers\[3\]\.gateways\[1\]\.name\]: error: gateway name GWF01 is also used in CR01GW01/,
    ],
    [
      'an illegal prefix',
      (s: typeof siteJson) => (s.containers[4]!.agent = { prefix: 'CR01 GW04:' }),
      /CR01GW04 -> CR01GW04\.ini.*PV prefix "CR01 GW04:" may only use letters, digits and _ : \. -/,
    ],
    [
      'a prefix used twice',
      (s: typeof siteJson) => (s.containers[5]!.agent = { prefix: 'CR01GW01:' }),
      /\[CR01GW05\]: error: PV prefix "CR01GW01:" of CR01GW05 is also the prefix of CR01GW01/,
    ],
  ])('%s: exit 78 naming it, nothing written', async (_what, mutate, message) => {
    const file = variant(mutate);
    for (const command of ['display', 'alarms']) {
      const out = outDir();
      const result = await run([command, 'render', file, '--out', out]);
      expect(result.code).toBe(78);
      expect(result.err).toMatch(message);
      expect(() => readdirSync(out)).toThrow(/ENOENT/);
    }
  });

  it('the model refuses two agent configs with one name, prefix or gateway name', () => {
    const ini = readFileSync(join(REPO, 'examples/cr01gw01.ini'), 'utf8');
    const config = checkAgentText('a.ini', ini).config;
    const { problems } = surfaceSite('twice', 'two.ini', [config, config]);
    expect(problems.map((p) => `[${p.key}] ${p.message}`)).toEqual([
      '[CR01GW01] container name CR01GW01 is used twice',
      '[CR01GW01] PV prefix "CR01GW01:" of CR01GW01 is also the prefix of CR01GW01',
      '[CR01GW01.GWF01] gateway name GWF01 of CR01GW01 is also used in CR01GW01',
      '[CR01GW01.GWR01] gateway name GWR01 of CR01GW01 is also used in CR01GW01',
    ]);
  });

  it('an output directory that cannot be written: exit 78 naming it, no partial output', async () => {
    const base = mkdtempSync(join(tmpdir(), 'gwagent-surfaces-'));
    writeFileSync(join(base, 'a-file'), '');
    const blocked = join(base, 'a-file', 'displays');
    const result = await run(['display', 'render', join(REPO, 'examples/as-site.json'), '--out', blocked]);
    expect(result.code).toBe(78);
    expect(result.err).toMatch(
      new RegExp(`--out ${blocked}: nothing written: cannot create ${blocked}: ENOTDIR`),
    );
    // A target that is a directory fails its write: none of the other panels may appear.
    const out = join(base, 'out');
    mkdirSync(join(out, 'CR01GW05.bob'), { recursive: true });
    const second = await run(['display', 'render', join(REPO, 'examples/as-site.json'), '--out', out]);
    expect(second.code).toBe(78);
    expect(second.err).toMatch(/CR01GW05\.bob: it exists and is not a regular file/);
    expect(readdirSync(out)).toEqual(['CR01GW05.bob']);
  });

  it('writes atomically and leaves unchanged files alone', async () => {
    const out = outDir();
    const first = await run(['alarms', 'render', join(REPO, 'examples/cr01gw01.ini'), '--out', out]);
    expect(first.code).toBe(0);
    expect(first.out).toBe(`wrote ${out}/CR01GW01.xml\nwrote ${out}/CR01GW01.alhConfig\n`);
    const again = await run(['alarms', 'render', join(REPO, 'examples/cr01gw01.ini'), '--out', out]);
    expect(again.out).toBe(`unchanged ${out}/CR01GW01.xml\nunchanged ${out}/CR01GW01.alhConfig\n`);
    expect(readdirSync(out).sort()).toEqual(['CR01GW01.alhConfig', 'CR01GW01.xml']);
  });
});
