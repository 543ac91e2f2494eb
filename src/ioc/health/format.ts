// Text formats of the devIocStats string PVs: UPTIME, TOD/STARTTOD, the 39-character pieces of long
// strings (…1/…2 PVs) and EPICS-epoch seconds. Pure: numbers in, strings out; no clock reads here.
import { MAX_STRING_SIZE, POSIX_TIME_AT_EPICS_EPOCH } from '../../ca/constants.js';

/** What devIocStats shows for a fact it cannot find (ENGINEER, LOCATION, startup script). */
export const NOT_AVAILABLE = '<not available>';

/** Characters per piece: devIocStats copies MAX_STRING_SIZE - 1 so the 40-byte field keeps its NUL. */
export const STRING_PIECE_CHARS = MAX_STRING_SIZE - 1;

/**
 * devIocStats' UPTIME text: `HH:MM:SS`, `1 day, HH:MM:SS` or `N days, HH:MM:SS` for whole seconds.
 */
export function formatUptime(seconds: number): string {
  let t = Math.max(0, Math.floor(seconds));
  const secs = t % 60;
  t = Math.floor(t / 60);
  const mins = t % 60;
  t = Math.floor(t / 60);
  const hours = t % 24;
  const days = Math.floor(t / 24);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const prefix = days === 0 ? '' : days === 1 ? '1 day, ' : `${days} days, `;
  return `${prefix}${pad(hours)}:${pad(mins)}:${pad(secs)}`;
}

/** TOD/STARTTOD text, `%m/%d/%Y %H:%M:%S` in local time (as strftime in the IOC's time zone). */
export function formatTod(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${pad(d.getMonth() + 1)}/${pad(d.getDate())}/${d.getFullYear()} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

/**
 * Piece `index` (0-based) of a long string for the …1/…2 stringin PVs: 39 characters each,
 * empty once the string is exhausted (devIocStats' getStringPart).
 */
export function stringPiece(text: string, index: number): string {
  return text.slice(index * STRING_PIECE_CHARS, (index + 1) * STRING_PIECE_CHARS);
}

/** A string cut to what one DBR_STRING holds (39 characters + NUL). */
export function fitString(text: string): string {
  return text.slice(0, STRING_PIECE_CHARS);
}

/** Seconds since the EPICS epoch (1990-01-01 UTC), as GTIM_TIME reports the current time. */
export function epicsSeconds(epochMs: number): number {
  return epochMs / 1000 - POSIX_TIME_AT_EPICS_EPOCH;
}
