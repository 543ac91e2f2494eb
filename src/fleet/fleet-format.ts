// `fleet status` as text: one row per gateway under its container (the seed's Gateway Status page in a
// terminal), a container that did not answer on one line saying so, and what sets each STATUS.
// Pure: readings in, text out.
import type { FleetContainer, FleetValue } from './fleet-reader.js';

const HEADER = [
  'CONTAINER',
  'STATUS',
  'GATEWAY',
  'STATE',
  'PID',
  'UPTIME',
  'RESTARTS',
  'ALIVE',
  'PVS',
  'CONNECTED',
  'LAST-EXIT',
];
const SEVERITY_MARK = ['', ' (MINOR)', ' (MAJOR)', ' (INVALID)'];

function show(v: FleetValue | undefined, withSeverity = false): string {
  if (v === undefined) return '?';
  const text = v.text === '' ? '-' : v.text;
  return withSeverity ? text + (SEVERITY_MARK[v.severity] ?? '') : text;
}

export function formatFleetTable(containers: readonly FleetContainer[]): string {
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const c of containers) {
    if (!c.isReachable) {
      rows.push([c.container, 'UNREACHABLE', '-', `(${c.error ?? 'no answer'})`]);
      continue;
    }
    const status = show(c.pvs.STATUS);
    const message = c.pvs.STATUS_MSG?.text;
    if (message) notes.push(`${c.container}: ${status}: ${message}`);
    if (c.pvs.CONFIG_OK?.text === 'No')
      notes.push(`${c.container}: the last configuration reload was refused`);
    if (c.gateways.length === 0) rows.push([c.container, status, '-']);
    c.gateways.forEach((g, i) => {
      const p = g.pvs;
      rows.push([
        i === 0 ? c.container : '',
        i === 0 ? status : '',
        g.name,
        p.STATE ? show(p.STATE) : 'MISSING',
        show(p.PID),
        show(p.UPTIME),
        show(p.RESTARTS),
        show(p.ALIVE),
        show(p.PV_TOTAL),
        show(p.CONNECTED),
        show(p.LAST_EXIT),
      ]);
    });
  }
  const widths = HEADER.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r.length - 1 > i ? (r[i] ?? '').length : 0))),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(HEADER), ...rows.map(line), ...(notes.length ? ['', ...notes] : [])].join('\n') + '\n';
}

/** Plain data for --json: values as text with their severity, unreachable containers with the reason. */
export function fleetJson(containers: readonly FleetContainer[]): string {
  return JSON.stringify(containers, null, 2) + '\n';
}
