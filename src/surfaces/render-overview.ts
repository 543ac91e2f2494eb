// The site overview (`overview.bob`): the seed's "Gateway Status" table. One block per container (a
// group whose macro P is that container's prefix) with its STATUS, then one row per gateway: state
// (alarm colour), alive, PV counts, event and loop rates, all with alarm-sensitive borders. The
// container and gateway buttons open the container's panel with the same macros. Pure.
import {
  actionButton,
  display,
  group,
  label,
  led,
  rectangle,
  textUpdate,
  type OpenDisplay,
} from './bob-widgets.js';
import { pv, ROW, ROW_HEIGHT } from './layout.js';
import { panelFile } from './render-panel.js';
import type { SurfaceContainer, SurfaceSite } from './surface-model.js';
import { renderXml, type XmlNode } from './xml.js';

interface Column {
  title: string;
  width: number;
  /** The gateway PV shown, or a special cell: `button` (opens the panel), `label`, `ALIVE` (an LED). */
  suffix: string;
}

const COLUMNS: readonly Column[] = [
  { title: 'Gateway', width: 80, suffix: 'button' },
  { title: 'Function', width: 150, suffix: 'label' },
  { title: 'State', width: 95, suffix: 'STATE' },
  { title: 'Alive', width: 60, suffix: 'ALIVE' },
  { title: 'PVs', width: 65, suffix: 'PV_TOTAL' },
  { title: 'VCs', width: 65, suffix: 'VC_TOTAL' },
  { title: 'Active', width: 65, suffix: 'ACTIVE' },
  { title: 'Unconn.', width: 65, suffix: 'UNCONNECTED' },
  { title: 'Discon.', width: 65, suffix: 'DISCONNECTED' },
  { title: 'Dead', width: 60, suffix: 'DEAD' },
  { title: 'CPU fract', width: 70, suffix: 'CPU_FRACT' },
  { title: 'Client ev/s', width: 85, suffix: 'CLIENT_EVENT_RATE' },
  { title: 'Client post/s', width: 90, suffix: 'CLIENT_POST_RATE' },
  { title: 'Server ev/s', width: 85, suffix: 'SERVER_EVENT_RATE' },
  { title: 'Loop/s', width: 70, suffix: 'LOOP_RATE' },
];
const GAP = 4;
const MARGIN = 10;
export const OVERVIEW_WIDTH = MARGIN * 2 + COLUMNS.reduce((sum, c) => sum + c.width + GAP, 0);

function openPanel(c: SurfaceContainer): OpenDisplay {
  // $(P) is expanded from the enclosing group's macro when the action runs.
  return {
    kind: 'open_display',
    file: panelFile(c.name),
    macros: { P: '$(P)' },
    description: `IOC status ${c.name}`,
  };
}

function containerBlock(c: SurfaceContainer, y: number): { node: XmlNode; height: number } {
  const h = ROW_HEIGHT;
  const inner = OVERVIEW_WIDTH - 2 * MARGIN;
  const widgets: XmlNode[] = [
    rectangle(`${c.name} band`, { x: 0, y: 0, width: inner, height: ROW }, 'Read_Background'),
    actionButton(`${c.name} panel`, c.name, { x: 0, y: 2, width: 110, height: h }, [openPanel(c)], {
      font: 'Default Bold',
    }),
    textUpdate(`${c.name} LABEL`, pv('LABEL'), { x: 115, y: 2, width: 300, height: h }),
    textUpdate(
      `${c.name} STATUS`,
      pv('STATUS'),
      { x: 420, y: 2, width: 95, height: h },
      {
        isAlarmColored: true,
        align: 'center',
        font: 'Default Bold',
      },
    ),
    textUpdate(
      `${c.name} STATUS_MSG`,
      pv('STATUS_MSG'),
      { x: 520, y: 2, width: inner - 520, height: h },
      { isLongString: true },
    ),
  ];
  c.gateways.forEach((g, i) => {
    const rowY = (i + 1) * ROW + 2;
    let x = 0;
    for (const col of COLUMNS) {
      const box = { x, y: rowY, width: col.width, height: h };
      const name = `${g.name} ${col.suffix}`;
      if (col.suffix === 'button') {
        widgets.push(actionButton(name, g.name, box, [openPanel(c)]));
      } else if (col.suffix === 'label') {
        widgets.push(label(name, g.label, box, { tooltip: `${g.direction} gateway of ${c.name}` }));
      } else if (col.suffix === 'ALIVE') {
        widgets.push(
          led(
            name,
            pv(`${g.name}:ALIVE`),
            box,
            { label: 'No', color: 'MAJOR' },
            { label: 'Yes', color: 'OK' },
          ),
        );
      } else {
        const isState = col.suffix === 'STATE';
        widgets.push(
          textUpdate(name, pv(`${g.name}:${col.suffix}`), box, {
            align: isState ? 'center' : 'right',
            showUnits: false,
            isAlarmColored: isState,
          }),
        );
      }
      x += col.width + GAP;
    }
  });
  const height = (c.gateways.length + 1) * ROW + 6;
  return {
    node: group(c.name, { x: MARGIN, y, width: inner, height }, widgets, { macros: { P: c.prefix } }),
    height,
  };
}

/** Renders the site overview. */
export function renderOverview(site: SurfaceSite): string {
  const h = ROW_HEIGHT;
  const widgets: XmlNode[] = [
    rectangle('header', { x: 0, y: 0, width: OVERVIEW_WIDTH, height: 50 }, 'Header_Background'),
    label(
      'title',
      'Gateway Status',
      { x: MARGIN, y: 8, width: 400, height: 34 },
      {
        font: 'Header 1',
        color: 'Header_ForeGround',
      },
    ),
    label(
      'site',
      site.name,
      { x: OVERVIEW_WIDTH - 410, y: 8, width: 400, height: 34 },
      {
        font: 'Header 2',
        color: 'Header_ForeGround',
        align: 'right',
      },
    ),
  ];
  let x = MARGIN;
  for (const col of COLUMNS) {
    widgets.push(
      label(
        `heading ${col.title}`,
        col.title,
        { x, y: 58, width: col.width, height: h },
        {
          font: 'Default Bold',
          align: col.suffix === 'button' || col.suffix === 'label' ? 'left' : 'center',
        },
      ),
    );
    x += col.width + GAP;
  }
  let y = 58 + ROW + 4;
  for (const c of site.containers) {
    const block = containerBlock(c, y);
    widgets.push(block.node);
    y += block.height + 6;
  }
  const root = display(`Gateway Status ${site.name}`, { width: OVERVIEW_WIDTH, height: y + 4 }, {}, widgets);
  return renderXml(root, [
    `Gateway status overview of ${site.name}, generated by gwagent display render.`,
    "Each container block sets the macro P to that container's PV prefix.",
  ]);
}
