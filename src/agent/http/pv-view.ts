// What the web views show, read from the same snapshots the CA server sends: which PV suffixes the status
// page carries (health rows with their titles, then per-gateway columns: the page has no list of its
// own), and how one snapshot becomes a display cell or a number.
// Pure apart from reading snapshots through the PvProvider interface; owns no timers or sockets.
import { DBF_CHAR, DBF_ENUM, DBF_STRING, INVALID_ALARM } from '../../ca/constants.js';
import { bytesToString } from '../../ca/convert.js';
import type { ValueSnapshot } from '../../ca/value.js';
import type { PvProvider } from '../../ioc/server/pv.js';

/** Health PVs on the page, in display order, with the row titles the page shows; those the database
 * lacks are skipped. The page receives both in its snapshot: this is their one list. */
export const PAGE_HEALTH: Readonly<Record<string, string>> = {
  STATUS: 'Status',
  STATUS_MSG: 'Status set by',
  LABEL: 'Function',
  CONFIG_OK: 'Config loaded',
  CONFIG_MSG: 'Config problem',
  GW_CNT: 'Gateways',
  GW_RUNNING: 'Gateways running',
  SYS_CPU_LOAD: 'Host CPU',
  CG_CPU_LOAD: 'Container CPU of quota',
  IOC_CPU_LOAD: 'Agent CPU',
  LOAD1: 'Load (1 min)',
  MEM_USED_PCT: 'Host memory used',
  CG_MEM_USED_PCT: 'Container memory of limit',
  MEM_USED: 'Agent memory',
  FD_FREE: 'Free file descriptors',
  CA_CLNT_CNT: 'CA clients',
  CA_CONN_CNT: 'CA channels',
  UPTIME: 'Agent uptime',
  HOSTNAME: 'Host',
};

/** Per-gateway PVs on the page (suffix after `$(P)<NAME>:`), in column order; sent to the page too. */
export const PAGE_GATEWAY = [
  'LABEL',
  'STATE',
  'PID',
  'UPTIME',
  'RESTARTS',
  'LAST_EXIT',
  'ALIVE',
  'CPU',
  'MEM',
  'PV_TOTAL',
  'VC_TOTAL',
  'CONNECTED',
  'CLIENT_EVENT_RATE',
  'SERVER_EVENT_RATE',
  'LOOP_RATE',
] as const;

/** Display text and alarm severity of one PV: what a page cell shows. */
export type Cell = readonly [text: string, severity: number];

export interface PageLayout {
  /** Health suffixes present, in display order (disks' `DISK:<name>:USED_PCT` included). */
  health: string[];
  /** Row titles of the health suffixes (a disk's is `Disk <name> used`). */
  titles: Record<string, string>;
  gateways: string[];
}

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** The number a numeric or enum snapshot holds (NaN for strings and empty arrays). */
export function snapshotNumber(s: ValueSnapshot): number {
  if (s.nativeType === DBF_STRING || s.count < 1) return Number.NaN;
  return Number(s.value[0]);
}

/** Text as a display manager shows it: enum state string, PREC digits, units (bytes made readable). */
export function formatSnapshot(s: ValueSnapshot): string {
  if (s.nativeType === DBF_STRING) return String(s.value[0] ?? '');
  // The agent's CHAR PVs are waveforms carrying text (STATUS_MSG, CMD, CONFIG_ERR): shown as `caget -S`
  // shows them, up to the NUL (an empty message is one NUL element).
  if (s.nativeType === DBF_CHAR)
    return bytesToString(Array.from(s.value as ArrayLike<number>).slice(0, s.count));
  const n = snapshotNumber(s);
  if (s.nativeType === DBF_ENUM) return s.meta.enumStrings[n] ?? String(n);
  if (Number.isNaN(n)) return '';
  if (s.meta.units === 'bytes' || s.meta.units === 'byte') return formatBytes(n);
  const text = n.toFixed(Math.min(Math.max(s.meta.precision, 0), 10));
  return s.meta.units ? `${text} ${s.meta.units}` : text;
}

export function cellOf(s: ValueSnapshot): Cell {
  return [formatSnapshot(s), s.severity];
}

/** Reads PVs under one prefix through the provider (the CA server's own lookup). */
export class PvReader {
  constructor(
    private readonly provider: PvProvider,
    readonly prefix: string,
  ) {}

  snapshot(suffix: string): ValueSnapshot | undefined {
    return this.provider.lookup(this.prefix + suffix)?.snapshot();
  }

  /**
   * A numeric value, or undefined when the PV is missing or INVALID (cannot be read: not a 0). A summary
   * such as STATUS carries INVALID from its inputs while its own value holds: `isSummary` reads it anyway.
   */
  number(suffix: string, isSummary = false): number | undefined {
    const s = this.snapshot(suffix);
    if (!s || (s.severity >= INVALID_ALARM && !isSummary)) return undefined;
    const n = snapshotNumber(s);
    return Number.isNaN(n) ? undefined : n;
  }

  subscribe(suffix: string, onChange: (s: ValueSnapshot) => void): (() => void) | undefined {
    return this.provider.lookup(this.prefix + suffix)?.subscribe((_mask, snap) => onChange(snap));
  }

  /** Every suffix the page shows for this set of gateways and disks. */
  pageSuffixes(layout: PageLayout): string[] {
    return [...layout.health, ...layout.gateways.flatMap((g) => PAGE_GATEWAY.map((s) => `${g}:${s}`))];
  }

  layout(gateways: readonly string[], disks: readonly string[]): PageLayout {
    const titles: Record<string, string> = { ...PAGE_HEALTH };
    for (const d of disks) titles[`DISK:${d}:USED_PCT`] = `Disk ${d} used`;
    const health = Object.keys(titles).filter((s) => this.snapshot(s) !== undefined);
    return {
      health,
      titles: Object.fromEntries(health.map((s) => [s, titles[s] ?? s])),
      gateways: gateways.filter((g) => this.snapshot(`${g}:STATE`) !== undefined),
    };
  }
}
