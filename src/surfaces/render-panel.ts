// The IOC status panel of one container (`<NAME>.bob`): the seed's "IOC Status" screen for a gwagent
// container. Every PV through $(P) (default: the container's prefix, overridable by whoever opens it):
// STATUS and STATUS_MSG, the agent (EPICS IOC) block, the server (host) block with alarm-limit bars,
// and one block per gateway with its state, process, statistics and the ACF-guarded control buttons.
// Pure: container model in, .bob text out.
import { MIRRORED_STATS } from '../agent/gateway-records.js';
import {
  actionButton,
  display,
  group,
  label,
  led,
  progressBar,
  rectangle,
  textUpdate,
  type Box,
} from './bob-widgets.js';
import { field, pv, ROW, ROW_HEIGHT } from './layout.js';
import type { SurfaceContainer, SurfaceGateway } from './surface-model.js';
import { renderXml, type XmlNode } from './xml.js';

export const PANEL_WIDTH = 900;
const COLUMN_WIDTH = 435;
/** Height of a titled group's title and border (Phoebus insets children by it). */
const GROUP_INSET = 26;
const CAPTION = 120;

/** The panel's file name for a container. */
export function panelFile(containerName: string): string {
  return `${containerName}.bob`;
}

/** Bar, value and the live HIGH/HIHI fields of an analog health PV with upper limits. */
function limitBar(caption: string, suffix: string, y: number): XmlNode[] {
  const name = suffix.replace(/[^A-Za-z0-9_]/g, '_');
  const h = ROW_HEIGHT;
  return [
    label(`${name} label`, caption, { x: 0, y, width: CAPTION, height: h }),
    progressBar(`${name} bar`, pv(suffix), { x: CAPTION, y, width: 130, height: h }),
    textUpdate(name, pv(suffix), { x: CAPTION + 135, y, width: 70, height: h }, { align: 'right' }),
    textUpdate(
      `${name} HIGH`,
      pv(`${suffix}.HIGH`),
      { x: CAPTION + 210, y, width: 40, height: h },
      { font: 'Fine Print', align: 'right', showUnits: false, color: 'MINOR' },
    ),
    textUpdate(
      `${name} HIHI`,
      pv(`${suffix}.HIHI`),
      { x: CAPTION + 255, y, width: 40, height: h },
      { font: 'Fine Print', align: 'right', showUnits: false, color: 'MAJOR' },
    ),
  ];
}

function agentBlock(y: number): { node: XmlNode; height: number } {
  const at = (row: number, valueWidth = 285) => ({ x: 0, y: row * ROW, labelWidth: CAPTION, valueWidth });
  const h = ROW_HEIGHT;
  const rows: XmlNode[] = [
    ...field('Function', 'LABEL', at(0)),
    ...field('Host', 'HOSTNAME', at(1)),
    ...field('IOC up time', 'UPTIME', at(2)),
    ...field('Started', 'STARTTOD', at(3)),
    ...field('Stream', 'STREAM', at(4)),
    ...field('Build', 'BUILD', at(5, 100)),
    textUpdate('BUILD_DATE', pv('BUILD_DATE'), { x: CAPTION + 105, y: 5 * ROW, width: 180, height: h }),
    ...field('Engineer', 'ENGINEER', at(6)),
    label('CONFIG_OK label', 'Configuration', { x: 0, y: 7 * ROW, width: CAPTION, height: h }),
    led(
      'CONFIG_OK',
      pv('CONFIG_OK'),
      { x: CAPTION, y: 7 * ROW, width: 60, height: h },
      { label: 'Refused', color: 'MAJOR' },
      { label: 'OK', color: 'OK' },
    ),
    textUpdate('CONFIG_MSG', pv('CONFIG_MSG'), { x: CAPTION + 65, y: 7 * ROW, width: 220, height: h }),
    ...field('Gateways running', 'GW_RUNNING', at(8, 60), { align: 'right' }),
    label('GW_CNT label', 'of', { x: CAPTION + 65, y: 8 * ROW, width: 20, height: h }, { align: 'center' }),
    textUpdate(
      'GW_CNT',
      pv('GW_CNT'),
      { x: CAPTION + 90, y: 8 * ROW, width: 60, height: h },
      { align: 'right' },
    ),
    ...field('CA clients', 'CA_CLNT_CNT', at(9, 60), { align: 'right' }),
    label('CA_CONN_CNT label', 'channels', { x: CAPTION + 65, y: 9 * ROW, width: 70, height: h }),
    textUpdate(
      'CA_CONN_CNT',
      pv('CA_CONN_CNT'),
      { x: CAPTION + 140, y: 9 * ROW, width: 60, height: h },
      { align: 'right' },
    ),
    actionButton(
      'Reload configuration',
      'Reload configuration',
      { x: 0, y: 10 * ROW + 4, width: 200, height: 26 },
      [{ kind: 'write_pv', pv: pv('RELOAD'), value: '1', description: 'Reload configuration' }],
      { pv: pv('RELOAD'), confirm: 'Reload the agent configuration of $(P)?' },
    ),
    actionButton(
      'Restart agent',
      'Restart agent',
      { x: 210, y: 10 * ROW + 4, width: 200, height: 26 },
      [{ kind: 'write_pv', pv: pv('SYSRESET'), value: '1', description: 'Restart agent' }],
      {
        pv: pv('SYSRESET'),
        confirm: 'Restart the agent of $(P)? Its gateways are stopped and started again.',
        background: 'STOP',
      },
    ),
  ];
  const height = GROUP_INSET + 11 * ROW + 10;
  return {
    node: group('EPICS IOC', { x: 10, y, width: COLUMN_WIDTH, height }, rows, { isTitled: true }),
    height,
  };
}

function serverBlock(c: SurfaceContainer, y: number): { node: XmlNode; height: number } {
  const at = (row: number, valueWidth = 285) => ({ x: 0, y: row * ROW, labelWidth: CAPTION, valueWidth });
  const h = ROW_HEIGHT;
  const rows: XmlNode[] = [
    ...field('System', 'SYS_RELEASE', at(0)),
    ...field('Location', 'LOCATION', at(1)),
    ...field('Kernel', 'KERNEL_VERS', at(2)),
    ...field('Box up time', 'BOX_UPTIME', at(3)),
    label(
      'limits',
      'alarm at',
      { x: CAPTION + 210, y: 4 * ROW, width: 85, height: h },
      {
        font: 'Fine Print',
        align: 'center',
      },
    ),
    ...limitBar('CPU load', 'SYS_CPU_LOAD', 5 * ROW),
    label('LOAD label', 'Load 1/5/15 min', { x: 0, y: 6 * ROW, width: CAPTION, height: h }),
    ...['LOAD1', 'LOAD5', 'LOAD15'].map((s, i) =>
      textUpdate(s, pv(s), { x: CAPTION + i * 75, y: 6 * ROW, width: 70, height: h }, { align: 'right' }),
    ),
    ...limitBar('CPU I/O wait', 'IOWAIT', 7 * ROW),
    ...limitBar('RAM used', 'MEM_USED_PCT', 8 * ROW),
    ...limitBar('Swap used', 'SWAP_USED_PCT', 9 * ROW),
  ];
  let row = 10;
  for (const disk of c.disks) rows.push(...limitBar(`Disk ${disk}`, `DISK:${disk}:USED_PCT`, row++ * ROW));
  for (const itf of c.interfaces) rows.push(...field(`IP ${itf}`, `IP:${itf}`, at(row++)));
  rows.push(...field('Processes', 'NPROCS', at(row++, 70), { align: 'right' }));
  const height = GROUP_INSET + row * ROW + 6;
  return {
    node: group('Server', { x: 20 + COLUMN_WIDTH, y, width: COLUMN_WIDTH, height }, rows, {
      isTitled: true,
    }),
    height,
  };
}

const STAT_CAPTIONS: Readonly<Record<string, string>> = {
  PV_TOTAL: 'PVs',
  VC_TOTAL: 'Virtual circuits',
  CONNECTED: 'Connected',
  ACTIVE: 'Active',
  INACTIVE: 'Inactive',
  UNCONNECTED: 'Unconnected',
  DISCONNECTED: 'Disconnected',
  CONNECTING: 'Connecting',
  DEAD: 'Dead',
  CLIENT_EVENT_RATE: 'Client events',
  CLIENT_POST_RATE: 'Client posts',
  SERVER_EVENT_RATE: 'Server events',
  SERVER_POST_RATE: 'Server posts',
  EXIST_TEST_RATE: 'Exist tests',
  LOOP_RATE: 'Loop rate',
  CPU_FRACT: 'CPU fraction',
  LOAD: 'Host load',
};

/** Buttons writing 1 to the gateway's control PVs; enabled only where the ACF grants write access. */
function controls(g: SurfaceGateway, y: number): XmlNode[] {
  const buttons: [string, string, string | undefined, 'STOP' | undefined][] = [
    ['START', 'Start', undefined, undefined],
    ['STOP', 'Stop', `Stop gateway ${g.name} of $(P)? It stays stopped until started.`, 'STOP'],
    ['RESTART', 'Restart', `Restart gateway ${g.name} of $(P)? Its clients reconnect.`, undefined],
    ['RELOAD', 'Re-read', undefined, undefined],
  ];
  return buttons.map(([suffix, text, confirm, background], i) => {
    const target = pv(`${g.name}:${suffix}`);
    return actionButton(
      `${g.name} ${text}`,
      text,
      { x: 520 + i * 87, y, width: 80, height: 24 },
      [{ kind: 'write_pv', pv: target, value: '1', description: `${text} ${g.name}` }],
      { pv: target, ...(confirm ? { confirm } : {}), ...(background ? { background } : {}) },
    );
  });
}

function gatewayBlock(g: SurfaceGateway, y: number): { node: XmlNode; height: number } {
  const p = (s: string) => `${g.name}:${s}`;
  const h = ROW_HEIGHT;
  const at = (x: number, row: number, labelWidth: number, valueWidth: number) => ({
    x,
    y: row * ROW,
    labelWidth,
    valueWidth,
  });
  const rows: XmlNode[] = [
    ...field('State', p('STATE'), at(0, 0, 60, 120), {
      isAlarmColored: true,
      font: 'Default Bold',
      align: 'center',
    }),
    led(
      `${g.name} ALIVE`,
      pv(p('ALIVE')),
      { x: 190, y: 0, width: 80, height: h },
      { label: 'Not serving', color: 'MAJOR' },
      { label: 'Serving', color: 'OK' },
    ),
    led(
      `${g.name} FATAL`,
      pv(p('FATAL')),
      { x: 275, y: 0, width: 80, height: h },
      { label: 'Supervised', color: 'Off' },
      { label: 'Gave up', color: 'MAJOR' },
    ),
    ...controls(g, 0),
    ...field('PID', p('PID'), at(0, 1, 60, 70), { align: 'right' }),
    ...field('Up time', p('UPTIME'), at(140, 1, 70, 140)),
    ...field('Restarts', p('RESTARTS'), at(360, 1, 70, 50), { align: 'right' }),
    ...field('Last exit', p('LAST_EXIT'), at(490, 1, 70, 300)),
    ...field('CPU', p('CPU'), at(0, 2, 60, 70), { align: 'right' }),
    ...field('Memory', p('MEM'), at(140, 2, 70, 140), { align: 'right' }),
    ...field('Log errors', p('LOG_ERRS'), at(360, 2, 70, 50), { align: 'right' }),
    ...field('Started', p('LAST_START'), at(490, 2, 70, 300)),
  ];
  const stats = [...MIRRORED_STATS.map((s) => s[0] as string), 'AUTORESTART'];
  stats.forEach((suffix, i) => {
    const caption = STAT_CAPTIONS[suffix] ?? 'Autorestart';
    rows.push(
      ...field(caption, p(suffix), at((i % 4) * 215, 3 + Math.floor(i / 4), 110, 95), { align: 'right' }),
    );
  });
  const rowCount = 3 + Math.ceil(stats.length / 4);
  const height = GROUP_INSET + rowCount * ROW + 6;
  const title = `${g.name}  ${g.label} (${g.direction})`;
  return {
    node: group(title, { x: 10, y, width: PANEL_WIDTH - 20, height }, rows, { isTitled: true }),
    height,
  };
}

/** Renders the IOC status panel of one container. */
export function renderPanel(c: SurfaceContainer): string {
  const header: XmlNode[] = [
    rectangle('header', { x: 0, y: 0, width: PANEL_WIDTH, height: 50 }, 'Header_Background'),
    label(
      'title',
      'IOC Status',
      { x: 10, y: 8, width: 250, height: 34 },
      {
        font: 'Header 1',
        color: 'Header_ForeGround',
      },
    ),
    label(
      'prefix',
      '$(P)',
      { x: 500, y: 8, width: 390, height: 34 },
      {
        font: 'Header 2',
        color: 'Header_ForeGround',
        align: 'right',
      },
    ),
    label('STATUS label', 'Status', { x: 10, y: 60, width: 70, height: 28 }, { font: 'Header 3' }),
    textUpdate('STATUS', pv('STATUS'), { x: 80, y: 60, width: 130, height: 28 } satisfies Box, {
      font: 'Header 3',
      align: 'center',
      isAlarmColored: true,
    }),
    textUpdate(
      'STATUS_MSG',
      pv('STATUS_MSG'),
      { x: 220, y: 60, width: 670, height: 28 },
      { isLongString: true },
    ),
  ];
  const top = 100;
  const agent = agentBlock(top);
  const server = serverBlock(c, top);
  const blocks: XmlNode[] = [agent.node, server.node];
  let y = top + Math.max(agent.height, server.height) + 10;
  for (const g of c.gateways) {
    const block = gatewayBlock(g, y);
    blocks.push(block.node);
    y += block.height + 10;
  }
  const root = display(`IOC Status ${c.name}`, { width: PANEL_WIDTH, height: y }, { P: c.prefix }, [
    ...header,
    ...blocks,
  ]);
  return renderXml(root, [
    `IOC status panel of ${c.name}, generated by gwagent display render. $(P) is the agent's PV prefix.`,
  ]);
}
