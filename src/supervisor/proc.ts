// Parsers for the text files the supervisor reads about the system: /proc/<pid>/stat, /etc/passwd and
// /etc/group. Pure: text in, records out (system.ts does the reading).
import type { PasswdEntry, ProcEntry } from './ports.js';

/**
 * Parses /proc/<pid>/stat. The command name (field 2) is in parentheses and may itself contain spaces and
 * ')', so fields are counted from the last ')'. Field 22 (starttime, clock ticks after boot) tells a
 * process apart from a later one that reused its pid.
 */
export function parseProcStat(text: string): ProcEntry | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 2)
    .trim()
    .split(' ');
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const state = rest[0];
  const pgrp = Number(rest[5 - 3]);
  const startTime = rest[22 - 3];
  if (!Number.isInteger(pid) || state === undefined || !Number.isInteger(pgrp) || startTime === undefined) {
    return undefined;
  }
  if (!/^\d+$/.test(startTime)) return undefined;
  return { pid, state, pgrp, startTime };
}

/** Entries of /etc/passwd (name:password:uid:gid:gecos:home:shell); malformed lines are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 7) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!f[0] || !Number.isInteger(uid) || !Number.isInteger(gid) || f[2] === '' || f[3] === '') continue;
    out.push({ name: f[0], uid, gid, home: f[5] ?? '/' });
  }
  return out;
}

/** The primary gid plus every /etc/group (name:password:gid:members) listing `user` as a member. */
export function groupsOf(groupText: string, user: string, primaryGid: number): number[] {
  const gids = [primaryGid];
  for (const line of groupText.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || f[2] === '') continue;
    const gid = Number(f[2]);
    const members = (f[3] ?? '').split(',').map((m) => m.trim());
    if (Number.isInteger(gid) && members.includes(user) && !gids.includes(gid)) gids.push(gid);
  }
  return gids;
}

/** Compares two starttime values (decimal strings that may exceed 2^53). */
export function compareStartTime(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
