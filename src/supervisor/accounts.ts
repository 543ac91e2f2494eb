// Parsers for the account files the supervisor reads: /etc/passwd and /etc/group (/proc/<pid>/stat is
// src/proc.ts's). Pure: text in, records out (system.ts does the reading).
import type { PasswdEntry } from './ports.js';

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
