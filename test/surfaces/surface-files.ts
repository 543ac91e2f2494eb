// Test-only: renders the examples' surfaces and reads PV names back out of the generated files, with
// Phoebus' macro scoping (display macros, then each group's macros over its parent's). Not a test file.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childText, expandMacros, macrosOf, parseXml, type XmlElement } from '../../scripts/bob/xml-tree.js';
import { loadSurfaceSite, renderAlarms, renderDisplays, type SurfaceSite } from '../../src/surfaces/index.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const SCHEMAS = join(REPO, 'test/surfaces/schemas');

/** The example inputs with golden files: the site and every example agent config. */
export const EXAMPLES = ['as-site.json', 'cr01gw00.ini', 'cr01gw01.ini', 'demo.ini'] as const;

export interface RenderedExample {
  site: SurfaceSite;
  displays: Record<string, string>;
  alarms: Record<string, string>;
}

export function renderExample(file: string): RenderedExample {
  const { site } = loadSurfaceSite(join(REPO, 'examples', file));
  return { site, displays: renderDisplays(site), alarms: renderAlarms(site, { displayBase: 'displays' }) };
}

/** One PV reference in a display: the expanded name and the widget that uses it. */
export interface PvUse {
  pv: string;
  widget: string;
}

function walk(node: XmlElement, macros: Record<string, string>, out: PvUse[]): void {
  for (const w of node.children.filter((c) => c.name === 'widget')) {
    const scope = { ...macros };
    // A group's own macros are expanded with the enclosing ones, then apply to its children.
    for (const [k, v] of Object.entries(macrosOf(w))) scope[k] = expandMacros(v, macros);
    const name = childText(w, 'name');
    const add = (pv: string) => out.push({ pv: expandMacros(pv, scope), widget: name });
    for (const c of w.children) {
      if (c.name === 'pv_name') add(c.text);
      if (c.name === 'rules')
        for (const rule of c.children) for (const p of rule.children) if (p.name === 'pv_name') add(p.text);
      if (c.name === 'actions')
        for (const a of c.children) if (a.attrs.type === 'write_pv') add(childText(a, 'pv_name'));
    }
    walk(w, scope, out);
  }
}

/** Every PV a .bob file connects to, macros expanded with the display's own defaults. */
export function displayPvs(text: string, macros: Record<string, string> = {}): PvUse[] {
  const doc = parseXml(text);
  const out: PvUse[] = [];
  walk(doc, { ...macrosOf(doc), ...macros }, out);
  return out;
}

/** Every PV of a Phoebus alarm configuration. */
export function alarmPvs(text: string): string[] {
  const out: string[] = [];
  const visit = (n: XmlElement) => {
    if (n.name === 'pv') out.push(n.attrs.name!);
    n.children.forEach(visit);
  };
  visit(parseXml(text));
  return out;
}

/** Every CHANNEL of an ALH configuration. */
export function alhPvs(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('CHANNEL '))
    .map((l) => l.trim().split(/\s+/)[2]!);
}

/** Runs xmllint; returns its exit status and output (stdout and stderr). */
export function xmllint(args: string[]): { status: number; output: string } {
  const r = spawnSync('xmllint', args, { encoding: 'utf8' });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

/** Whether xmllint is installed (Debian libxml2-utils). */
export function hasXmllint(): boolean {
  try {
    execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
