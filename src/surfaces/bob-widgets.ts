// Builders for Phoebus Display Builder (.bob) widgets, following Phoebus conventions: named colours
// (the predefined OK/MINOR/MAJOR/INVALID, Text, Background... with their default RGB as fallback),
// named fonts (Default, Header 1...), alarm-sensitive borders, PV names through macros. Each builder
// returns an XmlNode; pure. Widget and property names as in Phoebus' display model (version 2.0.0 files).
import { el, parent, type XmlNode } from './xml.js';

/** Phoebus' predefined named colours (color.def), RGB as Phoebus defines them by default. */
export const COLORS = {
  OK: [0, 255, 0],
  MINOR: [255, 128, 0],
  MAJOR: [255, 0, 0],
  INVALID: [255, 0, 255],
  DISCONNECTED: [200, 0, 200],
  Text: [0, 0, 0],
  Background: [255, 255, 255],
  Read_Background: [240, 240, 240],
  Write_Background: [128, 255, 255],
  Button_Background: [210, 210, 210],
  Header_Background: [77, 77, 77],
  Header_ForeGround: [255, 255, 255],
  STOP: [255, 0, 0],
  Attention: [255, 160, 0],
  On: [0, 255, 0],
  Off: [60, 100, 60],
} as const;
export type ColorName = keyof typeof COLORS;

/** Phoebus' predefined named fonts (font.def): family, style, size in pixels. */
export const FONTS = {
  Default: ['Liberation Sans', 'REGULAR', 14],
  'Default Bold': ['Liberation Sans', 'BOLD', 14],
  'Header 1': ['Liberation Sans', 'BOLD', 22],
  'Header 2': ['Liberation Sans', 'BOLD', 18],
  'Header 3': ['Liberation Sans', 'BOLD', 16],
  Comment: ['Liberation Sans', 'ITALIC', 14],
  'Fine Print': ['Liberation Sans', 'REGULAR', 12],
} as const;
export type FontName = keyof typeof FONTS;

/** Alarm severities as the rule engine reports them in pvSev0, with their named colours. */
const SEVERITY_COLORS: readonly (readonly [number, ColorName])[] = [
  [3, 'INVALID'],
  [2, 'MAJOR'],
  [1, 'MINOR'],
  [0, 'OK'],
];

export function color(name: ColorName): XmlNode {
  const [r, g, b] = COLORS[name];
  return {
    name: 'color',
    attrs: [
      ['name', name],
      ['red', String(r)],
      ['green', String(g)],
      ['blue', String(b)],
    ],
  };
}

function colorProp(prop: string, name: ColorName | undefined): XmlNode | undefined {
  return name === undefined ? undefined : parent(prop, [color(name)]);
}

export function font(name: FontName): XmlNode {
  const [family, style, size] = FONTS[name];
  return parent('font', [
    {
      name: 'font',
      attrs: [
        ['name', name],
        ['family', family],
        ['style', style],
        ['size', size.toFixed(1)],
      ],
    },
  ]);
}

/** Position and size of a widget, in pixels relative to its parent. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function geometry(name: string, box: Box): XmlNode[] {
  return [el('name', name), el('x', box.x), el('y', box.y), el('width', box.width), el('height', box.height)];
}

function widget(type: string, version: string, children: readonly (XmlNode | undefined)[]): XmlNode {
  return parent('widget', children, [
    ['type', type],
    ['version', version],
  ]);
}

export const ALIGN = { left: 0, center: 1, right: 2 } as const;
type Align = keyof typeof ALIGN;

export interface LabelOptions {
  font?: FontName;
  color?: ColorName;
  background?: ColorName;
  align?: Align;
  tooltip?: string;
}

export function label(name: string, text: string, box: Box, o: LabelOptions = {}): XmlNode {
  return widget('label', '2.0.0', [
    ...geometry(name, box),
    el('text', text),
    o.font ? font(o.font) : undefined,
    colorProp('foreground_color', o.color),
    colorProp('background_color', o.background),
    o.background ? el('transparent', false) : undefined,
    el('horizontal_alignment', ALIGN[o.align ?? 'left']),
    el('vertical_alignment', 1),
    o.tooltip ? el('tooltip', o.tooltip) : undefined,
  ]);
}

/** A rule that paints `prop` in the alarm colour of the PV's severity (Phoebus rules, pvSev0). */
export function alarmColorRule(pv: string, prop = 'background_color'): XmlNode {
  return parent('rules', [
    parent(
      'rule',
      [
        ...SEVERITY_COLORS.map(([sev, name]) =>
          parent('exp', [parent('value', [color(name)])], [['bool_exp', `pvSev0 == ${sev}`]]),
        ),
        el('pv_name', pv),
      ],
      [
        ['name', 'alarm colour'],
        ['prop_id', prop],
        ['out_exp', 'false'],
      ],
    ),
  ]);
}

export interface TextUpdateOptions {
  font?: FontName;
  align?: Align;
  showUnits?: boolean;
  /** Paint the background in the PV's alarm colour (for state PVs). */
  isAlarmColored?: boolean;
  /** Digits after the decimal point; default: the PV's PREC. */
  precision?: number;
  color?: ColorName;
  /** The PV is a CHAR waveform holding text (STATUS_MSG): shown with the STRING format. */
  isLongString?: boolean;
}

/** Phoebus' FormatOption index for STRING: a CHAR array read as text. */
const FORMAT_STRING = 6;

export function textUpdate(name: string, pv: string, box: Box, o: TextUpdateOptions = {}): XmlNode {
  return widget('textupdate', '2.0.0', [
    ...geometry(name, box),
    el('pv_name', pv),
    o.font ? font(o.font) : undefined,
    colorProp('foreground_color', o.color),
    o.precision !== undefined ? el('precision', o.precision) : undefined,
    o.isLongString ? el('format', FORMAT_STRING) : undefined,
    el('show_units', o.showUnits ?? true),
    el('horizontal_alignment', ALIGN[o.align ?? 'left']),
    el('vertical_alignment', 1),
    el('border_alarm_sensitive', true),
    o.isAlarmColored ? alarmColorRule(pv) : undefined,
  ]);
}

/** A horizontal bar between the PV's display limits (LOPR..HOPR); alarm-sensitive border. */
export function progressBar(name: string, pv: string, box: Box): XmlNode {
  return widget('progressbar', '2.0.0', [
    ...geometry(name, box),
    el('pv_name', pv),
    el('limits_from_pv', true),
    colorProp('fill_color', 'OK'),
    colorProp('background_color', 'Read_Background'),
    el('horizontal', true),
    el('border_alarm_sensitive', true),
  ]);
}

/** A two-state LED for a bi PV: off and on colours and labels given, alarm-sensitive border. */
export function led(
  name: string,
  pv: string,
  box: Box,
  off: { label: string; color: ColorName },
  on: { label: string; color: ColorName },
): XmlNode {
  return widget('led', '2.0.0', [
    ...geometry(name, box),
    el('pv_name', pv),
    el('off_label', off.label),
    colorProp('off_color', off.color),
    el('on_label', on.label),
    colorProp('on_color', on.color),
    el('labels_from_pv', false),
    el('square', true),
    font('Fine Print'),
    el('border_alarm_sensitive', true),
  ]);
}

export interface OpenDisplay {
  kind: 'open_display';
  file: string;
  macros: Readonly<Record<string, string>>;
  description: string;
}

export interface WritePv {
  kind: 'write_pv';
  pv: string;
  value: string;
  description: string;
}

function action(a: OpenDisplay | WritePv): XmlNode {
  if (a.kind === 'open_display') {
    const macros = Object.entries(a.macros).map(([k, v]) => el(k, v));
    return parent(
      'action',
      [el('file', a.file), parent('macros', macros), el('target', 'tab'), el('description', a.description)],
      [['type', 'open_display']],
    );
  }
  return parent(
    'action',
    [el('pv_name', a.pv), el('value', a.value), el('description', a.description)],
    [['type', 'write_pv']],
  );
}

export interface ButtonOptions {
  /** The PV whose write access enables the button (the control PV the ACF guards). */
  pv?: string;
  confirm?: string;
  background?: ColorName;
  font?: FontName;
}

export function actionButton(
  name: string,
  text: string,
  box: Box,
  actions: readonly (OpenDisplay | WritePv)[],
  o: ButtonOptions = {},
): XmlNode {
  return widget('action_button', '3.0.0', [
    ...geometry(name, box),
    parent('actions', actions.map(action)),
    o.pv ? el('pv_name', o.pv) : undefined,
    el('text', text),
    font(o.font ?? 'Default'),
    colorProp('background_color', o.background ?? 'Button_Background'),
    o.confirm ? el('show_confirm_dialog', true) : undefined,
    o.confirm ? el('confirm_message', o.confirm) : undefined,
  ]);
}

/** A group: a titled box (style 0) or an invisible container (style 3) that can carry macros. */
export function group(
  name: string,
  box: Box,
  children: readonly XmlNode[],
  o: { isTitled?: boolean; macros?: Readonly<Record<string, string>> } = {},
): XmlNode {
  return widget('group', '2.0.0', [
    ...geometry(name, box),
    o.macros
      ? parent(
          'macros',
          Object.entries(o.macros).map(([k, v]) => el(k, v)),
        )
      : undefined,
    el('style', o.isTitled ? 0 : 3),
    font('Header 3'),
    colorProp('foreground_color', 'Text'),
    colorProp('background_color', 'Background'),
    el('transparent', !o.isTitled),
    ...children,
  ]);
}

export function rectangle(name: string, box: Box, fill: ColorName): XmlNode {
  return widget('rectangle', '2.0.0', [
    ...geometry(name, box),
    el('line_width', 0),
    colorProp('line_color', fill),
    colorProp('background_color', fill),
  ]);
}

/** The display root: name, size, default macros and widgets. */
export function display(
  name: string,
  size: { width: number; height: number },
  macros: Readonly<Record<string, string>>,
  widgets: readonly XmlNode[],
): XmlNode {
  return parent(
    'display',
    [
      el('name', name),
      parent(
        'macros',
        Object.entries(macros).map(([k, v]) => el(k, v)),
      ),
      el('width', size.width),
      el('height', size.height),
      colorProp('background_color', 'Background'),
      ...widgets,
    ],
    [['version', '2.0.0']],
  );
}
