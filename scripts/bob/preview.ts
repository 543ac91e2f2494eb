// Dev tool: draws a Phoebus .bob display as a static HTML page from its geometry (labels, text updates,
// bars, LEDs, buttons, groups, rectangles; named colours and fonts; alarm-sensitive borders and the
// alarm-colour rule), optionally filled with live values read over Channel Access from a running agent.
// Used to make the README's picture (headless chromium turns the page into a PNG). Not Phoebus: an
// approximation of what Phoebus shows, good enough to see what a panel contains.
//
//   node --import tsx scripts/bob/preview.ts PANEL.bob --out PANEL.html [--ca 127.0.0.1:PORT] [--macro P=X:]
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CaClient } from '../../src/ca/client/index.js';
import { DBF_CHAR, DBF_ENUM, DBF_STRING, DBR_CTRL_DOUBLE, DBR_STS_STRING } from '../../src/ca/constants.js';
import { child, childText, expandMacros, macrosOf, parseXml, type XmlElement } from './xml-tree.js';

/** What a PV showed when read: its text (units included), numeric value and limits, severity. */
export interface PvShown {
  text: string;
  number?: number;
  low?: number;
  high?: number;
  severity: number;
  units: string;
}

const SEVERITY_BORDER = ['', '#ff8000', '#ff0000', '#ff00ff'];

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function colorOf(prop: XmlElement | undefined, fallback: string): string {
  const c = prop ? child(prop, 'color') : undefined;
  if (!c) return fallback;
  return `rgb(${c.attrs.red},${c.attrs.green},${c.attrs.blue})`;
}

function fontCss(w: XmlElement): string {
  const f = child(w, 'font');
  const font = f ? child(f, 'font') : undefined;
  const size = font ? Number(font.attrs.size) : 14;
  const style = font?.attrs.style ?? 'REGULAR';
  return [
    `font-family:'${font?.attrs.family ?? 'Liberation Sans'}',sans-serif`,
    `font-size:${size}px`,
    style.includes('BOLD') ? 'font-weight:bold' : '',
    style.includes('ITALIC') ? 'font-style:italic' : '',
  ].join(';');
}

const ALIGN = ['flex-start', 'center', 'flex-end'];

interface Ctx {
  macros: Record<string, string>;
  values: ReadonlyMap<string, PvShown>;
}

function box(w: XmlElement, extra: string, inner: string): string {
  const geo = ['x', 'y', 'width', 'height'].map((k) => Number(childText(w, k) || 0));
  return `<div style="position:absolute;left:${geo[0]}px;top:${geo[1]}px;width:${geo[2]}px;height:${geo[3]}px;box-sizing:border-box;${extra}">${inner}</div>`;
}

function ruleColor(w: XmlElement, shown: PvShown | undefined): string | undefined {
  const rule = child(w, 'rules') ? child(child(w, 'rules')!, 'rule') : undefined;
  if (!rule || !shown) return undefined;
  for (const exp of rule.children.filter((c) => c.name === 'exp')) {
    if (exp.attrs.bool_exp === `pvSev0 == ${shown.severity}`) return colorOf(child(exp, 'value'), '');
  }
  return undefined;
}

function render(w: XmlElement, ctx: Ctx): string {
  const type = w.attrs.type;
  const pv = expandMacros(childText(w, 'pv_name'), ctx.macros);
  const shown = pv ? ctx.values.get(pv) : undefined;
  const alarmBorder =
    childText(w, 'border_alarm_sensitive') === 'true' && shown && shown.severity > 0
      ? `border:2px solid ${SEVERITY_BORDER[shown.severity]};`
      : '';
  const flex = `display:flex;align-items:center;justify-content:${ALIGN[Number(childText(w, 'horizontal_alignment') || 0)]};overflow:hidden;white-space:nowrap;padding:0 3px;`;
  switch (type) {
    case 'label': {
      const bg = child(w, 'background_color')
        ? `background:${colorOf(child(w, 'background_color'), '')};`
        : '';
      const text = expandMacros(childText(w, 'text'), ctx.macros);
      return box(
        w,
        `${flex}${fontCss(w)};color:${colorOf(child(w, 'foreground_color'), '#000')};${bg}`,
        esc(text),
      );
    }
    case 'textupdate': {
      const bg = ruleColor(w, shown) ?? colorOf(child(w, 'background_color'), 'rgb(240,240,240)');
      const text = shown
        ? childText(w, 'show_units') === 'false'
          ? shown.text.replace(new RegExp(` ${shown.units.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`), '')
          : shown.text
        : `<${pv}>`;
      const fg = colorOf(child(w, 'foreground_color'), '#000');
      // Phoebus marks a disconnected PV with the DISCONNECTED colour around the widget
      const border = shown
        ? alarmBorder || 'border:1px solid rgb(200,200,200);'
        : 'border:2px solid rgb(200,0,200);';
      return box(w, `${flex}${fontCss(w)};color:${fg};background:${bg};${border}`, esc(text));
    }
    case 'progressbar': {
      const fraction =
        shown?.number !== undefined &&
        shown.high !== undefined &&
        shown.low !== undefined &&
        shown.high > shown.low
          ? Math.min(1, Math.max(0, (shown.number - shown.low) / (shown.high - shown.low)))
          : 0;
      const fill = colorOf(child(w, 'fill_color'), 'rgb(60,255,60)');
      const inner = `<div style="height:100%;width:${(fraction * 100).toFixed(1)}%;background:${fill}"></div>`;
      return box(
        w,
        `background:${colorOf(child(w, 'background_color'), '#eee')};border:1px solid #aaa;${alarmBorder}`,
        inner,
      );
    }
    case 'led': {
      const isOn = shown?.number === 1;
      const color = colorOf(child(w, isOn ? 'on_color' : 'off_color'), '#888');
      const text = childText(w, isOn ? 'on_label' : 'off_label');
      const fg = isOn ? '#000' : '#fff';
      return box(
        w,
        `${flex}justify-content:center;${fontCss(w)};background:${color};color:${fg};border:1px solid #555;${alarmBorder}`,
        esc(text),
      );
    }
    case 'action_button': {
      const bg = colorOf(child(w, 'background_color'), 'rgb(210,210,210)');
      const fg = bg === 'rgb(255,0,0)' ? '#fff' : '#000';
      return box(
        w,
        `${flex}justify-content:center;${fontCss(w)};background:${bg};color:${fg};border:1px solid #777;border-radius:3px;box-shadow:inset 1px 1px 0 #fff,inset -1px -1px 0 #999`,
        esc(expandMacros(childText(w, 'text'), ctx.macros)),
      );
    }
    case 'rectangle':
      return box(w, `background:${colorOf(child(w, 'background_color'), '#ccc')}`, '');
    case 'group': {
      const scope = { ...ctx.macros };
      for (const [k, v] of Object.entries(macrosOf(w))) scope[k] = expandMacros(v, ctx.macros);
      const inner = w.children
        .filter((c) => c.name === 'widget')
        .map((c) => render(c, { ...ctx, macros: scope }))
        .join('');
      if (childText(w, 'style') !== '0') return box(w, '', inner);
      const title = `<div style="position:absolute;left:8px;top:-9px;padding:0 4px;background:#fff;${fontCss(w)}">${esc(childText(w, 'name'))}</div>`;
      const body = `<div style="position:absolute;left:6px;top:18px;right:6px;bottom:4px">${inner}</div>`;
      return box(w, 'border:1px solid rgb(150,150,150);border-radius:2px;margin-top:0', title + body);
    }
    default:
      return '';
  }
}

/** The HTML page of a display. Pure. */
export function renderPage(
  bob: string,
  values: ReadonlyMap<string, PvShown>,
  macros: Record<string, string> = {},
): string {
  const doc = parseXml(bob);
  const scope = { ...macrosOf(doc), ...macros };
  const width = Number(childText(doc, 'width'));
  const height = Number(childText(doc, 'height'));
  const body = doc.children
    .filter((c) => c.name === 'widget')
    .map((w) => render(w, { macros: scope, values }))
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(childText(doc, 'name'))}</title></head>
<body style="margin:0;background:${colorOf(child(doc, 'background_color'), '#fff')}">
<div style="position:relative;width:${width}px;height:${height}px">
${body}
</div></body></html>
`;
}

/** Every PV a display reads, macros expanded. */
export function pvNames(bob: string, macros: Record<string, string> = {}): string[] {
  const out = new Set<string>();
  const walk = (node: XmlElement, scope: Record<string, string>) => {
    for (const w of node.children.filter((c) => c.name === 'widget')) {
      const inner = { ...scope };
      for (const [k, v] of Object.entries(macrosOf(w))) inner[k] = expandMacros(v, scope);
      const pv = childText(w, 'pv_name');
      if (pv && w.attrs.type !== 'action_button') out.add(expandMacros(pv, inner));
      walk(w, inner);
    }
  };
  const doc = parseXml(bob);
  walk(doc, { ...macrosOf(doc), ...macros });
  return [...out];
}

/** Reads every name over CA from `server` (host:port) as a display would show it. */
export async function readValues(names: readonly string[], server: string): Promise<Map<string, PvShown>> {
  const client = new CaClient({ env: {}, autoAddrList: false, addrList: [] });
  const out = new Map<string, PvShown>();
  try {
    await Promise.all(
      names.map(async (name) => {
        const ch = client.channel(name, { server });
        try {
          await ch.connected(3000);
          const sts = await ch.get({ dbrType: DBR_STS_STRING });
          const native = ch.nativeType;
          const severity = sts.severity ?? 0;
          if (native === DBF_STRING || native === DBF_ENUM) {
            out.set(name, {
              text: String(sts.value),
              severity,
              units: '',
              number: native === DBF_ENUM ? Number((await ch.get()).value) : undefined,
            });
          } else if (native === DBF_CHAR && ch.nativeCount > 1) {
            const bytes = (await ch.get()).values as number[];
            const end = bytes.indexOf(0);
            out.set(name, {
              text: Buffer.from(end >= 0 ? bytes.slice(0, end) : bytes).toString('latin1'),
              severity,
              units: '',
            });
          } else {
            const c = await ch.get({ dbrType: DBR_CTRL_DOUBLE });
            const v = Number(c.value);
            const units = c.units ?? '';
            const text = `${v.toFixed(c.precision ?? 0)}${units ? ` ${units}` : ''}`;
            out.set(name, {
              text,
              number: v,
              low: c.lowerDispLimit,
              high: c.upperDispLimit,
              severity,
              units,
            });
          }
        } catch {
          // not connected: shown as the PV name, as Phoebus shows a disconnected widget's name
        }
      }),
    );
  } finally {
    await client.close();
  }
  return out;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { out: { type: 'string' }, ca: { type: 'string' }, macro: { type: 'string', multiple: true } },
    allowPositionals: true,
  });
  const file = positionals[0];
  if (!file || !values.out)
    throw new Error('usage: preview.ts PANEL.bob --out PAGE.html [--ca HOST:PORT] [--macro K=V]');
  const macros: Record<string, string> = {};
  for (const m of values.macro ?? []) {
    const at = m.indexOf('=');
    if (at > 0) macros[m.slice(0, at)] = m.slice(at + 1);
  }
  const bob = readFileSync(file, 'utf8');
  const shown = values.ca ? await readValues(pvNames(bob, macros), values.ca) : new Map<string, PvShown>();
  writeFileSync(values.out, renderPage(bob, shown, macros));
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) await main();
