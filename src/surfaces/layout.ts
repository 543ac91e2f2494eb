// Small layout helpers shared by the panel and the overview: a labelled value on a row grid, and the
// macro reference of a PV suffix. Pure.
import { label, textUpdate, type TextUpdateOptions } from './bob-widgets.js';
import type { XmlNode } from './xml.js';

/** Row pitch and widget height of the panels, pixels. */
export const ROW = 26;
export const ROW_HEIGHT = 22;

/** A PV of the container through the panel's macro: `$(P)SUFFIX`. */
export function pv(suffix: string): string {
  return `$(P)${suffix}`;
}

/** A caption and a text update of `$(P)suffix` on one row. */
export function field(
  caption: string,
  suffix: string,
  at: { x: number; y: number; labelWidth: number; valueWidth: number },
  o: TextUpdateOptions = {},
): XmlNode[] {
  const name = suffix.replace(/[^A-Za-z0-9_]/g, '_');
  return [
    label(`${name} label`, caption, { x: at.x, y: at.y, width: at.labelWidth, height: ROW_HEIGHT }),
    textUpdate(
      name,
      pv(suffix),
      { x: at.x + at.labelWidth, y: at.y, width: at.valueWidth, height: ROW_HEIGHT },
      o,
    ),
  ];
}
